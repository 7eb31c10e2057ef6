"""Check marks a request gives a whole list (the 2024 procedure, rule 9; decision 0033): a
request that falls to a lower tier marks the registrants it passed over on the higher tiers; one
that expires unfilled marks every registrant available on its book. Decision 0032's four
examples, the one-a-day rule, the referral points kept apart, the excused requests, an expiry on
a weekend and on a holiday — through the services, the dispatcher's console and the expiry job."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from dispatch import services, tasks
from dispatch.enums import JobRequestStatus
from dispatch.models import Dispatch, EmployerBar, JobRequest
from dispatch.tests.conftest import MONDAY
from dispatch.tests.factories import JobBidFactory
from members.models import Skill
from members.services import member_skill_grant
from members.tests.factories import MemberFactory
from referral import services as referral_services
from referral.enums import RegistrationAction, RegistrationStatus, RollOffReason
from referral.models import BookRegistration, ReferralBook
from unioncore.testing import at

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]  # make run's SQLite takes these paths too

D = datetime.date
FRIDAY, SATURDAY = D(2026, 12, 11), D(2026, 12, 12)
SIGNED = at(MONDAY - datetime.timedelta(days=3), 10)
CHRISTMAS_EVE, CHRISTMAS = D(2026, 12, 24), D(2026, 12, 25)  # Christmas: a hall holiday


@pytest.fixture
def seattle(register, make_request, dispatcher, officer, clock):
    """Decision 0032's book, Inside Wireperson Seattle: A, B, C on Book 1, D on Book 2; C out on
    a short call (not on the list). All signed on the Friday before (ahead of Monday's referral)."""
    tier_1, tier_2 = ReferralBook.objects.get(code="WIRE_SEA_1"), ReferralBook.objects.get(code="WIRE_SEA_2")
    regs = {
        "A": register(tier_1, apn="46000.01", when=SIGNED),
        "B": register(tier_1, apn="46000.02", when=SIGNED),
        "C": register(tier_1, apn="46000.03", when=SIGNED),
        "D": register(tier_2, apn="45000.01", when=SIGNED),
    }
    short_call = make_request(is_short_call=True, expected_days=2)
    offer = services.dispatch_offer(
        job_request_id=short_call.pk, registration_id=regs["C"].pk, by=officer, override_reason="C's short call"
    )
    services.dispatch_accept(dispatch_id=offer.pk, by=dispatcher)
    assert fresh(regs["C"]).status == RegistrationStatus.SHORT_CALL
    return regs


def fresh(registration):
    return BookRegistration.objects.get(pk=registration.pk)


def marks(regs) -> dict[str, int]:
    return {name: fresh(r).check_marks for name, r in regs.items()}


def mark_reasons(registration) -> list[str]:
    return list(
        registration.activities.filter(action=RegistrationAction.CHECK_MARK)
        .order_by("at", "id")
        .values_list("reason", flat=True)
    )


def offer_and_accept(request, registration, by, **offer):
    dispatch = services.dispatch_offer(job_request_id=request.pk, registration_id=registration.pk, by=by, **offer)
    return services.dispatch_accept(dispatch_id=dispatch.pk, by=by)


# --- A request that falls to a lower tier ---


def test_example_1_nobody_the_calls_reached_or_could_not_take_it_is_marked(seattle, make_request, dispatcher):
    """A lacks the required skill, B declines (B's own mark), C is on a short call, D accepts:
    the request fell to Book 2 and nobody else is marked."""
    splicing = Skill.objects.create(code="cable-splicing", name="Cable splicing")
    for name in ("B", "D"):
        member_skill_grant(member_id=seattle[name].member_id, skill_id=splicing.pk, by=dispatcher)
    request = make_request(special_skill_ids=[splicing.pk])
    run = services.referral_run(job_request_id=request.pk, by=dispatcher)
    offer = services.dispatch_offer(job_request_id=request.pk, registration_id=seattle["B"].pk, by=dispatcher, run=run)
    services.dispatch_decline(dispatch_id=offer.pk, by=dispatcher)
    run = services.referral_run(job_request_id=request.pk, by=dispatcher)
    assert run.candidates.get(outcome="selected").registration_id == seattle["D"].pk
    offer_and_accept(request, seattle["D"], dispatcher, run=run)
    assert marks(seattle) == {"A": 0, "B": 1, "C": 0, "D": 0}
    assert mark_reasons(seattle["B"]) == [f"Request {request.pk}: Member declined"]


def test_example_2_a_dispatch_made_by_hand_from_book_2_marks_book_1_from_the_console(
    client, seattle, make_request, dispatcher, officer
):
    """An officer's emergency call offers D (Book 2) by hand; when the dispatcher accepts it in
    the console, A and B — available on Book 1, not reached — each get a mark naming the request."""
    request = make_request()
    client.force_login(officer)
    response = client.post(
        reverse("admin:dispatch_dispatch_add"),
        {
            "job_request": request.pk,
            "registration": seattle["D"].pk,
            "emergency": "on",
            "override_reason": "Emergency call",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    dispatch = Dispatch.objects.get(job_request=request)
    client.force_login(dispatcher)
    client.post(
        reverse("admin:dispatch_dispatch_changelist"),
        {"action": "accept", "_selected_action": [dispatch.pk], "index": 0},
        follow=True,
    )
    assert marks(seattle) == {"A": 1, "B": 1, "C": 0, "D": 0}
    reason = f"Request {request.pk} ({request.employer}) fell to Book 2: passed over"
    for name in ("A", "B"):
        assert mark_reasons(seattle[name]) == [reason]
        assert seattle[name].activities.get(action=RegistrationAction.CHECK_MARK).actor == dispatcher
        assert fresh(seattle[name]).last_check_mark_on == MONDAY


def test_example_3_a_bid_taken_from_book_2_marks_nobody_who_did_not_bid(seattle, make_request, dispatcher):
    request = make_request()
    JobBidFactory(job_request=request, registration=seattle["D"])
    run = services.bids_take(job_request_id=request.pk, by=dispatcher)
    dispatch = Dispatch.objects.get(referral_run=run)
    assert (dispatch.registration_id, dispatch.bid_id is not None) == (seattle["D"].pk, True)
    services.dispatch_accept(dispatch_id=dispatch.pk, by=dispatcher)
    assert marks(seattle) == {"A": 0, "B": 0, "C": 0, "D": 0}


def test_the_member_accepting_by_phone_does_not_sign_the_marks_it_sets_off(
    seattle, make_request, dispatcher, officer, api_as, system_user
):
    request = make_request()
    offer = services.dispatch_offer(
        job_request_id=request.pk,
        registration_id=seattle["D"].pk,
        by=officer,
        emergency=True,
        override_reason="Emergency call",
    )
    user = seattle["D"].member.user or _login_for(seattle["D"].member)
    response = api_as(user).post(reverse("api:dispatch-accept", args=[offer.pk]))
    assert response.status_code == 200, response.content
    assert marks(seattle)["A"] == 1
    assert seattle["A"].activities.get(action=RegistrationAction.CHECK_MARK).actor == system_user


def _login_for(member):
    from unioncore.models import UserKind
    from unioncore.tests.factories import UserFactory

    member.user = UserFactory(kind=UserKind.MEMBER)
    member.save()
    return member.user


def test_a_request_falling_twice_in_a_day_marks_once_and_the_third_mark_rolls_off(
    seattle, make_request, dispatcher, officer, clock
):
    for day in (MONDAY - datetime.timedelta(days=7), MONDAY - datetime.timedelta(days=6)):
        with time_machine.travel(at(day, 11), tick=False):
            referral_services.registration_check_mark(
                registration_id=seattle["A"].pk, by=dispatcher, reason="Passed a call"
            )
    second_d = MemberFactory()
    second = referral_services.registration_register(
        member_id=second_d.pk, book_id=seattle["D"].book_id, by=dispatcher, apn="45000.02"
    )
    for registration in (seattle["D"], second):
        offer_and_accept(make_request(), registration, officer, emergency=True, override_reason="Emergency call")
    b = fresh(seattle["B"])
    assert (b.check_marks, len(mark_reasons(b))) == (1, 1), "at most one mark a book a day"
    a = fresh(seattle["A"])
    assert (a.check_marks, a.status, a.roll_off_reason) == (3, RegistrationStatus.ROLLED_OFF, RollOffReason.CHECK_MARKS)


def test_an_excused_request_falling_to_book_2_marks_nobody(seattle, make_request, officer):
    early = make_request(report_time=datetime.time(5, 30))  # a start before 6 AM
    offer_and_accept(early, seattle["D"], officer, emergency=True, override_reason="Emergency call")
    assert marks(seattle) == {"A": 0, "B": 0, "C": 0, "D": 0}


def test_the_marks_show_on_the_members_card_in_the_portal_and_the_api(client, api_as, seattle, make_request, officer):
    request = make_request()
    offer_and_accept(request, seattle["D"], officer, emergency=True, override_reason="Emergency call")
    user = _login_for(seattle["A"].member)
    reason = f"Request {request.pk} ({request.employer}) fell to Book 2: passed over"
    client.force_login(user)
    page = client.get(reverse("portal:member-home")).content.decode()
    assert "1 of 2 allowed" in page
    assert f"Latest: {reason}" in page
    (row,) = api_as(user).get(reverse("api:my-registrations")).json()["results"]
    assert (row["check_marks"], row["last_check_mark_reason"]) == (1, reason)


# --- A request that expires unfilled ---


def expire_at(day: datetime.date) -> int:
    """The nightly expiry job (00:45) of `day`."""
    with time_machine.travel(at(day, 0) + datetime.timedelta(minutes=45), tick=False):
        return tasks.expire_job_requests()


def test_example_4_a_request_left_unfilled_on_friday_marks_the_whole_book_on_saturday(
    seattle, make_request, dispatcher, system_user
):
    """Nobody takes a request for 2 starting Friday; the job of Saturday 00:45 expires it and
    every registrant available on the book, Book 2 included, gets one mark, given by `system`."""
    request = make_request(workers_wanted=2, start_date=FRIDAY)
    services.referral_run(job_request_id=request.pk, by=dispatcher)
    assert expire_at(SATURDAY) == 1
    assert JobRequest.objects.get(pk=request.pk).status == JobRequestStatus.EXPIRED
    assert marks(seattle) == {"A": 1, "B": 1, "C": 0, "D": 1}
    for name in ("A", "B", "D"):
        activity = seattle[name].activities.get(action=RegistrationAction.CHECK_MARK)
        assert activity.reason == f"Request {request.pk} ({request.employer}) went unfilled (to start 12/11/2026)"
        assert activity.actor == system_user
        assert fresh(seattle[name]).last_check_mark_on == SATURDAY
    assert expire_at(SATURDAY) == 0, "a second run finds nothing"
    assert marks(seattle) == {"A": 1, "B": 1, "C": 0, "D": 1}


def test_two_requests_unfilled_the_same_night_give_one_mark(seattle, make_request):
    make_request(start_date=FRIDAY)
    make_request(start_date=FRIDAY)
    assert expire_at(SATURDAY) == 2
    assert marks(seattle) == {"A": 1, "B": 1, "C": 0, "D": 1}


def test_an_unfilled_request_expiring_on_a_holiday_marks_that_day(seattle, make_request):
    make_request(start_date=CHRISTMAS_EVE)
    assert expire_at(CHRISTMAS) == 1
    assert fresh(seattle["A"]).last_check_mark_on == CHRISTMAS


def test_excused_or_cancelled_requests_give_no_unfilled_marks(seattle, make_request, dispatcher):
    make_request(start_date=FRIDAY, is_short_call=True, expected_days=2)  # excused: a short call
    make_request(start_date=FRIDAY, report_time=datetime.time(5, 0))  # excused: before 6 AM
    cancelled = make_request(start_date=FRIDAY)
    services.job_request_cancel(job_request_id=cancelled.pk, by=dispatcher, reason="Job postponed")
    assert expire_at(SATURDAY) == 2
    assert marks(seattle) == {"A": 0, "B": 0, "C": 0, "D": 0}


def test_a_bremerton_request_marks_nobody_on_the_seattle_books(seattle, register, make_request):
    bremerton = register(ReferralBook.objects.get(code="WIRE_BRE_1"), apn="46000.09", when=SIGNED)
    make_request(region="bremerton", start_date=FRIDAY)
    assert expire_at(SATURDAY) == 1
    assert fresh(bremerton).check_marks == 1
    assert marks(seattle) == {"A": 0, "B": 0, "C": 0, "D": 0}


def test_who_could_not_have_taken_the_unfilled_request_is_not_marked(
    seattle, register, make_request, employer, dispatcher, clock
):
    """Barred by this employer, offered it already (a decline is its own mark), or signed onto
    the book after the request was referred: no mark for the request going unfilled."""
    EmployerBar.objects.create(employer=employer, member=seattle["A"].member, reason="Safety")
    request = make_request(start_date=FRIDAY)
    services.referral_run(job_request_id=request.pk, by=dispatcher)
    offer = services.dispatch_offer(job_request_id=request.pk, registration_id=seattle["B"].pk, by=dispatcher)
    services.dispatch_decline(dispatch_id=offer.pk, by=dispatcher)
    clock.move_to(at(MONDAY, 11))
    late = register(seattle["A"].book)
    assert expire_at(SATURDAY) == 1
    assert marks(seattle) == {"A": 0, "B": 1, "C": 0, "D": 1}
    assert fresh(late).check_marks == 0
