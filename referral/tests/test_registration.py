import datetime
import json
from decimal import Decimal

import pytest
import time_machine
from django import forms
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction

from members.tests.factories import MemberFactory
from referral import selectors, services
from referral.enums import RegistrationAction, RegistrationStatus, RollOffReason
from referral.models import BookRegistration, ReferralBook, RegistrationActivity
from unioncore.errors import RuleViolation
from unioncore.testing import at

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 12, 7)  # day serial 46363


def test_migrate_creates_the_eleven_books_with_unique_codes_and_start_times():
    books = {b.code: b for b in ReferralBook.objects.all()}
    assert len(books) == 11
    assert {c for c in books if c.startswith("WIRE_")} == {
        "WIRE_SEA_1", "WIRE_SEA_2", "WIRE_BRE_1", "WIRE_BRE_2", "WIRE_PA_1", "WIRE_PA_2",
    }  # fmt: skip
    assert all(b.referral_start_time == datetime.time(8, 30) for c, b in books.items() if c.startswith("WIRE_"))
    others = [b.referral_start_time for c, b in books.items() if not c.startswith("WIRE_")]
    assert all(datetime.time(9, 0) <= t <= datetime.time(9, 30) for t in others)
    assert all((b.re_sign_days, b.check_marks_allowed, b.max_days_on_book) == (30, 2, 90) for b in books.values())


def test_a_new_apn_is_the_day_serial_then_the_sign_up_order_of_that_day(book, register):
    first = register(book, when=at(MONDAY, 8))
    second = register(book, when=at(MONDAY, 10))
    next_day = register(book, when=at(MONDAY + datetime.timedelta(days=1), 8))
    assert [first.apn, second.apn, next_day.apn] == [Decimal("46363.01"), Decimal("46363.02"), Decimal("46364.01")]


def test_apn_series_is_per_book(book, register):
    other = ReferralBook.objects.get(code="WIRE_BRE_1")
    assert register(book, when=at(MONDAY)).apn == Decimal("46363.01")
    assert register(other, when=at(MONDAY)).apn == Decimal("46363.01")


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
    assert again.apn == Decimal("46363.03")
    assert selectors.position(registration=again) == 1


def test_position_counts_members_out_of_work_ahead_tier_then_apn(book, register, dispatcher):
    book2 = ReferralBook.objects.get(code="WIRE_SEA_2")
    a = register(book, apn="46000.01")
    b = register(book, apn="46001.01")
    c = register(book, apn="46002.01")
    d = register(book2, apn="45000.01")  # an older APN, but Book 2 comes after all of Book 1
    bremerton = register(ReferralBook.objects.get(code="WIRE_BRE_1"), apn="40000.01")
    assert [selectors.position(registration=r) for r in (a, b, c, d, bremerton)] == [0, 1, 2, 3, 0]
    services.registration_dispatch(registration_id=a.pk, by=dispatcher, short_call=True)
    b.refresh_from_db()
    d.refresh_from_db()
    assert selectors.position(registration=b) == 0
    assert selectors.position(registration=d) == 2
    assert selectors.position(registration=BookRegistration.objects.get(pk=a.pk)) is None
    assert dict(selectors.with_positions(book=book2).values_list("id", "position")) == {d.pk: 2}
    assert list(selectors.with_positions(book=book).values_list("id", "position")) == [(b.pk, 0), (c.pk, 1)]


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
    assert selectors.position(registration=back) == 0


def test_a_quit_rolls_the_member_off_every_book(book, register, dispatcher):
    member = MemberFactory()
    one = register(book, member=member)
    two = register(ReferralBook.objects.get(code="TECH_SEA_1"), member=member)
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


def test_activity_rows_cannot_be_changed(book, register):
    register(book)
    from django.db import DatabaseError

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        RegistrationActivity.objects.update(reason="rewritten")
