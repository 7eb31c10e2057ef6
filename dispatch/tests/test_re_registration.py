"""Re-registration after a short call (the 2024 procedure, rule 4), from every surface a person
uses: the member in the portal and the phone app, a dispatcher from the registration's page.
Short call → laid off → re-register → the original APN, and the nightly job leaves them on the
book (before, nothing called the service and the nightly job rolled them off every book)."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from dispatch import services
from dispatch.enums import EndReason
from members.tests.factories import MemberFactory
from referral import services as referral_services
from referral.enums import RegistrationStatus
from referral.models import BookRegistration, ReferralBook
from unioncore.models import UserKind
from unioncore.tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]  # make run's SQLite takes these paths too

D = datetime.date
WED, THU, FRI = D(2026, 12, 9), D(2026, 12, 10), D(2026, 12, 11)


@pytest.fixture
def laid_off(book, register, make_request, dispatcher, member_user, clock):
    """The member's short call ended on Wednesday: the APN is held until the end of Thursday.
    The member is on a second book too (the nightly job would roll a late one off both)."""
    registration = register(book, member=member_user.member, apn="46000.01")
    register(ReferralBook.objects.get(code="TRADE_SEA_1"), member=member_user.member, apn="46000.02")
    register(book, apn="46000.05")
    request = make_request(is_short_call=True, expected_days=2)
    offer = services.dispatch_offer(job_request_id=request.pk, registration_id=registration.pk, by=dispatcher)
    dispatch = services.dispatch_accept(dispatch_id=offer.pk, by=dispatcher)
    clock.move_to(timezone.make_aware(datetime.datetime.combine(WED, datetime.time(16))))
    services.dispatch_end(dispatch_id=dispatch.pk, by=dispatcher, end_reason=EndReason.LAID_OFF, end_date=WED)
    held = BookRegistration.objects.get(pk=registration.pk)
    assert (held.status, held.re_register_by) == (RegistrationStatus.SHORT_CALL, THU)
    clock.move_to(timezone.make_aware(datetime.datetime.combine(THU, datetime.time(10))))
    return held


def back_on_the_book_and_kept_by_the_nightly_job(registration, actor, system_user):
    back = BookRegistration.objects.get(pk=registration.pk)
    assert (back.status, back.apn, back.re_register_by) == (RegistrationStatus.REGISTERED, Decimal("46000.01"), None)
    last = back.activities.first()
    assert (last.action, last.actor) == ("short_call_return", actor)
    referral_services.daily_book_maintenance(today=FRI, by=system_user)
    assert set(BookRegistration.objects.filter(member=back.member).values_list("status", flat=True)) == {
        RegistrationStatus.REGISTERED
    }


def test_the_member_re_registers_from_the_portal(client, member_user, laid_off, system_user):
    client.force_login(member_user)
    page = client.get(reverse("portal:member-home")).content.decode()
    assert "Your short call has ended. Re-register by the end of Thu Dec 10" in page
    response = client.post(reverse("portal:member-re-register", args=[laid_off.pk]), follow=True)
    assert "Re-registered. You are back on the book at your original APN." in response.content.decode()
    back_on_the_book_and_kept_by_the_nightly_job(laid_off, member_user, system_user)


def test_the_member_re_registers_from_the_phone(api_as, member_user, laid_off, system_user):
    response = api_as(member_user).post(f"/api/v1/registrations/{laid_off.pk}/re-register/")
    assert response.status_code == 200, response.content
    assert (response.json()["apn"], response.json()["status"]) == ("46000.01", "registered")
    back_on_the_book_and_kept_by_the_nightly_job(laid_off, member_user, system_user)


def test_a_dispatcher_re_registers_the_member_from_the_registrations_page(client, dispatcher, laid_off, system_user):
    client.force_login(dispatcher)
    response = client.post(
        reverse("admin:referral_bookregistration_changelist"),
        {"action": "re_register", "_selected_action": [laid_off.pk], "index": 0},
        follow=True,
    )
    assert "1 registration(s) back on the book." in response.content.decode()
    back_on_the_book_and_kept_by_the_nightly_job(laid_off, dispatcher, system_user)


def test_re_registering_after_the_deadline_is_refused_with_the_rule(api_as, member_user, laid_off, clock):
    clock.move_to(timezone.make_aware(datetime.datetime.combine(FRI, datetime.time(9))))
    response = api_as(member_user).post(f"/api/v1/registrations/{laid_off.pk}/re-register/")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "re_registration_late"
    assert BookRegistration.objects.get(pk=laid_off.pk).status == RegistrationStatus.SHORT_CALL


def test_nothing_to_re_register_on_a_registration_out_of_work(api_as, member_user, book, register):
    mine = register(book, member=member_user.member)
    response = api_as(member_user).post(f"/api/v1/registrations/{mine.pk}/re-register/")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "nothing_to_re_register"


def test_another_members_registration_is_a_404(api_as, laid_off):
    stranger = UserFactory(kind=UserKind.MEMBER)
    MemberFactory(user=stranger)
    assert api_as(stranger).post(f"/api/v1/registrations/{laid_off.pk}/re-register/").status_code == 404


@pytest.mark.parametrize("last_day", [FRI, D(2026, 12, 13)])  # a Friday, or the Sunday after working the weekend
def test_a_short_call_ending_on_a_friday_or_worked_through_the_weekend_reports_on_monday(
    book, register, make_request, dispatcher, clock, last_day
):
    registration = register(book, apn="46000.01")
    request = make_request(is_short_call=True, expected_days=5)
    offer = services.dispatch_offer(job_request_id=request.pk, registration_id=registration.pk, by=dispatcher)
    dispatch = services.dispatch_accept(dispatch_id=offer.pk, by=dispatcher)
    clock.move_to(timezone.make_aware(datetime.datetime.combine(last_day, datetime.time(16))))
    services.dispatch_end(dispatch_id=dispatch.pk, by=dispatcher, end_reason=EndReason.COMPLETED, end_date=last_day)
    held = BookRegistration.objects.get(pk=registration.pk)
    assert held.re_register_by == D(2026, 12, 14)  # Monday: re-register at the hall then
