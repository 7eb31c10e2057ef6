import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from dispatch import services
from dispatch.enums import DeclineKind, DispatchStatus, JobRequestStatus
from dispatch.models import Dispatch, EmployerBar, JobRequest, ReferralCandidate, ReferralSuspension
from dispatch.tests.factories import day_after_referral
from members.tests.factories import MemberFactory
from referral import calendar
from referral import services as referral_services
from referral.enums import RegistrationStatus, RollOffReason
from referral.models import BookRegistration, ReferralBook
from unioncore.errors import RuleViolation

pytestmark = pytest.mark.django_db

D = datetime.date
MON, TUE, WED, THU, FRI = (D(2026, 12, d) for d in (7, 8, 9, 10, 11))


def reg(registration):
    return BookRegistration.objects.get(pk=registration.pk)


def send(request, registration, by):
    """Offer and accept: the member is on the job."""
    dispatch = services.dispatch_offer(job_request_id=request.pk, registration_id=registration.pk, by=by)
    return services.dispatch_accept(dispatch_id=dispatch.pk, by=by)


def test_a_referral_run_records_the_ranked_list_and_each_skip(
    book, register, make_request, employer, dispatcher, clock
):
    barred = register(book, apn="46000.01")
    EmployerBar.objects.create(employer=employer, member=barred.member, reason="safety violation")
    first = register(book, apn="46000.02")
    second = register(book, apn="46000.03")
    register(book, apn="46000.04")  # not reached: two workers are found before
    request = make_request(workers_wanted=2)
    run = services.referral_run(job_request_id=request.pk, by=dispatcher)
    rows = list(run.candidates.order_by("rank").values_list("member_id", "apn", "tier", "outcome", "skip_reason"))
    assert rows == [
        (barred.member_id, Decimal("46000.01"), 1, "skipped", "barred_by_employer"),
        (first.member_id, Decimal("46000.02"), 1, "selected", ""),
        (second.member_id, Decimal("46000.03"), 1, "selected", ""),
    ]


def test_accepting_fills_the_request_and_takes_the_member_off_the_book(book, register, make_request, dispatcher, clock):
    registration = register(book)
    request = make_request()
    dispatch = send(request, registration, dispatcher)
    assert dispatch.status == DispatchStatus.ACCEPTED
    assert JobRequest.objects.get(pk=request.pk).status == JobRequestStatus.FILLED
    assert reg(registration).status == RegistrationStatus.DISPATCHED


def test_an_offer_past_the_request_count_is_refused(book, register, make_request, dispatcher, clock):
    request = make_request(workers_wanted=1)
    services.dispatch_offer(job_request_id=request.pk, registration_id=register(book).pk, by=dispatcher)
    with pytest.raises(RuleViolation) as refused:
        services.dispatch_offer(job_request_id=request.pk, registration_id=register(book).pk, by=dispatcher)
    assert refused.value.code == "request_full"
    assert Dispatch.objects.count() == 1


def test_dispatching_an_ineligible_member_is_refused_naming_the_rule(book, register, make_request, dispatcher, clock):
    registration = register(book)
    registration.member.status = "suspended"
    registration.member.save()
    with pytest.raises(RuleViolation) as refused:
        services.dispatch_offer(job_request_id=make_request().pk, registration_id=registration.pk, by=dispatcher)
    assert refused.value.code == "not_eligible"
    assert "Member not in good standing" in refused.value.message
    assert not Dispatch.objects.exists()


def test_a_decline_gives_a_check_mark(book, register, make_request, dispatcher, clock):
    registration = register(book)
    dispatch = services.dispatch_offer(job_request_id=make_request().pk, registration_id=registration.pk, by=dispatcher)
    services.dispatch_decline(dispatch_id=dispatch.pk, by=dispatcher, kind=DeclineKind.NO_ANSWER)
    assert reg(registration).check_marks == 1
    assert reg(registration).status == RegistrationStatus.REGISTERED


def test_an_employer_rejection_keeps_the_place_without_a_check_mark(book, register, make_request, dispatcher, clock):
    registration = register(book)
    dispatch = services.dispatch_offer(job_request_id=make_request().pk, registration_id=registration.pk, by=dispatcher)
    services.dispatch_decline(dispatch_id=dispatch.pk, by=dispatcher, kind=DeclineKind.EMPLOYER_REJECTION)
    registration = reg(registration)
    assert (registration.check_marks, registration.status) == (0, RegistrationStatus.REGISTERED)


def test_a_decline_for_an_excused_reason_gives_no_check_mark(book, register, make_request, dispatcher, clock):
    registration = register(book)
    dispatch = services.dispatch_offer(job_request_id=make_request().pk, registration_id=registration.pk, by=dispatcher)
    services.dispatch_decline(dispatch_id=dispatch.pk, by=dispatcher, no_check_mark_reason="early_start")
    assert reg(registration).check_marks == 0


def end(dispatch, by, reason, day, clock):
    clock.move_to(timezone.make_aware(datetime.datetime.combine(day, datetime.time(16, 0))))
    return services.dispatch_end(dispatch_id=dispatch.pk, by=by, end_reason=reason, end_date=day)


def test_a_short_call_returns_the_member_to_the_original_apn_on_re_registration(
    book, register, make_request, dispatcher, clock
):
    registration = register(book, apn="46000.01")
    register(book, apn="46000.05")
    dispatch = send(make_request(is_short_call=True, expected_days=2), registration, dispatcher)
    end(dispatch, dispatcher, "completed", WED, clock)
    held = reg(registration)
    assert (held.status, held.re_register_by) == (RegistrationStatus.SHORT_CALL, THU)
    clock.move_to(timezone.make_aware(datetime.datetime(2026, 12, 10, 16)))
    back = referral_services.registration_return_to_book(registration_id=registration.pk, by=dispatcher)
    assert (back.status, back.apn, back.short_call_restorations) == (
        RegistrationStatus.REGISTERED,
        Decimal("46000.01"),
        0,
    )


def test_late_re_registration_after_a_short_call_rolls_the_member_off_all_books(
    book, register, make_request, dispatcher, system_user, clock
):
    member = MemberFactory()
    registration = register(book, member=member)
    tech = register(ReferralBook.objects.get(code="TRADE_SEA_1"), member=member)
    dispatch = send(make_request(is_short_call=True, expected_days=2), registration, dispatcher)
    end(dispatch, dispatcher, "completed", WED, clock)
    clock.move_to(timezone.make_aware(datetime.datetime(2026, 12, 11, 9)))
    with pytest.raises(RuleViolation) as late:
        referral_services.registration_return_to_book(registration_id=registration.pk, by=dispatcher)
    assert late.value.code == "re_registration_late"
    referral_services.daily_book_maintenance(today=FRI, by=system_user)
    assert {reg(registration).roll_off_reason, reg(tech).roll_off_reason} == {RollOffReason.LATE_RE_REGISTRATION}


def test_two_restorations_at_most_and_calls_of_three_days_or_less_do_not_count(
    book, register, make_request, dispatcher, clock
):
    registration = register(book, apn="46000.01")

    def short_call(days_worked):
        cal = calendar.calendar_around(timezone.localdate())
        start = day_after_referral()
        request = make_request(is_short_call=True, expected_days=days_worked, taken_at=timezone.now(), start_date=start)
        dispatch = send(request, reg(registration), dispatcher)
        last_day = cal.add_business_days(start, days_worked - 1)
        end(dispatch, dispatcher, "completed", last_day, clock)
        if reg(registration).status == RegistrationStatus.SHORT_CALL:
            referral_services.registration_return_to_book(registration_id=registration.pk, by=dispatcher)

    short_call(2)  # Wed–Thu: two days, not counted
    assert reg(registration).short_call_restorations == 0
    short_call(5)
    short_call(4)
    assert reg(registration).short_call_restorations == 2
    assert reg(registration).apn == Decimal("46000.01")
    short_call(2)  # still free: three days or less
    assert reg(registration).status == RegistrationStatus.REGISTERED
    short_call(5)  # a third counted restoration: not granted
    assert reg(registration).roll_off_reason == RollOffReason.RESTORATIONS_USED


def test_a_layoff_within_the_short_call_period_of_a_long_call_also_restores(
    book, register, make_request, dispatcher, clock
):
    registration = register(book, apn="46000.01")
    dispatch = send(make_request(expected_days=60), registration, dispatcher)
    end(dispatch, dispatcher, "laid_off", D(2026, 12, 16), clock)  # 7 business days in
    assert reg(registration).status == RegistrationStatus.SHORT_CALL
    assert reg(registration).short_call_restorations == 1


def test_a_layoff_past_the_90_day_rule_is_no_penalty_but_ends_the_registration(
    book, register, make_request, dispatcher, clock
):
    registration = register(book)
    dispatch = send(make_request(expected_days=100), registration, dispatcher)
    end(dispatch, dispatcher, "laid_off", D(2027, 3, 12), clock)  # Dec 8 – Mar 12: 95 days (decision 0034)
    assert reg(registration).roll_off_reason == RollOffReason.LONG_CALL
    assert not ReferralSuspension.objects.exists()
    again = referral_services.registration_register(member_id=registration.member_id, book_id=book.pk, by=dispatcher)
    assert again.status == RegistrationStatus.REGISTERED


def test_a_quit_rolls_off_every_book(book, register, make_request, dispatcher, clock):
    member = MemberFactory()
    registration = register(book, member=member)
    other = register(ReferralBook.objects.get(code="WIRE_BRE_1"), member=member)
    dispatch = send(make_request(), registration, dispatcher)
    end(dispatch, dispatcher, "quit", WED, clock)
    assert Dispatch.objects.get(pk=dispatch.pk).status == DispatchStatus.TERMINATED
    assert {reg(registration).roll_off_reason, reg(other).roll_off_reason} == {RollOffReason.QUIT}
    assert not ReferralSuspension.objects.exists()


def discharged_twice(member, book, make_request, dispatcher, clock):
    """Two discharges for cause within 12 months; returns the member's next registration."""
    for day in (D(2026, 12, 9), D(2027, 3, 10)):
        registration = referral_services.registration_register(member_id=member.pk, book_id=book.pk, by=dispatcher)
        request = make_request(taken_at=timezone.now(), start_date=day_after_referral())
        end(send(request, registration, dispatcher), dispatcher, "discharged", day, clock)
    return referral_services.registration_register(member_id=member.pk, book_id=book.pk, by=dispatcher)


def test_a_second_discharge_suspends_referral_where_the_hall_turned_the_setting_on(
    book, register, make_request, dispatcher, clock, settings
):
    settings.SECOND_DISCHARGE_SUSPENSION = True
    member = MemberFactory()
    back = discharged_twice(member, book, make_request, dispatcher, clock)
    suspension = ReferralSuspension.objects.get(member=member)
    assert (suspension.kind, suspension.ends_at) == ("referral", None)
    request = make_request(taken_at=timezone.now(), start_date=day_after_referral())
    with pytest.raises(RuleViolation, match="Referral suspended"):
        services.dispatch_offer(job_request_id=request.pk, registration_id=back.pk, by=dispatcher)


def test_by_default_a_second_discharge_is_treated_as_a_quit_and_suspends_nothing(
    book, register, make_request, dispatcher, clock
):
    """The 2024 procedure treats quit and discharge alike (rule 10; decision 0034): off every
    book each time, and referred again once registered."""
    member = MemberFactory()
    back = discharged_twice(member, book, make_request, dispatcher, clock)
    assert not ReferralSuspension.objects.filter(member=member).exists()
    earlier = BookRegistration.objects.filter(member=member).exclude(pk=back.pk)
    assert set(earlier.values_list("roll_off_reason", flat=True)) == {RollOffReason.DISCHARGE}
    request = make_request(taken_at=timezone.now(), start_date=day_after_referral())
    offer = services.dispatch_offer(job_request_id=request.pk, registration_id=back.pk, by=dispatcher)
    assert offer.status == DispatchStatus.PENDING


@pytest.mark.postgresql_only(reason="the append-only triggers are PostgreSQL's")
def test_candidates_of_a_run_cannot_be_rewritten(book, register, make_request, dispatcher, clock):
    from django.db import DatabaseError, transaction

    register(book)
    services.referral_run(job_request_id=make_request().pk, by=dispatcher)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        ReferralCandidate.objects.update(skip_reason="barred_by_employer")


def test_a_cancelled_request_lets_its_offers_lapse_without_a_check_mark(
    book, register, make_request, dispatcher, clock
):
    registration = register(book)
    request = make_request()
    services.dispatch_offer(job_request_id=request.pk, registration_id=registration.pk, by=dispatcher)
    with pytest.raises(RuleViolation):
        services.job_request_cancel(job_request_id=request.pk, by=dispatcher, reason="")
    services.job_request_cancel(job_request_id=request.pk, by=dispatcher, reason="job postponed")
    assert JobRequest.objects.get(pk=request.pk).status == JobRequestStatus.CANCELLED
    assert Dispatch.objects.get().status == DispatchStatus.DECLINED
    assert reg(registration).check_marks == 0


def test_open_requests_past_their_start_date_expire_once(make_request, dispatcher, system_user, clock):
    request = make_request()
    assert services.job_requests_expire(today=request.start_date, by=system_user) == 0
    later = request.start_date + datetime.timedelta(days=1)
    assert services.job_requests_expire(today=later, by=system_user) == 1
    assert services.job_requests_expire(today=later, by=system_user) == 0
    assert JobRequest.objects.get(pk=request.pk).status == JobRequestStatus.EXPIRED


@pytest.mark.sqlite
def test_a_school_district_request_is_referred_at_9_from_the_school_district_book(
    book, register, make_request, dispatcher, clock
):
    """The 2024 procedure, rule 1: the Seattle School District book is referred at 9:00 with
    Tradeshow (decision 0034; its LaborPower name awaits the hall's confirmation)."""
    school = ReferralBook.objects.get(code="SCHOOL_SEA_1")
    assert (school.classification, school.region, school.book_number, school.laborpower_name) == (
        "school_district", "seattle", 1, "SCHOOL DIST SEATTLE",
    )  # fmt: skip
    register(book, apn="46000.01")  # a wireperson ahead by APN: another book
    on_school_book = register(school, apn="46000.02")
    request = make_request(book_classification="school_district")  # taken Friday 10:00
    assert timezone.localtime(request.refer_at) == timezone.make_aware(datetime.datetime(2026, 12, 7, 9, 0))
    run = services.referral_run(job_request_id=request.pk, by=dispatcher)
    assert list(run.candidates.values_list("registration_id", "outcome")) == [(on_school_book.pk, "selected")]
