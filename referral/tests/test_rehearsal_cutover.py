"""A cut-over rehearsal of LaborPower's Registration Lists (issue 17: "the rehearsal of a
fixture cut-over rolls nobody off"). Every printed list of the samples (fixtures/laborpower/
samples: every STATUS word, members on several books, repeated APNs) is imported on the
cut-over day, the members found by name as test_laborpower_registration_list does; the
rehearsal of the next business day's run — and that run itself — rolls nobody off. The
counter-test: a re-sign clock started 40 days before the cut-over rolls every member out of
work off, and the page says who and why."""

import datetime
from collections import Counter

import pytest
import time_machine
from django.urls import reverse

from referral import selectors, services
from referral.enums import RollOffReason
from referral.models import BookRegistration, ReferralBook
from referral.tests import test_laborpower_registration_list as samples
from referral.tests.test_rehearsal import planned, state
from unioncore.testing import at

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]  # the rehearsal works on make run's SQLite too

CUT_OVER = samples.CUT_OVER  # Monday 2026-02-02, the day of the hall's LaborPower export
NEXT_RUN = datetime.date(2026, 2, 3)
hall_members = samples.hall_members  # the fixture: a member per person, the lists' files with cards where needed


def cut_over(hall_members, by, *, re_sign_from: datetime.date) -> None:
    """Import every printed list on the cut-over day (its evening), the clock starting on
    `re_sign_from`, as referral/tests/test_laborpower_registration_list.py does."""
    for stem, data in hall_members.items():
        report = samples.import_book(stem, data, by, re_sign_from=re_sign_from)
        assert report.ok, (stem, report.errors[:5])
    assert BookRegistration.objects.active().count() == sum(len(samples.printed(stem)) for stem in hall_members)


def test_a_cut_over_rehearsal_rolls_nobody_off_nor_does_the_run(hall_members, system_user, client, dispatcher):
    cut_over(hall_members, dispatcher, re_sign_from=CUT_OVER)
    # The fixture has what could go wrong: working members, exemptions without an end, short calls.
    statuses = Counter(r.work_status for r in BookRegistration.objects.select_related("member"))
    assert {"UNEMPLOYED", "WORKING", "SHORT CALL", "TRAVELING", "SALTING", "SICK LIST"} <= set(statuses)
    before = state()
    client.force_login(dispatcher)
    with time_machine.travel(at(CUT_OVER, 19), tick=False):
        response = client.get(reverse("admin:referral_referralbook_rehearsal"))
    plan = response.context["plan"]
    assert (plan.day, plan.business_day) == (NEXT_RUN, True), "the next business day's run"
    assert plan.actions == [], [(a.member_name, a.label) for a in plan.actions[:5]]
    assert "0 roll-offs" in response.content.decode()
    assert state() == before, "the rehearsal changed nothing"
    # The real run of that night agrees: nobody rolled off, nothing changed on a registration.
    with time_machine.travel(at(NEXT_RUN, 0), tick=False):
        result = services.daily_book_maintenance(today=NEXT_RUN, by=system_user)
    assert len(result) == ReferralBook.objects.filter(is_active=True).count()
    assert {name: n for counts in result.values() for name, n in counts.items() if n} == {}
    assert [(r["id"], r["status"]) for r in before[0]] == list(
        BookRegistration.objects.order_by("id").values_list("id", "status")
    )
    # Nor would any run of the first re-sign period (30 days).
    for offset in range(2, 31):
        later = selectors.maintenance_plan(day=CUT_OVER + datetime.timedelta(days=offset))
        assert later.roll_offs == [], later.day


def test_a_re_sign_clock_forty_days_back_rolls_the_out_of_work_off(hall_members, system_user, client, dispatcher):
    cut_over(hall_members, dispatcher, re_sign_from=CUT_OVER - datetime.timedelta(days=40))
    out_of_work = set(BookRegistration.objects.out_of_work().values_list("id", flat=True))
    before = state()
    client.force_login(dispatcher)
    with time_machine.travel(at(CUT_OVER, 19), tick=False):
        response = client.get(reverse("admin:referral_referralbook_rehearsal"))
    assert state() == before
    plan = response.context["plan"]
    # Every member out of work (not exempt, not on a job) owes a re-sign due ten days ago.
    assert planned(plan) == {(pk, RollOffReason.RE_SIGN_MISSED) for pk in out_of_work}
    assert {a.due for a in plan.actions} == {CUT_OVER - datetime.timedelta(days=10)}
    page = response.content.decode()
    assert f"{len(out_of_work)} roll-offs" in page
    first = plan.actions[0]
    assert first.member_name in page
    assert first.registration.member.card_number in page
    assert "Dropped due to re-sign" in page
    assert "2026-01-23" in page
    counts = {row["plan"].book.code: row["roll_offs"] for row in response.context["summary"]}
    assert counts["WIRE_SEA_1"] == BookRegistration.objects.out_of_work().filter(book__code="WIRE_SEA_1").count()
    # And the run does exactly that.
    with time_machine.travel(at(NEXT_RUN, 0), tick=False):
        services.daily_book_maintenance(today=NEXT_RUN, by=system_user)
    rolled = BookRegistration.objects.filter(roll_off_reason=RollOffReason.RE_SIGN_MISSED)
    assert set(rolled.values_list("id", flat=True)) == out_of_work
