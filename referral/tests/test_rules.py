import datetime

import pytest
import time_machine

from members.tests.factories import MemberFactory
from referral import services
from referral.enums import RegistrationAction, RegistrationStatus, RollOffReason
from referral.models import BookRegistration, Holiday, MaintenanceRun, ReferralBook, RegistrationActivity
from referral.tasks import daily_book_maintenance
from unioncore.errors import RuleViolation
from unioncore.testing import at

pytestmark = pytest.mark.django_db

D = datetime.date
# Registered Monday Oct 26 2026: re-sign due Wednesday Nov 25, the eve of Thanksgiving (Thursday)
# and the day after (Friday), both holidays; then a weekend. The roll-off falls on Monday Nov 30.
SIGNED_UP = D(2026, 10, 26)
DUE = D(2026, 11, 25)


def maintain(day, system_user):
    with time_machine.travel(at(day, 0), tick=False):
        return services.daily_book_maintenance(today=day, by=system_user)


def status(registration):
    return BookRegistration.objects.get(pk=registration.pk).status


@pytest.fixture
def signed_up(book, register):
    with time_machine.travel(at(SIGNED_UP), tick=False):  # its history carries that day, not today's
        return register(book, when=at(SIGNED_UP))


def test_re_sign_is_due_thirty_days_after_registration(signed_up):
    assert signed_up.re_sign_due == DUE


def test_a_missed_re_sign_rolls_off_at_the_start_of_the_next_business_day(signed_up, system_user):
    assert Holiday.objects.filter(date__in=[D(2026, 11, 26), D(2026, 11, 27)]).count() == 2
    for day in (D(2026, 11, 25), D(2026, 11, 26), D(2026, 11, 27), D(2026, 11, 28), D(2026, 11, 29)):
        maintain(day, system_user)
        assert status(signed_up) == RegistrationStatus.REGISTERED, day
    assert maintain(D(2026, 11, 30), system_user)["WIRE_SEA_1"]["re_sign_roll_offs"] == 1
    rolled = BookRegistration.objects.get(pk=signed_up.pk)
    assert (rolled.status, rolled.roll_off_reason) == (RegistrationStatus.ROLLED_OFF, RollOffReason.RE_SIGN_MISSED)
    activity = rolled.activities.get(action=RegistrationAction.ROLL_OFF)
    assert activity.actor == system_user
    assert activity.reason == "Dropped due to re-sign"


def test_a_re_sign_within_the_grace_days_is_still_accepted(signed_up, dispatcher):
    with time_machine.travel(at(D(2026, 11, 29)), tick=False):  # Sunday after the due date
        registration = services.registration_re_sign(registration_id=signed_up.pk, by=dispatcher)
    assert registration.re_sign_due == D(2026, 12, 29)


@pytest.mark.parametrize("day", [D(2026, 11, 17), D(2026, 11, 30)])
def test_a_re_sign_outside_the_window_is_refused_and_changes_nothing(signed_up, dispatcher, day):
    with time_machine.travel(at(day), tick=False), pytest.raises(RuleViolation) as refused:
        services.registration_re_sign(registration_id=signed_up.pk, by=dispatcher)
    assert refused.value.code == "outside_re_sign_window"
    assert "Nov 18" in refused.value.message
    assert BookRegistration.objects.get(pk=signed_up.pk).re_sign_due == DUE


def test_a_re_sign_inside_the_window_moves_the_due_date(signed_up, dispatcher):
    with time_machine.travel(at(D(2026, 11, 18)), tick=False):
        registration = services.registration_re_sign(registration_id=signed_up.pk, by=dispatcher)
    assert registration.re_sign_due == D(2026, 12, 18)


def test_the_third_check_mark_rolls_the_member_off_the_book(book, register, dispatcher):
    registration = register(book)
    for n, day in enumerate((D(2026, 12, 1), D(2026, 12, 2), D(2026, 12, 3)), start=1):
        with time_machine.travel(at(day), tick=False):
            services.registration_check_mark(registration_id=registration.pk, by=dispatcher, reason=f"call {n}")
        expected = RegistrationStatus.REGISTERED if n < 3 else RegistrationStatus.ROLLED_OFF
        assert status(registration) == expected, f"after check mark {n}"
    assert BookRegistration.objects.get(pk=registration.pk).roll_off_reason == RollOffReason.CHECK_MARKS


def test_a_second_check_mark_the_same_day_adds_nothing(book, register, dispatcher):
    registration = register(book)
    with time_machine.travel(at(D(2026, 12, 1)), tick=False):
        services.registration_check_mark(registration_id=registration.pk, by=dispatcher, reason="9:00 call")
        services.registration_check_mark(registration_id=registration.pk, by=dispatcher, reason="11:00 call")
    registration.refresh_from_db()
    assert registration.check_marks == 1
    assert registration.activities.filter(action=RegistrationAction.CHECK_MARK).count() == 1


def test_check_marks_in_seattle_do_not_touch_bremerton(book, register, dispatcher):
    member = MemberFactory()
    seattle = register(book, member=member)
    bremerton = register(ReferralBook.objects.get(code="WIRE_BRE_1"), member=member)
    for day in (D(2026, 12, 1), D(2026, 12, 2), D(2026, 12, 3)):
        with time_machine.travel(at(day), tick=False):
            services.registration_check_mark(registration_id=seattle.pk, by=dispatcher, reason="passed")
    assert status(seattle) == RegistrationStatus.ROLLED_OFF
    bremerton.refresh_from_db()
    assert (bremerton.status, bremerton.check_marks) == (RegistrationStatus.REGISTERED, 0)


def test_a_check_mark_needs_a_reason_and_an_exempt_member_gets_none(book, register, dispatcher):
    registration = register(book, member=MemberFactory(is_exempt=True, exempt_reason="military"))
    with pytest.raises(RuleViolation) as no_reason:
        services.registration_check_mark(registration_id=registration.pk, by=dispatcher, reason=" ")
    with pytest.raises(RuleViolation) as exempt:
        services.registration_check_mark(registration_id=registration.pk, by=dispatcher, reason="passed")
    assert (no_reason.value.code, exempt.value.code) == ("reason_required", "exempt")
    assert BookRegistration.objects.get(pk=registration.pk).check_marks == 0


def test_restoring_a_check_mark_needs_a_reason(book, register, dispatcher):
    registration = register(book)
    services.registration_check_mark(registration_id=registration.pk, by=dispatcher, reason="passed")
    with pytest.raises(RuleViolation):
        services.registration_check_mark_restore(registration_id=registration.pk, by=dispatcher, reason="")
    services.registration_check_mark_restore(registration_id=registration.pk, by=dispatcher, reason="wrong number")
    assert BookRegistration.objects.get(pk=registration.pk).check_marks == 0


def test_a_pass_for_an_excused_reason_costs_no_check_mark(book, register, dispatcher):
    registration = register(book)
    services.registration_pass_without_check_mark(
        registration_id=registration.pk, by=dispatcher, no_check_mark_reason="early_start"
    )
    registration.refresh_from_db()
    assert registration.check_marks == 0
    assert registration.activities.filter(no_check_mark_reason="early_start").exists()


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"exempt_reason": "", "exempt_until": D(2027, 1, 31)}, "exempt_reason_required"),
        ({"exempt_reason": "traveling", "exempt_until": None}, "exempt_until_required"),
        ({"exempt_reason": "under_scale", "exempt_until": D(2027, 12, 31)}, "exempt_too_long"),
    ],
)
def test_a_bad_exemption_is_refused_and_nothing_is_written(signed_up, dispatcher, fields, code):
    with time_machine.travel(at(D(2026, 11, 2)), tick=False), pytest.raises(RuleViolation) as refused:
        services.registration_exempt_on(registration_id=signed_up.pk, by=dispatcher, **fields)
    assert refused.value.code == code
    assert BookRegistration.objects.get(pk=signed_up.pk).is_exempt is None


@pytest.mark.parametrize("reason", ["military", "union_business", "salting", "medical", "jury_duty"])
def test_an_exemption_without_a_fixed_limit_may_be_open_ended_or_longer_than_six_months(
    signed_up, dispatcher, system_user, reason
):
    with time_machine.travel(at(D(2026, 11, 2)), tick=False):
        services.registration_exempt_on(registration_id=signed_up.pk, by=dispatcher, exempt_reason=reason,
                                        exempt_until=None)  # fmt: skip
    maintain(D(2027, 11, 30), system_user)  # a year on: still exempt, never rolled off, no review flag
    registration = BookRegistration.objects.get(pk=signed_up.pk)
    assert (registration.status, registration.exempt, registration.exempt_until) == ("registered", True, None)
    assert registration.exemption_needs_review is False


def test_an_exempt_member_is_not_rolled_off_and_the_exemption_ends_after_six_months(signed_up, dispatcher, system_user):
    with time_machine.travel(at(D(2026, 11, 2)), tick=False):
        services.registration_exempt_on(
            registration_id=signed_up.pk, by=dispatcher, exempt_reason="medical", exempt_until=D(2027, 5, 3)
        )
    for day in (D(2026, 11, 30), D(2027, 1, 4), D(2027, 5, 3)):
        maintain(day, system_user)
        assert status(signed_up) == RegistrationStatus.REGISTERED, day
    maintain(D(2027, 5, 4), system_user)
    registration = BookRegistration.objects.get(pk=signed_up.pk)
    assert (registration.status, registration.exempt) == (RegistrationStatus.REGISTERED, False)
    assert registration.re_sign_due == D(2027, 6, 3), "a full period to re-sign after the exemption"
    assert registration.activities.filter(action=RegistrationAction.EXEMPT_OFF, actor=system_user).exists()


def test_a_member_exempt_on_all_books_is_not_rolled_off(book, register, system_user):
    registration = register(book, member=MemberFactory(is_exempt=True, exempt_reason="union_business"),
                            when=at(SIGNED_UP))  # fmt: skip
    maintain(D(2026, 11, 30), system_user)
    assert status(registration) == RegistrationStatus.REGISTERED


def test_only_an_officer_extends_an_exemption_past_six_months(signed_up, dispatcher, officer):
    with time_machine.travel(at(D(2026, 11, 2)), tick=False):
        services.registration_exempt_on(
            registration_id=signed_up.pk, by=dispatcher, exempt_reason="military", exempt_until=D(2027, 4, 30)
        )
        with pytest.raises(RuleViolation) as refused:
            services.registration_exempt_extend(
                registration_id=signed_up.pk, by=dispatcher, exempt_until=D(2027, 10, 31), reason="deployment"
            )
        assert refused.value.code == "officer_only"
        services.registration_exempt_extend(
            registration_id=signed_up.pk, by=officer, exempt_until=D(2027, 10, 31), reason="deployment extended"
        )
    assert BookRegistration.objects.get(pk=signed_up.pk).exempt_until == D(2027, 10, 31)


def test_a_dispatch_longer_than_ninety_days_rolls_the_member_off(book, register, dispatcher, system_user):
    registration = register(book)
    with time_machine.travel(at(D(2026, 9, 1)), tick=False):
        services.registration_dispatch(registration_id=registration.pk, by=dispatcher, short_call=False)
    maintain(D(2026, 11, 30), system_user)  # day 90
    assert status(registration) == RegistrationStatus.DISPATCHED
    maintain(D(2026, 12, 1), system_user)
    assert BookRegistration.objects.get(pk=registration.pk).roll_off_reason == RollOffReason.LONG_CALL


def test_daily_maintenance_twice_on_one_day_changes_nothing_the_second_time(book, register, system_user):
    for _ in range(3):
        register(book, when=at(SIGNED_UP))
    first = maintain(D(2026, 11, 30), system_user)
    snapshot = list(BookRegistration.objects.order_by("id").values())
    activities = RegistrationActivity.objects.count()
    second = maintain(D(2026, 11, 30), system_user)
    assert first["WIRE_SEA_1"]["re_sign_roll_offs"] == 3
    assert second == {}
    assert list(BookRegistration.objects.order_by("id").values()) == snapshot
    assert RegistrationActivity.objects.count() == activities
    assert MaintenanceRun.objects.filter(run_on=D(2026, 11, 30)).count() == ReferralBook.objects.count()


def test_nothing_runs_on_a_holiday_or_a_weekend(signed_up, system_user):
    assert maintain(D(2026, 11, 26), system_user) == {}
    assert maintain(D(2026, 11, 28), system_user) == {}
    assert not MaintenanceRun.objects.exists()


def test_the_beat_task_runs_as_the_system_user(signed_up, system_user):
    with time_machine.travel(at(D(2026, 11, 30), 0), tick=False):
        result = daily_book_maintenance.apply().get()
    assert result["WIRE_SEA_1"]["re_sign_roll_offs"] == 1
    rolled_off = BookRegistration.objects.get(pk=signed_up.pk).history.get(status=RegistrationStatus.ROLLED_OFF)
    assert rolled_off.history_user == system_user
