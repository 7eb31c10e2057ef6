"""Benchmarks: `make bench` runs them all, `make bench NAME=referral_positions` one of them.

Each module here (other than `harness`) is one benchmark: it has `NAME`, `DEFAULT_SIZE` and
`run(*, size, repeat, warmup) -> list[harness.Result]`, and works against whatever database
Django is connected to, so the test suite can smoke it at a tiny size. Only `python -m bench`
creates and uses the benchmark database (`unioncore_bench`).
"""
