"""Registrations are held each day until the Inside Wireperson Book 1 referral is complete, then
processed (the 2024 procedure, rule 3; decision 0033): kept with the time received, put on the
book at its APN when a dispatcher marks the referral complete — or at 10:00, by the beat — and
at once on weekends, holidays and after the referral. Re-registration after a short call is
never held. Through the services, the console and the beat task, the clock moved."""

import datetime

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse

from members.tests.factories import MemberFactory
from referral import services, tasks
from referral.enums import RegistrationAction, RegistrationRequestStatus, RegistrationStatus
from referral.models import BookRegistration, MorningReferral, ReferralBook, RegistrationRequest
from unioncore.celery import app
from unioncore.errors import RuleViolation
from unioncore.testing import LA, at

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]  # make run's SQLite takes these paths too

D = datetime.date
FRIDAY, SATURDAY, MONDAY = D(2026, 12, 4), D(2026, 12, 5), D(2026, 12, 7)
CHRISTMAS = D(2026, 12, 25)  # a Friday, and a hall holiday
HELD = RegistrationRequestStatus.HELD


def moment(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=LA)


def receive(member, book, by, **fields):
    return services.registration_receive(member_id=member.pk, book_id=book.pk, by=by, **fields)


def test_a_registration_received_before_the_referral_is_held_then_put_on_at_the_apn_it_was_received(book, dispatcher):
    first, second = MemberFactory(), MemberFactory()
    with time_machine.travel(moment(MONDAY, 8, 5), tick=False):
        held = receive(first, book, dispatcher, reason="Laid off at Boeing (email)")
    with time_machine.travel(moment(MONDAY, 8, 20), tick=False):
        receive(second, book, dispatcher)
    assert isinstance(held, RegistrationRequest)
    assert held.status == HELD
    assert not BookRegistration.objects.exists(), "nothing on the book while the referral runs"
    with time_machine.travel(moment(MONDAY, 9, 10), tick=False):
        record, done = services.morning_referral_complete(by=dispatcher)
        after = receive(MemberFactory(), book, dispatcher)  # complete: on the book at once
    assert (record.day, record.completed_by) == (MONDAY, dispatcher)
    assert [h.status for h in done] == [RegistrationRequestStatus.PROCESSED] * 2
    registration = BookRegistration.objects.get(member=first)
    assert registration.registered_at == moment(MONDAY, 8, 5)
    assert registration.apn == services.apn_of(moment(MONDAY, 8, 5))  # 46363.34, not 9:10's
    assert [r.member for r in BookRegistration.objects.order_by("registration_number")] == [
        first,
        second,
        after.member,
    ]
    activity = registration.activities.get(action=RegistrationAction.REGISTER)
    assert activity.actor == dispatcher
    assert activity.reason == (
        "Laid off at Boeing (email) (Held from 12/07 8:05 AM until the Inside Wireperson Book 1 referral was complete)"
    )
    held.refresh_from_db()
    assert (held.registration, held.processed_by) == (registration, dispatcher)


@pytest.mark.parametrize("day", [SATURDAY, CHRISTMAS], ids=["saturday", "christmas"])
def test_on_a_weekend_or_a_holiday_nothing_is_held(book, dispatcher, day):
    with time_machine.travel(moment(day, 8), tick=False):
        registration = receive(MemberFactory(), book, dispatcher)
    assert isinstance(registration, BookRegistration)
    assert registration.status == RegistrationStatus.REGISTERED


def test_the_referral_cannot_be_complete_before_it_starts_at_8_30(book, dispatcher):
    with time_machine.travel(moment(MONDAY, 8, 15), tick=False):
        receive(MemberFactory(), book, dispatcher)
        with pytest.raises(RuleViolation) as refused:
            services.morning_referral_complete(by=dispatcher)
    assert refused.value.code == "referral_not_started"
    assert not MorningReferral.objects.exists()
    assert RegistrationRequest.objects.get().status == HELD


def test_at_10_the_beat_processes_what_nobody_marked_and_a_second_run_does_nothing(book, dispatcher, system_user):
    with time_machine.travel(moment(MONDAY, 8, 5), tick=False):
        receive(MemberFactory(), book, dispatcher)
    with time_machine.travel(moment(MONDAY, 9, 59), tick=False):
        assert tasks.complete_morning_referral() == 0, "not before 10:00"
    with time_machine.travel(moment(MONDAY, 10), tick=False):
        assert tasks.complete_morning_referral() == 1
        assert tasks.complete_morning_referral() == 0
    assert MorningReferral.objects.get(day=MONDAY).completed_by == system_user
    assert RegistrationRequest.objects.get().processed_by == system_user
    assert BookRegistration.objects.get().apn == services.apn_of(moment(MONDAY, 8, 5))


def test_the_beat_runs_at_10_on_working_days_and_skips_a_holiday(book, dispatcher):
    entry = app.conf.beat_schedule["referral-complete-morning-referral"]
    assert entry["task"] in app.tasks
    assert (entry["schedule"].hour, entry["schedule"].minute, entry["schedule"].day_of_week) == (
        {10},
        {0},
        {1, 2, 3, 4, 5},
    )
    with time_machine.travel(moment(CHRISTMAS, 10), tick=False):
        assert tasks.complete_morning_referral() == 0
    assert not MorningReferral.objects.exists()


def test_a_registration_entered_after_10_with_the_referral_unmarked_comes_after_the_held_ones(book, dispatcher):
    early, late = MemberFactory(), MemberFactory()
    with time_machine.travel(moment(MONDAY, 8, 5), tick=False):
        receive(early, book, dispatcher)
    with time_machine.travel(moment(MONDAY, 10, 30), tick=False):  # the beat did not run
        registration = receive(late, book, dispatcher)
    assert registration.registration_number == 2
    assert BookRegistration.objects.get(member=early).registration_number == 1
    assert MorningReferral.objects.filter(day=MONDAY).exists()


def test_a_registration_the_rules_refuse_is_refused_on_receipt_and_nothing_is_held(book, dispatcher, register):
    on_the_book = register(book, when=at(FRIDAY, 10))
    member = MemberFactory()
    with time_machine.travel(moment(MONDAY, 8, 5), tick=False):
        with pytest.raises(RuleViolation) as refused:
            receive(on_the_book.member, book, dispatcher)
        assert refused.value.code == "already_registered"
        receive(member, book, dispatcher)
        with pytest.raises(RuleViolation) as refused:
            receive(member, book, dispatcher)
        assert refused.value.code == "already_held"
        with pytest.raises(RuleViolation) as refused:
            receive(member, ReferralBook.objects.get(code="TECH_SEA_1"), dispatcher)
        assert refused.value.code == "one_classification"
    assert RegistrationRequest.objects.count() == 1


def test_a_held_registration_the_rules_refuse_when_processed_is_marked_refused_the_others_go_on(book, dispatcher):
    lapsed, fine = MemberFactory(), MemberFactory()
    with time_machine.travel(moment(MONDAY, 8, 5), tick=False):
        receive(lapsed, book, dispatcher)
        receive(fine, book, dispatcher)
    lapsed.status = "suspended"
    lapsed.save()
    with time_machine.travel(moment(MONDAY, 9), tick=False):
        _, done = services.morning_referral_complete(by=dispatcher)
    assert [h.status for h in done] == [RegistrationRequestStatus.REFUSED, RegistrationRequestStatus.PROCESSED]
    assert "suspended" in done[0].refusal
    assert list(BookRegistration.objects.values_list("member", flat=True)) == [fine.pk]


def test_re_registration_after_a_short_call_is_processed_before_the_referral(book, dispatcher, register):
    registration = register(book, when=at(FRIDAY - datetime.timedelta(days=7), 10))
    services.registration_dispatch(registration_id=registration.pk, by=dispatcher, short_call=True)
    services.registration_short_call_ended(
        registration_id=registration.pk, by=dispatcher, counts=False, ended_on=FRIDAY, max_restorations=2
    )
    with time_machine.travel(moment(MONDAY, 7, 45), tick=False):
        back = services.registration_re_register(registration_id=registration.pk, by=dispatcher)
    assert (back.status, back.apn) == (RegistrationStatus.REGISTERED, registration.apn)
    assert not RegistrationRequest.objects.exists()


# --- The console ---


def test_the_console_holds_a_registration_entered_before_the_referral_and_processes_it(client, dispatcher, book):
    member = MemberFactory()
    client.force_login(dispatcher)
    with time_machine.travel(moment(MONDAY, 8, 5), tick=False):
        response = client.post(
            reverse("admin:referral_bookregistration_add"),
            {"member": member.pk, "book": book.pk, "apn": "", "reason": "In person"},
            follow=True,
        )
        assert response.redirect_chain[-1][0] == reverse("admin:referral_registrationrequest_changelist")
        messages = [str(m) for m in get_messages(response.wsgi_request)]
        assert any("held until the Inside Wireperson Book 1 referral is complete" in m for m in messages)
        page = response.content.decode()
        assert "<strong>1</strong> registration(s) held" in page
        assert member.last_name in page
    assert not BookRegistration.objects.exists()
    with time_machine.travel(moment(MONDAY, 9, 5), tick=False):
        response = client.post(reverse("admin:referral_registrationrequest_complete"), follow=True)
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert "1 held registration(s) put on the book, 0 refused" in " ".join(messages)
    assert "was marked complete at 9:05 AM" in response.content.decode()
    assert BookRegistration.objects.get(member=member).apn == services.apn_of(moment(MONDAY, 8, 5))


def test_completing_the_referral_from_the_console_before_8_30_shows_the_rule(client, dispatcher, book):
    client.force_login(dispatcher)
    url = reverse("admin:referral_registrationrequest_complete")
    with time_machine.travel(moment(MONDAY, 8, 10), tick=False):
        assert client.get(url).status_code == 405
        response = client.post(url, follow=True)
    assert "starts at 8:30 AM: it is not complete yet" in " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert not MorningReferral.objects.exists()
