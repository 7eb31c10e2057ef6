import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from members import services
from members.enums import Classification
from members.models import Member
from members.tests.factories import MemberFactory
from unioncore.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

NEW_MEMBER = {
    "first_name": "Rosa", "last_name": "Reyes", "classification": Classification.INSIDE_WIREPERSON,
}  # fmt: skip


@pytest.fixture
def dispatcher():
    return StaffFactory()


def test_a_card_number_keeps_its_leading_zeros(dispatcher):
    member = services.member_create(by=dispatcher, card_number="0004521", **NEW_MEMBER)
    assert Member.objects.get(pk=member.pk).card_number == "0004521"


def test_a_duplicate_card_number_is_refused_with_a_clear_message(dispatcher):
    MemberFactory(card_number="0004521")
    with pytest.raises(ValidationError) as refused:
        services.member_create(by=dispatcher, card_number="0004521", **NEW_MEMBER)
    assert refused.value.message_dict["card_number"] == ["Another member already has this card number."]
    assert Member.objects.count() == 1


def test_the_database_itself_refuses_a_duplicate_card_number():
    MemberFactory(card_number="0004521")
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.bulk_create([Member(card_number="0004521", **NEW_MEMBER)])


@pytest.mark.parametrize("phone", ["555-CALL-NOW", "12", "+999999"])
def test_a_malformed_phone_is_refused(dispatcher, phone):
    with pytest.raises(ValidationError) as refused:
        services.member_create(by=dispatcher, card_number="0004521", phone=phone, **NEW_MEMBER)
    assert "phone" in refused.value.message_dict
    assert not Member.objects.exists()


def test_a_phone_in_local_writing_is_stored_as_e164(dispatcher):
    member = services.member_create(by=dispatcher, card_number="0004521", phone="(206) 555-0134", **NEW_MEMBER)
    assert Member.objects.filter(pk=member.pk, phone="+12065550134").exists()


def test_an_exemption_needs_a_reason(dispatcher):
    with pytest.raises(ValidationError) as refused:
        services.member_create(by=dispatcher, card_number="0004521", is_exempt=True, **NEW_MEMBER)
    assert "An exempt member needs a reason" in str(refused.value)


def test_ending_an_exemption_clears_its_reason_and_date(dispatcher):
    member = MemberFactory(is_exempt=True, exempt_reason="medical", exempt_until="2027-01-31")
    member = services.member_update(member_id=member.pk, by=dispatcher, is_exempt=False)
    assert (member.exempt_reason, member.exempt_until) == ("", None)


def test_a_duplicate_card_number_in_the_admin_gets_a_message(client, dispatcher):
    MemberFactory(card_number="0004521")
    client.force_login(dispatcher)
    response = client.post(
        reverse("admin:members_member_add"),
        {"card_number": "0004521", "status": "active", "phone": "2065550199", **NEW_MEMBER,
         "transactions-TOTAL_FORMS": 0, "transactions-INITIAL_FORMS": 0},
    )  # fmt: skip
    assert response.status_code == 200
    assert "Another member already has this card number." in response.content.decode()
    assert Member.objects.count() == 1


def test_a_malformed_phone_in_the_admin_gets_a_message(client, dispatcher):
    client.force_login(dispatcher)
    response = client.post(
        reverse("admin:members_member_add"),
        {"card_number": "0004521", "status": "active", "phone": "555-CALL-NOW", **NEW_MEMBER,
         "transactions-TOTAL_FORMS": 0, "transactions-INITIAL_FORMS": 0},
    )  # fmt: skip
    assert response.status_code == 200
    assert "Enter a valid phone number" in response.content.decode()
    assert not Member.objects.exists()


def test_members_are_found_by_card_number_name_and_phone(client, dispatcher):
    MemberFactory(card_number="0004521", last_name="Haugen", phone="+12065550134")
    MemberFactory(card_number="0009999", last_name="Other", phone="+12065550999")
    client.force_login(dispatcher)
    url = reverse("admin:members_member_changelist")
    for query in ("0004521", "Haugen", "+12065550134"):
        page = client.get(url, {"q": query}).content.decode()
        assert "0004521" in page, query
        assert "0009999" not in page, query


def test_a_dispatcher_sees_the_login_account_link_but_cannot_change_it(client, dispatcher):
    member = MemberFactory()
    client.force_login(dispatcher)
    response = client.get(reverse("admin:members_member_change", args=[member.pk]))
    assert response.status_code == 200
    assert 'name="user"' not in response.content.decode()
