from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from members import selectors, services
from members.enums import TransactionKind
from members.models import MemberTransaction
from members.tests.factories import MemberFactory
from unioncore.errors import RuleViolation
from unioncore.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer():
    return StaffFactory(groups=["officer"])


def post(member, officer, kind, amount, month=None, posted_on=None):
    return services.ledger_post(
        member_id=member.pk, by=officer, kind=kind, amount=amount,
        posted_on=posted_on or month or date(2026, 1, 15), period=month,
    )  # fmt: skip


def dues(member, officer, *months, amount="52.00"):
    for m in months:
        post(member, officer, TransactionKind.DUES, amount, month=date(2026, m, 1))


def test_balance_is_charges_less_payments_plus_adjustments(officer):
    member = MemberFactory()
    dues(member, officer, 1, 2, 3)
    post(member, officer, TransactionKind.ASSESSMENT, "10.00")
    post(member, officer, TransactionKind.PAYMENT, "100.00")
    post(member, officer, TransactionKind.ADJUSTMENT, "-6.00")
    assert selectors.member_balance(member=member) == Decimal("60.00")


def test_a_member_with_no_ledger_owes_nothing_and_has_no_paid_through():
    member = MemberFactory()
    assert selectors.member_balance(member=member) == Decimal("0.00")
    assert selectors.dues_paid_through(member=member) is None


def test_dues_are_paid_through_the_last_month_fully_covered(officer):
    member = MemberFactory()
    dues(member, officer, 1, 2, 3, 4)
    post(member, officer, TransactionKind.PAYMENT, "130.00")  # two and a half months
    assert selectors.dues_paid_through(member=member) == date(2026, 2, 1)


def test_an_unpaid_assessment_stops_paid_through_at_the_month_before_it(officer):
    member = MemberFactory()
    dues(member, officer, 1)
    post(member, officer, TransactionKind.ASSESSMENT, "80.00", posted_on=date(2026, 1, 20))
    dues(member, officer, 2)
    post(member, officer, TransactionKind.PAYMENT, "104.00")
    assert selectors.dues_paid_through(member=member) == date(2026, 1, 1)


def test_a_payment_ahead_pays_months_not_yet_charged(officer):
    member = MemberFactory()
    dues(member, officer, 1, 2)
    post(member, officer, TransactionKind.PAYMENT, "260.00")  # five months of 52
    assert selectors.dues_paid_through(member=member) == date(2026, 5, 1)


def test_paid_ahead_crosses_the_year(officer):
    member = MemberFactory()
    dues(member, officer, 11, 12)
    post(member, officer, TransactionKind.PAYMENT, "208.00")
    assert selectors.dues_paid_through(member=member) == date(2027, 2, 1)


def test_a_correction_is_a_new_adjusting_row_and_the_original_stays(officer):
    member = MemberFactory()
    wrong = post(member, officer, TransactionKind.PAYMENT, "520.00")
    fix = services.ledger_correct(transaction_id=wrong.pk, by=officer, reason="typed an extra zero")
    assert (fix.kind, fix.amount, fix.corrects) == (TransactionKind.ADJUSTMENT, Decimal("520.00"), wrong)
    assert MemberTransaction.objects.filter(pk=wrong.pk, amount=Decimal("520.00")).exists()
    assert selectors.member_balance(member=member) == Decimal("0.00")
    assert fix.history.first().history_user == officer


def test_a_reversed_payment_no_longer_pays_any_month(officer):
    member = MemberFactory()
    dues(member, officer, 1, 2, 3)
    payment = post(member, officer, TransactionKind.PAYMENT, "156.00")
    assert selectors.dues_paid_through(member=member) == date(2026, 3, 1)
    services.ledger_correct(transaction_id=payment.pk, by=officer, reason="cheque bounced")
    assert selectors.member_balance(member=member) == Decimal("156.00")
    assert selectors.dues_paid_through(member=member) is None


def test_a_row_is_corrected_once(officer):
    row = post(MemberFactory(), officer, TransactionKind.FEE, "25.00")
    services.ledger_correct(transaction_id=row.pk, by=officer, reason="waived")
    with pytest.raises(RuleViolation) as refused:
        services.ledger_correct(transaction_id=row.pk, by=officer, reason="again")
    assert refused.value.code == "already_corrected"


@pytest.mark.parametrize(
    ("kind", "amount", "month", "field"),
    [
        (TransactionKind.PAYMENT, "12,50", None, "amount"),
        (TransactionKind.PAYMENT, "abc", None, "amount"),
        (TransactionKind.PAYMENT, "-5.00", None, "__all__"),
        (TransactionKind.ADJUSTMENT, "0", None, "__all__"),
        (TransactionKind.DUES, "52.00", None, "__all__"),
        (TransactionKind.DUES, "52.00", date(2026, 1, 15), "__all__"),
        (TransactionKind.FEE, "1.005", None, "amount"),
    ],
)
def test_a_bad_ledger_row_is_refused_and_nothing_is_written(officer, kind, amount, month, field):
    member = MemberFactory()
    with pytest.raises(ValidationError) as refused:
        services.ledger_post(
            member_id=member.pk, by=officer, kind=kind, amount=amount, posted_on=date(2026, 1, 1), period=month
        )
    assert field in refused.value.message_dict
    assert not MemberTransaction.objects.exists()


def test_the_member_page_shows_the_ledger_balance_and_paid_through(client, officer):
    member = MemberFactory()
    dues(member, officer, 1, 2, 3)
    post(member, officer, TransactionKind.PAYMENT, "104.00")
    client.force_login(officer)
    page = client.get(reverse("admin:members_member_change", args=[member.pk])).content.decode()
    assert "52.00" in page
    assert "February 2026" in page


def test_a_ledger_row_added_on_the_member_page_goes_through_the_service(client):
    officer = StaffFactory(groups=["officer"])
    member = MemberFactory()
    client.force_login(officer)
    form = {
        "card_number": member.card_number, "first_name": member.first_name, "last_name": member.last_name,
        "classification": member.classification, "status": member.status, "phone": member.phone,
        "transactions-TOTAL_FORMS": 1, "transactions-INITIAL_FORMS": 0,
        "transactions-0-posted_on": "2026-03-02", "transactions-0-kind": "payment",
        "transactions-0-amount": "45.50", "transactions-0-description": "cash at the window",
        # an officer's member page also has the demographics inline (decision 0049), left empty
        "demographics-TOTAL_FORMS": 0, "demographics-INITIAL_FORMS": 0,
    }  # fmt: skip
    response = client.post(reverse("admin:members_member_change", args=[member.pk]), form)
    assert response.status_code == 302
    row = MemberTransaction.objects.get(member=member)
    assert (row.amount, row.created_by, row.source) == (Decimal("45.50"), officer, "manual")


def test_a_non_decimal_amount_in_the_admin_gets_a_message_and_writes_nothing(client):
    officer = StaffFactory(groups=["officer"])
    member = MemberFactory()
    client.force_login(officer)
    response = client.post(
        reverse("admin:members_membertransaction_add"),
        {"member": member.pk, "kind": "payment", "amount": "fifty", "posted_on": "2026-03-02"},
    )
    assert response.status_code == 200
    assert "Enter a number." in response.content.decode()
    assert not MemberTransaction.objects.exists()


def test_the_correct_action_reverses_the_selected_rows(client):
    officer = StaffFactory(groups=["officer"])
    row = post(MemberFactory(), officer, TransactionKind.FEE, "25.00")
    client.force_login(officer)
    client.post(
        reverse("admin:members_membertransaction_changelist"),
        {"action": "correct_rows", "_selected_action": [row.pk]},
    )
    assert row.corrections.get().amount == Decimal("-25.00")
