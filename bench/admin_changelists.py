"""Issue #11: every changelist of the staff console runs as many queries for 1,000 rows as for
10 (no N+1: the live counts, the related names and the links come with the page, not a query
per row).

For every ModelAdmin registered in `admin.site`, rows are made with the row makers of the
console's tests (`unioncore/tests/test_admin.py` MAKERS: factories, through the services where
the services are the only writers), 10 at first (`small`), then up to `size`; the changelist
is opened by an admin (in-process, Django's test client) and its queries counted. A model
without a row maker fails. The page shows at most 100 rows, so 1,000 rows give a full page
against a page of 10: a query per row would show as 90 more. Also noted, not judged: the time
of the page at each size (median of `repeat` runs).

Runs inside the harness's rolled-back transaction; the smoke test is
unioncore/tests/test_bench_smoke_admin.py.
"""

import statistics
import time

from django.contrib import admin
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench import harness

NAME = "admin_changelists"
DEFAULT_SIZE = 1_000
SMALL = 10


class QueryCount(harness.Result):
    """Queries of the changelist with `size` rows (measured) against `small` rows (baseline)."""

    def line(self) -> str:
        n = self.notes
        if "error" in n:
            return f"{self.name:<44} {n['error']}  FAIL"
        return (
            f"{self.name:<44} {self.measured_s:.0f} queries for {n['rows_big']:,} rows, {self.baseline_s:.0f} for "
            f"{n['rows_small']}  ratio {self.ratio:.2f}  target <= {self.target_ratio:.1f}"
            f"  (page {n['page_ms_big']:.0f} ms vs {n['page_ms_small']:.0f} ms)  {'PASS' if self.passed else 'FAIL'}"
        )


def registered() -> list:
    return sorted(admin.site._registry, key=lambda m: m._meta.label_lower)


def _admin_client() -> Client:
    from unioncore.tests.factories import StaffFactory

    client = Client(HTTP_HOST="localhost")
    client.force_login(StaffFactory(groups=["admin"]))
    return client


def _page(client: Client, url: str, repeat: int) -> tuple[int, float]:
    """The page's query count (after one warming request) and its median time."""
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    count = len(queries)  # now: the next request empties the query log
    if response.status_code != 200:
        raise harness.BenchmarkError(f"{url}: {response.status_code}")
    runs = []
    for _ in range(max(repeat, 1)):
        start = time.perf_counter()
        client.get(url)
        runs.append(time.perf_counter() - start)
    return count, statistics.median(runs)


def measure(model, makers: dict, client: Client, *, size: int, small: int, repeat: int) -> QueryCount:
    label = model._meta.label_lower
    name = f"{NAME}[{label}]"
    maker = makers.get(label)
    if maker is None:
        return QueryCount(name, [float("inf")], [1.0], 1.0, notes={"error": "no row maker in test_admin.MAKERS"})
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    rows = model._default_manager.count
    maker(max(small - rows(), 0))
    rows_small = rows()
    few, few_s = _page(client, url, repeat)
    maker(max(size - rows(), 0))
    rows_big = rows()
    many, many_s = _page(client, url, repeat)
    notes = {
        "rows_small": rows_small,
        "rows_big": rows_big,
        "page_ms_small": few_s * 1000,
        "page_ms_big": many_s * 1000,
    }
    return QueryCount(name, [many], [few], 1.0, rows=rows_big, notes=notes)


def _candidates(n: int) -> list:
    """Lines of one referral run, ranked after the lines the run gave itself (the tests' maker
    numbers them from 1,000, which the run's own lines reach once 1,000 members are on the book)."""
    from django.db.models import Max

    from dispatch.tests.factories import ReferralCandidateFactory, ReferralRunFactory

    run = ReferralRunFactory()
    first = (run.candidates.aggregate(last=Max("rank"))["last"] or 0) + 1
    return [ReferralCandidateFactory(run=run, rank=first + i) for i in range(n)]


OWN_MAKERS = {"dispatch.referralcandidate": _candidates}


def run(*, size: int = DEFAULT_SIZE, repeat: int = 21, warmup: int = 3, small: int = SMALL, models=None) -> list:
    """`repeat` (at most 5) timed page loads at each size, for the notes; `warmup` is not used
    (each page is warmed once before it is counted). Each model's rows are rolled back after
    its measure (a savepoint), so each changelist is measured on its own rows; a maker or a page
    that fails is that model's FAIL, not the end of the run."""
    from unioncore.tests.test_admin import MAKERS

    makers = {**MAKERS, **OWN_MAKERS}
    client = _admin_client()
    results = []
    for model in models or registered():
        try:
            with transaction.atomic():
                results.append(measure(model, makers, client, size=size, small=small, repeat=min(repeat, 5)))
                transaction.set_rollback(True)
        except Exception as error:  # reported as this model's failure
            name = f"{NAME}[{model._meta.label_lower}]"
            note = {"error": f"{type(error).__name__}: {str(error).splitlines()[0][:150]}"}
            results.append(QueryCount(name, [float("inf")], [1.0], 1.0, notes=note))
    return results
