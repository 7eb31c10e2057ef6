import datetime
import json
from decimal import Decimal

import pytest
import time_machine
from django import forms
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone

from members.tests.factories import MemberFactory
from referral import selectors, services
from referral.enums import RegistrationAction, RegistrationStatus, RollOffReason
from referral.models import BookRegistration, ReferralBook, RegistrationActivity
from unioncore.errors import RuleViolation
from unioncore.testing import at

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 12, 7)  # day serial 46363


TIERS = {
    "WIRE SEATTLE": 4, "WIRE BREMERTON": 3, "WIRE PT ANGELES": 4, "TRADESHOW": 3, "STOCKMAN": 3, "TECHNICIAN": 3,
    "UTILITY WORKER": 1, "TERO APPR WIRE": 1, "SCHOOL DIST SEATTLE": 1,
}  # fmt: skip


def test_migrate_creates_the_books_and_tiers_laborpower_has_with_unique_codes_and_start_times():
    books = {b.code: b for b in ReferralBook.objects.all()}
    assert len(books) == sum(TIERS.values()) == 23  # LaborPower's 22, and the School District book
    tiers = {}
    for b in books.values():
        tiers.setdefault(b.laborpower_name, []).append(b.book_number)
    assert {name: sorted(numbers) for name, numbers in tiers.items()} == {
        name: list(range(1, n + 1)) for name, n in TIERS.items()
    }
    assert {c for c in books if c.startswith("WIRE_SEA")} == {"WIRE_SEA_1", "WIRE_SEA_2", "WIRE_SEA_3", "WIRE_SEA_4"}
    assert all(b.referral_start_time == datetime.time(8, 30) for c, b in books.items() if c.startswith("WIRE_"))
    others = [b.referral_start_time for c, b in books.items() if not c.startswith("WIRE_")]
    assert all(datetime.time(9, 0) <= t <= datetime.time(9, 30) for t in others)
    assert all((b.re_sign_days, b.check_marks_allowed, b.max_days_on_book) == (30, 2, 90) for b in books.values())


@pytest.mark.sqlite
@pytest.mark.parametrize(
    ("moment", "apn"),
    [
        (datetime.datetime(2025, 8, 11, 9, 50), "45880.41"),  # the example from real output
        (datetime.datetime(2014, 10, 20, 14, 0, 5), "41932.58"),  # the sample's first WIRE SEATTLE row
        (datetime.datetime(2026, 12, 7, 0, 0), "46363.00"),
        (datetime.datetime(2026, 12, 7, 23, 59, 59), "46364.00"),  # rounds up into the next day's serial
        (datetime.datetime(2026, 3, 8, 3, 0), "46089.13"),  # the morning clocks go forward: local time counts
    ],
)
def test_a_new_apn_is_laborpowers_serial_of_the_local_registration_time(moment, apn):
    assert services.apn_of(moment.replace(tzinfo=at(MONDAY).tzinfo)) == Decimal(apn)


@pytest.mark.sqlite
def test_a_new_registration_gets_the_apn_of_its_time_and_the_books_next_reg_number(book, register):
    first = register(book, when=at(MONDAY, 8))
    second = register(book, when=at(MONDAY, 8) + datetime.timedelta(minutes=5))  # the same quarter hour
    third = register(book, when=at(MONDAY, 10))
    assert [first.apn, second.apn, third.apn] == [Decimal("46363.33"), Decimal("46363.34"), Decimal("46363.42")]
    assert [r.registration_number for r in (first, second, third)] == [1, 2, 3]
    other = register(ReferralBook.objects.get(code="WIRE_BRE_1"), when=at(MONDAY, 8))
    assert (other.apn, other.registration_number) == (Decimal("46363.33"), 1)  # its own book's counter


@pytest.mark.sqlite
def test_registrations_sharing_an_apn_are_ordered_by_their_time_to_the_second(book, register):
    late = register(book, when=at(MONDAY, 8) + datetime.timedelta(minutes=4, seconds=2))
    early = register(book, when=at(MONDAY, 8) + datetime.timedelta(minutes=4, seconds=1))
    earlier_apn = register(book, when=at(MONDAY, 7) + datetime.timedelta(minutes=30))
    assert late.apn == early.apn
    assert list(selectors.out_of_work_list(book=book)) == [earlier_apn, early, late]
    assert [selectors.position(registration=r) for r in (earlier_apn, early, late)] == [1, 2, 3]


def test_an_imported_apn_is_kept_exactly_and_ordered_by_value(book, register):
    late = register(book, apn="45810.10")
    early = register(book, apn="45810.02")
    assert BookRegistration.objects.get(pk=late.pk).apn == Decimal("45810.10")
    assert list(selectors.out_of_work_list(book=book)) == [early, late]


def test_an_apn_round_trips_exactly_through_the_model_a_form_and_json(book, register):
    registration = register(book, apn="45810.02")
    stored = BookRegistration.objects.get(pk=registration.pk).apn
    assert stored == Decimal("45810.02")
    assert isinstance(stored, Decimal)

    class ApnForm(forms.ModelForm):
        class Meta:
            model = BookRegistration
            fields = ["apn"]

    form = ApnForm(data={"apn": "45810.02"})
    assert form.is_valid()
    assert form.cleaned_data["apn"] == stored
    assert 'value="45810.02"' in str(ApnForm(instance=registration)["apn"])
    as_json = json.dumps({"apn": stored}, cls=DjangoJSONEncoder)
    assert as_json == '{"apn": "45810.02"}'
    assert Decimal(json.loads(as_json)["apn"]) == stored


@pytest.mark.parametrize("apn", ["45810.025", "123456789.01", "0", "-3.00", "abc", "NaN", "1e3", 45810.02])
def test_a_bad_apn_is_refused_and_nothing_is_written(book, register, apn):
    with pytest.raises(RuleViolation) as refused:
        register(book, apn=apn)
    assert refused.value.code == "invalid_apn"
    assert not BookRegistration.objects.exists()


def test_registering_a_member_already_on_the_book_is_refused(book, register):
    member = MemberFactory()
    register(book, member=member)
    with pytest.raises(RuleViolation) as refused:
        register(book, member=member)
    assert refused.value.code == "already_registered"
    assert BookRegistration.objects.filter(member=member).count() == 1


def test_the_database_allows_one_active_registration_per_member_per_book(book, register):
    first = register(book)
    with pytest.raises(IntegrityError), transaction.atomic():
        BookRegistration.objects.create(member=first.member, book=book, apn=Decimal("1.01"))


def test_a_member_rolled_off_may_register_again_at_the_bottom(book, register, dispatcher):
    member = MemberFactory()
    old = register(book, member=member, when=at(MONDAY))
    register(book, when=at(MONDAY, 10))
    services.registration_roll_off(registration_id=old.pk, by=dispatcher, reason="asked to")
    again = register(book, member=member, when=at(MONDAY, 11))
    assert again.apn == Decimal("46363.46")
    assert selectors.position(registration=again) == 2


@pytest.mark.sqlite
def test_position_is_the_place_on_its_own_tier_counting_only_members_available(book, register, dispatcher):
    book2 = ReferralBook.objects.get(code="WIRE_SEA_2")
    a = register(book, apn="46000.01")
    b = register(book, apn="46001.01")
    c = register(book, apn="46002.01")
    d = register(book2, apn="45000.01")  # positions restart on each tier (LaborPower's REL)
    bremerton = register(ReferralBook.objects.get(code="WIRE_BRE_1"), apn="40000.01")
    assert [selectors.position(registration=r) for r in (a, b, c, d, bremerton)] == [1, 2, 3, 1, 1]
    services.registration_dispatch(registration_id=a.pk, by=dispatcher, short_call=True)
    services.registration_exempt_on(
        registration_id=c.pk,
        by=dispatcher,
        exempt_reason="jury_duty",
        exempt_until=timezone.localdate() + datetime.timedelta(days=30),
    )
    assert selectors.position(registration=b) == 1
    assert selectors.position(registration=BookRegistration.objects.get(pk=a.pk)) is None  # on a short call
    assert selectors.position(registration=c) is None  # exempt: keeps the place, not referred
    assert list(selectors.with_positions(book=book).values_list("id", "position")) == [(b.pk, 1)]
    rows = [(r.pk, r.act, r.rel) for r in selectors.registration_list(book=book)]
    assert rows == [(a.pk, 1, 0), (b.pk, 2, 1), (c.pk, 3, 0)]
    mine = {r.pk: r.position for r in selectors.member_registrations(member_id=b.member_id)}
    assert mine == {b.pk: 1}


def test_every_action_writes_an_activity_row_with_its_actor(book, register, dispatcher, officer):
    registration = register(book, when=at(MONDAY))
    with time_machine.travel(at(MONDAY + datetime.timedelta(days=25)), tick=False):
        services.registration_re_sign(registration_id=registration.pk, by=dispatcher)
        services.registration_check_mark(registration_id=registration.pk, by=dispatcher, reason="no answer")
        services.registration_check_mark_restore(registration_id=registration.pk, by=officer, reason="phone down")
        services.registration_exempt_on(
            registration_id=registration.pk, by=dispatcher, exempt_reason="jury_duty",
            exempt_until=datetime.date(2027, 1, 30),
        )  # fmt: skip
        services.registration_exempt_off(registration_id=registration.pk, by=dispatcher)
        services.registration_dispatch(registration_id=registration.pk, by=dispatcher, short_call=True)
        services.registration_return_to_book(registration_id=registration.pk, by=dispatcher)
        services.registration_resign(registration_id=registration.pk, by=registration.member.user or dispatcher)
    actions = list(
        RegistrationActivity.objects.filter(registration=registration).order_by("id").values_list("action", "actor")
    )
    A = RegistrationAction
    assert [a for a, _ in actions] == [
        A.REGISTER, A.RE_SIGN, A.CHECK_MARK, A.CHECK_MARK_RESTORED, A.EXEMPT_ON, A.EXEMPT_OFF,
        A.SHORT_CALL, A.SHORT_CALL_RETURN, A.RESIGN,
    ]  # fmt: skip
    assert all(actor is not None for _, actor in actions)
    history = BookRegistration.objects.get(pk=registration.pk).history.all()
    assert history.count() == len(actions)
    assert {h.history_user for h in history} == {dispatcher, officer}


def test_a_short_call_returns_the_member_to_the_same_apn(book, register, dispatcher):
    registration = register(book, apn="46000.01")
    register(book, apn="46000.02")
    services.registration_dispatch(registration_id=registration.pk, by=dispatcher, short_call=True)
    back = services.registration_return_to_book(registration_id=registration.pk, by=dispatcher)
    assert (back.status, back.apn) == (RegistrationStatus.REGISTERED, Decimal("46000.01"))
    assert selectors.position(registration=back) == 1


@pytest.mark.sqlite
def test_back_on_the_book_after_a_job_a_whole_re_sign_period_starts(book, register, dispatcher):
    registration = register(book, when=at(MONDAY))
    services.registration_dispatch(registration_id=registration.pk, by=dispatcher, short_call=False)
    back_on = MONDAY + datetime.timedelta(days=60)  # the old due date passed while on the job
    with time_machine.travel(at(back_on, 9), tick=False):
        back = services.registration_return_to_book(registration_id=registration.pk, by=dispatcher)
    assert back.re_sign_due == back_on + datetime.timedelta(days=book.re_sign_days)


def test_a_quit_rolls_the_member_off_every_book(book, register, dispatcher):
    member = MemberFactory()
    one = register(book, member=member)
    two = register(ReferralBook.objects.get(code="TRADE_SEA_1"), member=member)
    services.registration_dispatch(registration_id=one.pk, by=dispatcher, short_call=False)
    services.member_roll_off_all_books(member_id=member.pk, by=dispatcher, cause=RollOffReason.QUIT)
    rows = BookRegistration.objects.filter(pk__in=[one.pk, two.pk])
    assert set(rows.values_list("status", "roll_off_reason")) == {(RegistrationStatus.ROLLED_OFF, "quit")}


@pytest.mark.parametrize(
    ("step", "code"),
    [
        (lambda r, by: services.registration_return_to_book(registration_id=r.pk, by=by), "not_dispatched"),
        (lambda r, by: services.registration_re_sign(registration_id=r.pk, by=by), "not_on_book"),
        (lambda r, by: services.registration_check_mark(registration_id=r.pk, by=by, reason="x"), "not_on_book"),
        (lambda r, by: services.registration_roll_off(registration_id=r.pk, by=by, reason="x"), "not_on_book"),
        (lambda r, by: services.registration_resign(registration_id=r.pk, by=by), "not_on_book"),
        (lambda r, by: services.registration_remove(registration_id=r.pk, by=by, reason="x"), "not_on_book"),
        (lambda r, by: services.registration_dispatch(registration_id=r.pk, by=by, short_call=False), "not_available"),
    ],
)
def test_a_transition_from_the_wrong_state_is_refused_and_changes_nothing(book, register, dispatcher, step, code):
    registration = register(book)
    services.registration_roll_off(registration_id=registration.pk, by=dispatcher, reason="moved away")
    before = RegistrationActivity.objects.count()
    with pytest.raises(RuleViolation) as refused:
        step(registration, dispatcher)
    assert refused.value.code == code
    assert BookRegistration.objects.get(pk=registration.pk).status == RegistrationStatus.ROLLED_OFF
    assert RegistrationActivity.objects.count() == before


def test_the_state_field_cannot_be_set_by_hand(book, register):
    registration = register(book)
    with pytest.raises(AttributeError):
        registration.status = RegistrationStatus.DISPATCHED


def test_a_member_who_is_not_active_cannot_register(book, register):
    with pytest.raises(RuleViolation) as refused:
        register(book, member=MemberFactory(status="suspended"))
    assert refused.value.code == "member_not_active"


@pytest.mark.postgresql_only(reason="the append-only triggers are PostgreSQL's")
def test_activity_rows_cannot_be_changed(book, register):
    register(book)
    from django.db import DatabaseError

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        RegistrationActivity.objects.update(reason="rewritten")


@pytest.mark.sqlite
def test_the_morning_referral_times_are_the_2024_procedures():
    times = {b.code: b.referral_start_time for b in ReferralBook.objects.all()}
    expected = {"WIRE_": datetime.time(8, 30), "TRADE_": datetime.time(9, 0), "SCHOOL_": datetime.time(9, 0)}
    for code, start in times.items():
        wanted = next((t for prefix, t in expected.items() if code.startswith(prefix)), datetime.time(9, 30))
        assert start == wanted, code


@pytest.mark.sqlite
def test_one_classification_a_registrant_wire_and_tradeshow_excepted(book, register, dispatcher, officer):
    """The 2024 procedure, rule 3: one classification, on one tier of a book; other regions are
    separate referral points; wire + tradeshow is allowed; an officer may override with a reason."""
    member = MemberFactory()
    register(book, member=member)
    register(ReferralBook.objects.get(code="WIRE_BRE_1"), member=member)  # another referral point
    register(ReferralBook.objects.get(code="TRADE_SEA_1"), member=member)  # the allowed pair
    for code, why in (("WIRE_SEA_2", "one tier of a book"), ("TECH_SEA_1", "one classification")):
        with pytest.raises(RuleViolation) as refused:
            register(ReferralBook.objects.get(code=code), member=member)
        assert refused.value.code == "one_classification"
        assert why in refused.value.message
        assert "An officer may register them with a reason." in refused.value.message
    with pytest.raises(RuleViolation):  # a dispatcher's reason is not an officer's
        services.registration_register(
            member_id=member.pk, book_id=ReferralBook.objects.get(code="TECH_SEA_1").pk, by=dispatcher,
            override_reason="Certified technician too",
        )  # fmt: skip
    tech = services.registration_register(
        member_id=member.pk, book_id=ReferralBook.objects.get(code="TECH_SEA_1").pk, by=officer,
        override_reason="Certified technician too",
    )  # fmt: skip
    activity = tech.activities.get()
    assert activity.actor == officer
    assert activity.reason == "Officer override: Certified technician too (also on TRADE_SEA_1, WIRE_BRE_1, WIRE_SEA_1)"
