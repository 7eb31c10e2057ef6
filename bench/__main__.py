"""python -m bench [name] [--size N] [--repeat K] [--fresh]: run the benchmarks in the benchmark
database and print, for each case, the measured figure, its baseline, their ratio and PASS/FAIL.
Exits 1 when a case misses its target."""

import argparse
import importlib
import os
import sys

from bench import harness

# The benchmarks `make bench` runs, in this order. Explicit: bench/ also holds their helpers
# (harness, settings, the api_urls URLconf), which are not benchmarks. A module here must have
# DEFAULT_SIZE and run(); unioncore/tests/test_bench_registry.py checks both ways.
BENCHMARKS = (
    "referral_positions",
    "dispatch_referral_order",
    "referral_desk",
    "fulfillment_sweep",
    "laborpower_import",
    "reports_excel",
    "reports_registration_list",
    "reports_pdf",
    "admin_changelists",
    "api_throughput",
)


def available() -> list[str]:
    return list(BENCHMARKS)


def main(argv: list[str] | None = None) -> int:
    names = available()
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("name", nargs="?", choices=names, help="one benchmark (default: all)")
    parser.add_argument("--size", type=int, help="data size (default: each benchmark's own)")
    parser.add_argument("--repeat", type=int, default=21, help="timed runs of each path (median taken)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs of each path first")
    parser.add_argument("--fresh", action="store_true", help="drop and re-create the benchmark database first")
    args = parser.parse_args(argv)

    database = harness.setup_django(fresh=args.fresh)
    from django.db import transaction

    failed = []
    for name in [args.name] if args.name else names:
        module = importlib.import_module(f"bench.{name}")
        size = args.size or module.DEFAULT_SIZE
        print(f"{name}: size {size}, median of {args.repeat} runs after {args.warmup} warm-up, database {database}")
        # The data lives only inside this transaction: every run starts from the migrated,
        # empty database, and an interrupted run leaves nothing behind.
        if getattr(module, "COMMITS", False):  # a server in another process must see its data
            results = module.run(size=size, repeat=args.repeat, warmup=args.warmup)
        else:
            with transaction.atomic():
                results = module.run(size=size, repeat=args.repeat, warmup=args.warmup)
                transaction.set_rollback(True)
        for result in results:
            print(result.line())
        path = harness.write_json(name, results, size=size, repeat=args.repeat, warmup=args.warmup)
        print(f"  written to {os.path.relpath(path, harness.BENCH_DIR.parent)}")
        failed += [r.name for r in results if r.judged and not r.passed]
    if failed:
        print(f"FAIL: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
