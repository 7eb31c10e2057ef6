"""The time-log list's fast path (decision 0063): an unfiltered page is read through a query
compiled once per kind of viewer (unioncore.sql.Compiled) and written by TimeLogOutput's own
`to_representation`. What a phone receives is byte for byte what DRF's generic serializer
writes of the same time logs, and each caller sees only their own, on both databases."""

import datetime
from decimal import Decimal

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.serializers import Serializer

from fulfillment.api import TimeLogOutput, visible_timelogs
from fulfillment.rules import actor_of
from fulfillment.tests.factories import TimeLogFactory
from members.tests.factories import MemberFactory
from unioncore.models import UserKind
from unioncore.testing import LA
from unioncore.tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def la(*parts, fold=0) -> datetime.datetime:
    return datetime.datetime(*parts, tzinfo=LA, fold=fold)


@pytest.fixture
def every_shape(shift):
    """The worker's time logs in every status and shape the list shows: open (nulls), waiting,
    under review (the supervisor's version, notes), verified (an amount, the final version),
    disputed, a manual entry, one the supervisor ended (and the worker rejected); instants in summer and winter time,
    in the hour the clocks repeat, at midnight UTC, with and without microseconds."""
    dispatch, worker, supervisor = shift.dispatch, shift.worker, shift.supervisor
    day = {"dispatch": dispatch, "worker": worker}
    summer_in, summer_out = la(2026, 7, 3, 6, 59, 59, 123456), la(2026, 7, 3, 15, 30)
    repeated_in = la(2026, 11, 1, 1, 30, fold=1)  # 01:30 PST, the second 01:30 of the night
    midnight_utc = datetime.datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
    TimeLogFactory(**day, status="working", clock_in_at=la(2026, 12, 4, 7), clock_out_at=None,
                   worker_clock_in=None, worker_clock_out=None, worker_break_minutes=None,
                   worker_lunch_minutes=None, auto_approval_time=None)  # fmt: skip
    TimeLogFactory(**day, clock_in_at=la(2026, 12, 1, 7), clock_out_at=la(2026, 12, 1, 15, 30, 0, 500))
    TimeLogFactory(**day, status="pending_worker_review", clock_in_at=summer_in, clock_out_at=summer_out,
                   supervisor_clock_in=summer_in, supervisor_clock_out=la(2026, 7, 3, 14), supervisor_break_minutes=15,
                   supervisor_lunch_minutes=30, supervisor_note="Left at 2 — “early”", worker_edited=True,
                   last_editor=supervisor)  # fmt: skip
    TimeLogFactory(**day, status="verified", clock_in_at=la(2026, 11, 1, 1, 30), clock_out_at=repeated_in,
                   worker_clock_in=la(2026, 11, 1, 1, 30), worker_clock_out=repeated_in, worker_lunch_minutes=0,
                   final_clock_in=la(2026, 11, 1, 1, 30), final_clock_out=repeated_in, final_break_minutes=0,
                   final_lunch_minutes=0, billable_minutes=60, amount=Decimal("1234.5"), funds_state="released",
                   verified_at=repeated_in, verified_how="supervisor", verified_by=supervisor,
                   auto_approval_time=None)  # fmt: skip
    TimeLogFactory(**day, status="disputed", clock_in_at=midnight_utc,
                   clock_out_at=midnight_utc + datetime.timedelta(hours=8), funds_state="frozen",
                   worker_comment="I stayed")  # fmt: skip
    TimeLogFactory(**day, status="pending_verification", clock_in_at=la(2026, 10, 5, 6),
                   clock_out_at=la(2026, 10, 5, 9), is_retroactive=True, note="Paper sheet, 'signed'")  # fmt: skip
    TimeLogFactory(**day, status="pending_supervisor_reevaluation", clock_in_at=la(2026, 9, 9, 7),
                   clock_out_at=la(2026, 9, 9, 11), ended_by=supervisor, end_reason="Forgot to clock out",
                   auto_approval_time=None)  # fmt: skip
    # Another member's day at the same employer: the supervisor sees it, the worker does not.
    other = UserFactory(kind=UserKind.MEMBER)
    MemberFactory(user=other)
    TimeLogFactory(dispatch=dispatch, worker=other, clock_in_at=la(2026, 12, 2, 7), amount=Decimal("0.5"),
                   billable_minutes=1)  # fmt: skip
    # And a day at another employer: only staff see it.
    TimeLogFactory(clock_in_at=la(2026, 12, 3, 7))
    return shift


def _generic_page(viewer, low: int, high: int) -> bytes:
    """The rows `low` to `high` of the viewer's list as DRF's generic loop writes them, field by
    field, from each time log (model instances, not the fast path's rows)."""
    logs = list(visible_timelogs(viewer).order_by("-clock_in_at", "-id"))[low:high]
    context = {"actor": actor_of(viewer)}
    return JSONRenderer().render([Serializer.to_representation(TimeLogOutput(context=context), log) for log in logs])


@pytest.mark.parametrize("who", ["worker", "supervisor", "staff"])
def test_every_page_of_the_list_is_byte_for_byte_drfs_generic_serializer_of_the_same_time_logs(
    every_shape, api_as, who
):
    viewer = StaffFactory() if who == "staff" else getattr(every_shape, who)
    client = api_as(viewer)
    expected_count = visible_timelogs(viewer).count()
    assert expected_count == {"worker": 7, "supervisor": 8, "staff": 9}[who]
    statuses = set()
    for number in (1, 2, 3):
        body = client.get("/api/v1/timelogs/", {"page_size": 3, "page": number}).json()
        assert body["count"] == expected_count
        low = (number - 1) * 3
        assert JSONRenderer().render(body["results"]) == _generic_page(viewer, low, low + 3), f"page {number}"
        statuses |= {row["status"] for row in body["results"]}
    if who != "worker":
        assert JSONRenderer().render(client.get("/api/v1/timelogs/").json()["results"]) == _generic_page(viewer, 0, 50)
    assert {"working", "pending_verification", "pending_worker_review", "verified", "disputed"} <= statuses


def test_the_instants_amounts_and_nulls_read_as_the_hall_writes_them(every_shape, api_as):
    rows = api_as(every_shape.worker).get("/api/v1/timelogs/").json()["results"]
    verified = next(row for row in rows if row["status"] == "verified")
    assert verified["amount"] == "1234.50"
    # The same wall-clock time twice in the night the clocks go back: told apart by the offset.
    assert verified["clock_in_at"] == "2026-11-01T01:30:00-07:00"
    assert verified["clock_out_at"] == "2026-11-01T01:30:00-08:00"
    assert verified["final_times"]["billable_minutes"] == 60
    working = next(row for row in rows if row["status"] == "working")
    assert (working["clock_out_at"], working["worker_times"], working["amount"], working["standing_minutes"]) == (
        None, None, None, None,
    )  # fmt: skip
    under_review = next(row for row in rows if row["status"] == "pending_worker_review")
    assert under_review["clock_in_at"] == "2026-07-03T06:59:59.123456-07:00"
    assert under_review["standing_minutes"] == 7 * 60 - 15 - 30  # the supervisor's version stands (7:00 to 14:00)
    disputed = next(row for row in rows if row["status"] == "disputed")
    assert disputed["clock_in_at"] == "2026-11-19T16:00:00-08:00"


def test_the_fast_paths_rows_carry_exactly_the_serializers_fields_in_order(every_shape, api_as):
    rows = api_as(every_shape.supervisor).get("/api/v1/timelogs/").json()["results"]
    assert [list(row) for row in rows] == [list(TimeLogOutput._declared_fields)] * len(rows)


def test_one_compiled_query_per_kind_of_viewer_serves_each_caller_only_their_own(every_shape, api_as):
    """Two members and two supervisors of different employers, one after the other on the same
    connection: each kind's query is compiled once and run with each caller's own ids."""
    other_member = UserFactory(kind=UserKind.MEMBER)
    theirs = TimeLogFactory(worker=other_member, clock_in_at=timezone.now() - datetime.timedelta(days=1))
    callers = [every_shape.worker, other_member, every_shape.supervisor, every_shape.other_employer_supervisor]
    seen = {}
    for caller in callers:
        rows = api_as(caller).get("/api/v1/timelogs/").json()["results"]
        seen[caller.pk] = {row["id"] for row in rows}
        assert seen[caller.pk] == set(visible_timelogs(caller).values_list("id", flat=True))
    assert seen[other_member.pk] == {theirs.pk}
    assert theirs.pk not in seen[every_shape.worker.pk] | seen[every_shape.supervisor.pk]
    assert seen[every_shape.other_employer_supervisor.pk] == set()
    templates = connections[DEFAULT_DB_ALIAS].__dict__["_compiled_templates"]
    kinds = sorted(shape for _, shape, _ in templates)
    assert kinds.count("member") == kinds.count("employer") == 1, kinds


def test_a_filtered_list_takes_the_orm_and_answers_the_same(every_shape, api_as):
    client = api_as(every_shape.supervisor)
    everything = client.get("/api/v1/timelogs/").json()["results"]
    verified = client.get("/api/v1/timelogs/", {"status": "verified"}).json()["results"]
    assert verified == [row for row in everything if row["status"] == "verified"]
