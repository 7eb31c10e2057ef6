"""Re-registration after an under-scale job, a turnaround or a layoff within the 90 Day Rule (the
2024 procedure, rule 4; decision 0034), besides the short call: the job's end holds the APN to
the end of the next working day (a Friday's end: the Monday; a holiday skipped), the member
re-registers from the portal or the phone, a dispatcher from the console, or the nightly job
rolls them off every book."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from dispatch.models import Dispatch
from dispatch.tests.test_dispatch import end, reg, send
from referral import services as referral_services
from referral.enums import RegistrationStatus, RollOffReason
from referral.models import BookRegistration, ReferralBook
from unioncore.testing import at

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]  # make run's SQLite takes these paths too

D = datetime.date
APN = Decimal("46000.01")


def moved(clock, day, hour=10):
    clock.move_to(timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour))))


@pytest.fixture
def mine(book, register, member_user, clock):
    """The member on the wire book at APN 46000.01 and on the tradeshow book; another member behind."""
    registration = register(book, member=member_user.member, apn="46000.01")
    register(ReferralBook.objects.get(code="TRADE_SEA_1"), member=member_user.member, apn="46000.02")
    register(book, apn="46000.05")
    return registration


def test_a_layoff_within_the_90_day_rule_holds_the_apn_over_christmas_and_the_dispatcher_re_registers(
    client, dispatcher, mine, make_request, clock, system_user
):
    dispatch = send(make_request(expected_days=60), mine, dispatcher)  # starts Tue Dec 8
    end(dispatch, dispatcher, "laid_off", D(2026, 12, 24), clock)  # 13 business days, 17 calendar days
    held = reg(mine)
    assert (held.status, held.re_register_cause, held.re_register_by) == (
        "short_call",
        "ninety_day_rule",
        D(2026, 12, 28),
    )
    assert (held.days_on_calls, held.short_call_restorations) == (17, 0)
    referral_services.daily_book_maintenance(today=D(2026, 12, 28), by=system_user)  # Christmas Friday, weekend
    assert reg(mine).status == RegistrationStatus.SHORT_CALL, "still within the day to re-register"
    moved(clock, D(2026, 12, 28))
    client.force_login(dispatcher)
    response = client.post(
        reverse("admin:referral_bookregistration_changelist"),
        {"action": "re_register", "_selected_action": [mine.pk], "index": 0},
        follow=True,
    )
    assert "1 registration(s) back on the book." in response.content.decode()
    back = reg(mine)
    assert (back.status, back.apn, back.re_register_cause) == (RegistrationStatus.REGISTERED, APN, "")
    assert back.activities.first().reason == "Re-registered: Laid off within the 90 Day Rule"
    referral_services.daily_book_maintenance(today=D(2026, 12, 29), by=system_user)
    assert reg(mine).status == RegistrationStatus.REGISTERED


def test_not_re_registering_by_the_monday_after_christmas_rolls_the_member_off_every_book(
    api_as, member_user, dispatcher, mine, make_request, clock, system_user
):
    dispatch = send(make_request(expected_days=60), mine, dispatcher)
    end(dispatch, dispatcher, "laid_off", D(2026, 12, 24), clock)
    moved(clock, D(2026, 12, 29), 8)
    response = api_as(member_user).post(f"/api/v1/registrations/{mine.pk}/re-register/")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "re_registration_late")
    referral_services.daily_book_maintenance(today=D(2026, 12, 29), by=system_user)
    reasons = set(BookRegistration.objects.filter(member=member_user.member).values_list("status", "roll_off_reason"))
    assert reasons == {(RegistrationStatus.ROLLED_OFF, RollOffReason.LATE_RE_REGISTRATION)}
    assert reg(mine).activities.first().reason == "Did not re-register by the end of the next working day"


def test_a_turnaround_ending_on_a_friday_is_re_registered_from_the_phone_on_monday(
    api_as, member_user, dispatcher, mine, make_request, clock
):
    dispatch = send(make_request(is_turnaround=True, expected_days=4), mine, dispatcher)
    end(dispatch, dispatcher, "completed", D(2026, 12, 11), clock)  # a Friday
    moved(clock, D(2026, 12, 14), 7)  # Monday, before the referral
    mine_now = api_as(member_user).get("/api/v1/me/registrations/").json()["results"]
    wire = next(r for r in mine_now if r["id"] == mine.pk)
    assert (wire["re_register_by"], wire["re_register_cause"]) == ("2026-12-14", "turnaround")
    response = api_as(member_user).post(f"/api/v1/registrations/{mine.pk}/re-register/")
    assert response.status_code == 200, response.content
    assert (response.json()["apn"], response.json()["status"], response.json()["re_register_cause"]) == (
        "46000.01", "registered", "",
    )  # fmt: skip
    back = reg(mine)
    assert (back.short_call_restorations, back.days_on_calls) == (0, 0), "a turnaround is not a short call"


def test_an_under_scale_job_of_any_length_holds_the_apn_and_the_member_re_registers_in_the_portal(
    client, member_user, dispatcher, mine, make_request, clock
):
    dispatch = send(make_request(under_scale_recovery=True, expected_days=40), mine, dispatcher)
    end(dispatch, dispatcher, "laid_off", D(2027, 1, 29), clock)  # 53 days, a Friday
    moved(clock, D(2027, 2, 1), 7)
    client.force_login(member_user)
    page = client.get(reverse("portal:member-home")).content.decode()
    assert "Your job has ended (Under-scale job ended). Re-register by the end of Mon Feb 1" in page
    response = client.post(reverse("portal:member-re-register", args=[mine.pk]), follow=True)
    assert "Re-registered. You are back on the book at your original APN." in response.content.decode()
    back = reg(mine)
    assert (back.status, back.apn, back.days_on_calls) == (RegistrationStatus.REGISTERED, APN, 0)


def test_the_90_days_add_up_over_calls_and_past_them_a_layoff_rolls_the_registration_off(
    dispatcher, mine, make_request, clock
):
    first = send(make_request(expected_days=60), mine, dispatcher)
    end(first, dispatcher, "laid_off", D(2027, 1, 29), clock)  # Dec 8 – Jan 29: 53 days
    moved(clock, D(2027, 2, 1))
    referral_services.registration_re_register(registration_id=mine.pk, by=dispatcher)
    assert reg(mine).days_on_calls == 53
    request = make_request(expected_days=60, taken_at=at(D(2027, 1, 29), 10), start_date=D(2027, 2, 2))  # Friday's call
    second = send(request, reg(mine), dispatcher)
    end(second, dispatcher, "laid_off", D(2027, 3, 12), clock)  # Feb 2 – Mar 12: 39 days, 92 in all
    assert (reg(mine).status, reg(mine).roll_off_reason) == (RegistrationStatus.ROLLED_OFF, RollOffReason.LONG_CALL)


def test_a_quit_from_an_under_scale_job_still_rolls_the_member_off_every_book(
    member_user, dispatcher, mine, make_request, clock
):
    dispatch = send(make_request(under_scale_recovery=True), mine, dispatcher)
    end(dispatch, dispatcher, "quit", D(2026, 12, 9), clock)
    reasons = set(BookRegistration.objects.filter(member=member_user.member).values_list("roll_off_reason", flat=True))
    assert reasons == {RollOffReason.QUIT}


def test_a_dispatcher_ends_a_turnaround_in_the_console_and_the_apn_is_held_to_monday(
    client, dispatcher, mine, make_request, clock
):
    dispatch = send(make_request(is_turnaround=True), mine, dispatcher)
    moved(clock, D(2026, 12, 11), 16)
    client.force_login(dispatcher)
    response = client.post(
        reverse("admin:dispatch_dispatch_changelist"),
        {"action": "end", "_selected_action": [dispatch.pk], "_apply_action": "yes", "end_reason": "laid_off",
         "end_date": "2026-12-11"},
        follow=True,
    )  # fmt: skip
    assert "1 dispatch(es) ended." in response.content.decode()
    assert (reg(mine).re_register_cause, reg(mine).re_register_by) == ("turnaround", D(2026, 12, 14))
    assert Dispatch.objects.get(pk=dispatch.pk).history.first().history_user == dispatcher
