"""Members told of every referral event (issue 22, item 5; decision 0045): an offer with its
answer-by time, a bid accepted or not, the re-sign window opening and 3 days before the
roll-off, a roll-off with its reason, a check mark, the no-show warning before 3 PM. Each event
is one message to the member, by text (the in-memory backend), by email when they have no
phone; STOP is respected; the quiet hours hold these messages until 07:00."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from dispatch import services, tasks
from dispatch.tests.test_bids import FRIDAY, MONDAY, SUNDAY
from fulfillment.tests.factories import SiteUserFactory, WorkerFactory, on_the_job
from members.tests.factories import MemberFactory
from referral import services as referral_services
from unioncore.models import User
from unioncore.notifications import services as outbox
from unioncore.notifications.enums import Channel, NotificationStatus
from unioncore.notifications.models import Notification
from unioncore.portal.testing import deliver_pending
from unioncore.testing import at
from unioncore.tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sms_outbox")]

PHONE = "+12065550177"


@pytest.fixture
def member():
    """A member with a login, a phone and an email address."""
    return MemberFactory(user=UserFactory(phone=PHONE, email="member@example.org"))


def told(member, kind=None) -> list[Notification]:
    rows = Notification.objects.filter(recipient=member.user).order_by("pk")
    return list(rows.filter(kind=kind) if kind else rows)


def texts(sms_outbox) -> list[str]:
    return [m.body for m in sms_outbox if m.to == PHONE]


def test_an_offer_is_one_text_with_its_answer_by_time_and_link(book, register, make_request, clock, member, sms_outbox):
    registration = register(book, member=member)
    dispatch = services.dispatch_offer(
        job_request_id=make_request().pk, registration_id=registration.pk, by=member.user
    )
    (offer,) = told(member)
    assert (offer.kind, offer.channel, offer.about_id) == ("offer", Channel.SMS, dispatch.pk)
    assert "Pier 91" in offer.body
    assert "starts Tue Dec 8 at 7:00 AM" in offer.body
    assert "Answer by 10:00 AM" in offer.body  # offered at 9:00, an hour to answer
    assert offer.body.endswith(f"/portal/me/dispatches/{dispatch.pk}/")
    deliver_pending()
    assert texts(sms_outbox) == [offer.body]


def test_a_member_without_a_phone_gets_the_offer_by_email(book, register, make_request, clock, dispatcher, sms_outbox):
    member = MemberFactory(user=UserFactory(phone=None, email="no-phone@example.org"))
    registration = register(book, member=member)
    services.dispatch_offer(job_request_id=make_request().pk, registration_id=registration.pk, by=dispatcher)
    deliver_pending()
    assert [(m.subject, m.to) for m in mail.outbox] == [("A job offer", ["no-phone@example.org"])]
    assert sms_outbox == []


def test_a_member_who_never_signed_in_gets_the_offer_and_an_account_to_open_it_with(
    book, register, make_request, clock, dispatcher, sms_outbox
):
    """The hall's members come from LaborPower without logins: the first message makes their
    portal account (no password; they sign in by a link to the phone on their record)."""
    member = MemberFactory(user=None, phone=PHONE, email="")
    registration = register(book, member=member)
    dispatch = services.dispatch_offer(job_request_id=make_request().pk, registration_id=registration.pk, by=dispatcher)
    member.refresh_from_db()
    assert (member.user.phone, member.user.has_usable_password(), member.user.kind) == (PHONE, False, "member")
    assert member.user.history.get().history_user.username == "system"
    (offer,) = told(member)
    assert offer.about_id == dispatch.pk
    deliver_pending()
    assert texts(sms_outbox) == [offer.body]
    # The second message goes to the same account.
    services.dispatch_decline(dispatch_id=dispatch.pk, by=dispatcher)
    assert [n.kind for n in told(member)] == ["offer", "check_mark"]
    assert User.objects.filter(member=member).count() == 1


def test_a_member_with_no_phone_or_email_on_record_is_not_reachable_and_the_offer_still_stands(
    book, register, make_request, clock, dispatcher
):
    registration = register(book, member=MemberFactory(user=None, phone=None, email=""))
    dispatch = services.dispatch_offer(job_request_id=make_request().pk, registration_id=registration.pk, by=dispatcher)
    assert dispatch.status == "pending"
    assert not Notification.objects.exists()
    assert registration.member.__class__.objects.get(pk=registration.member_id).user is None


def test_a_shared_phone_stays_with_its_account_and_the_member_is_told_by_email(
    book, register, make_request, clock, dispatcher, sms_outbox
):
    """Two members on one phone: the phone's account keeps it, the other member is emailed."""
    UserFactory(phone=PHONE)
    member = MemberFactory(user=None, phone=PHONE, email="second@example.org")
    registration = register(book, member=member)
    services.dispatch_offer(job_request_id=make_request().pk, registration_id=registration.pk, by=dispatcher)
    deliver_pending()
    member.refresh_from_db()
    assert member.user.phone is None
    assert [(m.subject, m.to) for m in mail.outbox] == [("A job offer", ["second@example.org"])]
    assert sms_outbox == []


def test_bids_taken_tell_the_winner_their_bid_was_accepted_and_the_other_it_was_not(book, register, make_request):
    winner_member = MemberFactory(user=UserFactory(phone=PHONE))
    loser_member = MemberFactory(user=UserFactory(phone="+12065550178"))
    winner = register(book, member=winner_member, apn="46000.01")
    loser = register(book, member=loser_member, apn="46000.02")
    with time_machine.travel(at(FRIDAY, 10), tick=False):
        request = make_request(taken_at=timezone.now())
    with time_machine.travel(at(SUNDAY, 20), tick=False):
        for registration in (loser, winner):
            services.bid_place(job_request_id=request.pk, member_id=registration.member_id, by=request.taken_by)
    with time_machine.travel(at(MONDAY, 8).replace(minute=30), tick=False):
        services.bids_take(job_request_id=request.pk, by=request.taken_by)
    assert [n.kind for n in told(winner_member)] == ["bid_accepted"]
    assert "Answer by" not in told(winner_member)[0].body
    assert "by 9:30 AM" in told(winner_member)[0].body
    (lost,) = told(loser_member)
    assert lost.kind == "bid_not_accepted"
    assert f"your bid on request {request.pk}" in lost.body
    assert "the referral order reached others first" in lost.body


def test_a_decline_is_one_check_mark_message_with_the_count(book, register, make_request, clock, member, dispatcher):
    registration = register(book, member=member)
    dispatch = services.dispatch_offer(job_request_id=make_request().pk, registration_id=registration.pk, by=dispatcher)
    services.dispatch_decline(dispatch_id=dispatch.pk, by=dispatcher)
    (mark,) = told(member, "check_mark")
    assert "a check mark on Inside Wireperson — Seattle Book 1" in mark.body
    assert "You have 1 of the 2 allowed" in mark.body
    assert [n.kind for n in told(member)] == ["offer", "check_mark"]


def test_the_mark_that_rolls_the_member_off_is_one_roll_off_message(book, register, member, dispatcher):
    registration = register(book, member=member)
    for n in range(3):  # one a day at most
        with time_machine.travel(at(MONDAY + datetime.timedelta(days=n), 11), tick=False):
            referral_services.registration_check_mark(registration_id=registration.pk, by=dispatcher, reason="Passed")
    assert [n.kind for n in told(member)] == ["check_mark", "check_mark", "rolled_off"]
    assert "rolled off Inside Wireperson — Seattle Book 1 (reason: Third check mark: Check mark 3)" in (
        told(member)[-1].body
    )


def test_a_roll_off_by_staff_says_why(book, register, member, dispatcher, clock):
    registration = register(book, member=member)
    referral_services.registration_roll_off(
        registration_id=registration.pk, by=dispatcher, reason="Working out of area"
    )
    (rolled,) = told(member)
    assert rolled.kind == "rolled_off"
    assert "(reason: By staff: Working out of area)" in rolled.body


def test_the_re_sign_window_opening_and_3_days_before_the_roll_off_are_told_once_each(book, register, member):
    with time_machine.travel(at(MONDAY, 9), tick=False):
        registration = register(book, member=member)
    opens, closes = referral_services.re_sign_window(registration)

    def remind(day):
        with time_machine.travel(at(day, 7).replace(minute=30), tick=False):
            return referral_services.re_sign_reminders(today=day)

    assert remind(opens - datetime.timedelta(days=1)) == 0
    assert remind(opens) == 1
    assert remind(opens) == 0, "the task runs twice: nothing more"
    assert remind(closes - datetime.timedelta(days=4)) == 0
    assert remind(closes - datetime.timedelta(days=3)) == 1
    assert [n.kind for n in told(member)] == ["re_sign_open", "re_sign_roll_off_soon"]
    last_day = closes - datetime.timedelta(days=1)
    assert f"by the end of {last_day:%a %b %-d}" in told(member)[0].body
    assert f"rolled off on {closes:%a %b %-d}" in told(member)[1].body


def test_a_member_who_re_signed_is_not_warned_of_a_roll_off(book, register, member):
    with time_machine.travel(at(MONDAY, 9), tick=False):
        registration = register(book, member=member)
    opens, closes = referral_services.re_sign_window(registration)
    with time_machine.travel(at(opens, 10), tick=False):
        referral_services.registration_re_sign(registration_id=registration.pk, by=member.user)
    warn_day = closes - datetime.timedelta(days=3)
    with time_machine.travel(at(warn_day, 7).replace(minute=30), tick=False):
        assert referral_services.re_sign_reminders(today=warn_day) == 0
    assert told(member, "re_sign_roll_off_soon") == []


def test_a_dispatched_member_not_checked_in_by_1_pm_is_warned_once(dispatcher, sms_outbox):
    worker = WorkerFactory(user__phone=PHONE)
    employer = SiteUserFactory().employer
    day = MONDAY + datetime.timedelta(days=1)
    with time_machine.travel(at(day, 6), tick=False):
        dispatch = on_the_job(worker=worker, employer=employer, by=dispatcher, day=day)
    with time_machine.travel(at(day, 13), tick=False):
        assert tasks.warn_no_shows() == 1
        assert tasks.warn_no_shows() == 0, "the task runs twice: nothing more"
        deliver_pending()
    (warning,) = told(worker, "no_show_warning")
    assert warning.about_id == dispatch.pk
    assert f"checked in with {employer} today. Check in by 3 PM" in warning.body
    assert texts(sms_outbox) == [warning.body]


def test_stop_sends_the_member_s_messages_by_email_and_start_by_text_again(
    book, register, make_request, clock, member, dispatcher, sms_outbox
):
    assert outbox.sms_inbound(from_number=PHONE, body=" stop ") == "stopped"
    registration = register(book, member=member)
    dispatch = services.dispatch_offer(job_request_id=make_request().pk, registration_id=registration.pk, by=dispatcher)
    deliver_pending()
    assert sms_outbox == []
    assert [(m.subject, m.to) for m in mail.outbox] == [("A job offer", ["member@example.org"])]
    offer, by_email = told(member, "offer")
    assert (offer.channel, offer.status) == (Channel.SMS, NotificationStatus.CANCELLED), "not texted: STOP"
    assert (by_email.channel, by_email.fallback_of_id) == (Channel.EMAIL, offer.pk)

    outbox.notify_critical(user=member.user, kind="magic_link", body="Your link:", link="http://x.test/l/1/")
    deliver_pending()
    assert len(texts(sms_outbox)) == 1, "a critical message is texted all the same"

    assert outbox.sms_inbound(from_number=PHONE, body="START") == "started"
    services.dispatch_decline(dispatch_id=dispatch.pk, by=dispatcher)
    deliver_pending()
    assert texts(sms_outbox)[-1] == told(member, "check_mark")[0].body


def test_in_the_quiet_hours_a_message_waits_until_7_am(book, register, member, dispatcher, sms_outbox):
    registration = register(book, member=member)
    evening = at(MONDAY, 22)
    with time_machine.travel(evening, tick=False):
        referral_services.registration_check_mark(registration_id=registration.pk, by=dispatcher, reason="Passed")
        (mark,) = told(member)
        assert timezone.localtime(mark.not_before) == at(MONDAY + datetime.timedelta(days=1), 7)
        deliver_pending()
        assert sms_outbox == []
    with time_machine.travel(at(MONDAY + datetime.timedelta(days=1), 6).replace(minute=59), tick=False):
        assert outbox.requeue_stale() == 0
        deliver_pending()
        assert sms_outbox == []
    with time_machine.travel(at(MONDAY + datetime.timedelta(days=1), 7), tick=False):
        assert outbox.requeue_stale() == 1
        deliver_pending()
    assert texts(sms_outbox) == [mark.body]
