"""The referral console: staff register members and change registrations only through the
services (the add page and the actions); what a rule refuses is shown and nothing is written."""

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.contrib import admin
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from members.enums import ExemptReason
from members.tests.factories import MemberFactory
from referral import selectors, services
from referral.enums import RegistrationAction, RegistrationStatus
from referral.models import BookRegistration, Holiday, ReferralBook, RegistrationActivity
from referral.tests.factories import BookRegistrationFactory
from unioncore.testing import at
from unioncore.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 12, 7)  # day serial 46363
CHANGELIST = reverse("admin:referral_bookregistration_changelist")
A = RegistrationAction


@pytest.fixture(autouse=True)
def monday_morning():
    with time_machine.travel(at(MONDAY, 10), tick=False):
        yield


@pytest.fixture
def as_dispatcher(client, dispatcher):
    client.force_login(dispatcher)
    return client


@pytest.fixture
def as_officer(client, officer):
    client.force_login(officer)
    return client


def act(client, action, registrations, url=CHANGELIST, **form):
    """Run a changelist action; with `form`, answer its intermediate page as well."""
    data = {"action": action, "_selected_action": [r.pk for r in registrations]}
    if form:
        data |= {"_apply_action": "yes", **form}
    else:
        data |= {"index": 0}
    return client.post(url, data, follow=True)


def shown(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def activities(registration, action):
    return RegistrationActivity.objects.filter(registration=registration, action=action)


# --- The add page ---


def test_a_dispatcher_registers_a_member_from_the_add_page(as_dispatcher, dispatcher, book):
    member = MemberFactory()
    response = as_dispatcher.post(
        reverse("admin:referral_bookregistration_add"),
        {"member": member.pk, "book": book.pk, "apn": "", "reason": "Laid off at Boeing"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    registration = BookRegistration.objects.get(member=member, book=book)
    assert registration.apn == services.apn_of(registration.registered_at)
    assert registration.registration_number == 1
    assert registration.status == RegistrationStatus.REGISTERED
    (activity,) = activities(registration, A.REGISTER)
    assert (activity.actor, activity.reason) == (dispatcher, "Laid off at Boeing")
    assert registration.history.get().history_user == dispatcher


def test_the_add_page_finds_the_member_by_card_number(as_dispatcher):
    member = MemberFactory(card_number="0046046")
    page = as_dispatcher.get(reverse("admin:referral_bookregistration_add")).content.decode()
    assert "admin-autocomplete" in page
    response = as_dispatcher.get(
        reverse("admin:autocomplete"),
        {"app_label": "referral", "model_name": "bookregistration", "field_name": "member", "term": "0046046"},
    )
    assert [r["id"] for r in response.json()["results"]] == [str(member.pk)]


def test_an_imported_apn_is_kept_exactly_from_the_add_page(as_dispatcher, book):
    member = MemberFactory()
    response = as_dispatcher.post(
        reverse("admin:referral_bookregistration_add"), {"member": member.pk, "book": book.pk, "apn": "45810.02"}
    )
    assert response.status_code == 302
    assert BookRegistration.objects.get(member=member).apn == Decimal("45810.02")


def test_a_second_sign_up_on_the_same_book_is_refused_on_the_form(as_dispatcher, book, register):
    registration = register(book)
    response = as_dispatcher.post(
        reverse("admin:referral_bookregistration_add"), {"member": registration.member_id, "book": book.pk}
    )
    assert response.status_code == 200
    assert "already on" in response.content.decode()
    assert BookRegistration.objects.filter(member=registration.member).count() == 1


def test_an_apn_another_registration_holds_is_accepted_and_ordered_by_time(as_dispatcher, book, register):
    first = register(book, apn="45810.02")
    response = as_dispatcher.post(
        reverse("admin:referral_bookregistration_add"),
        {"member": MemberFactory().pk, "book": book.pk, "apn": "45810.02"},
    )
    assert response.status_code == 302  # LaborPower's APNs repeat (decision 0028)
    second = BookRegistration.objects.exclude(pk=first.pk).get(book=book)
    assert list(selectors.out_of_work_list(book=book)) == [first, second]


# --- The change page ---


def test_the_change_page_is_read_only_with_the_activity_newest_first(as_dispatcher, dispatcher, book, register):
    registration = register(book)
    services.registration_check_mark(registration_id=registration.pk, by=dispatcher, reason="Passed a call")
    url = reverse("admin:referral_bookregistration_change", args=[registration.pk])
    response = as_dispatcher.get(url)
    assert response.status_code == 200
    assert response.context["adminform"].form.fields == {}
    (inline,) = response.context["inline_admin_formsets"]
    assert [a.action for a in inline.formset.queryset] == [A.CHECK_MARK, A.REGISTER]
    assert as_dispatcher.post(url, {}).status_code == 403


def test_the_change_page_runs_a_constant_number_of_queries_however_long_the_history(
    as_dispatcher, dispatcher, book, register
):
    registration = register(book)
    url = reverse("admin:referral_bookregistration_change", args=[registration.pk])

    def queries():
        as_dispatcher.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert as_dispatcher.get(url).status_code == 200
        return len(captured)

    few = queries()
    for _ in range(10):
        services.registration_pass_without_check_mark(
            registration_id=registration.pk, by=StaffFactory(), no_check_mark_reason="short_call"
        )
    assert queries() == few


# --- Actions ---


def test_re_sign_inside_the_window(as_dispatcher, dispatcher, book, register):
    registration = register(book, when=at(MONDAY - datetime.timedelta(days=25)))
    response = act(as_dispatcher, "re_sign", [registration])
    assert "1 registration(s) re-signed." in shown(response)
    registration.refresh_from_db()
    assert registration.re_sign_due == MONDAY + datetime.timedelta(days=30)
    assert activities(registration, A.RE_SIGN).get().actor == dispatcher


def test_re_sign_outside_the_window_is_refused_and_writes_nothing(as_dispatcher, book, register):
    registration = register(book)
    response = act(as_dispatcher, "re_sign", [registration])
    (message,) = shown(response)
    assert "Re-signing is open from" in message
    assert str(registration.member) in message
    assert BookRegistration.objects.get(pk=registration.pk).re_sign_due == registration.re_sign_due
    assert not activities(registration, A.RE_SIGN).exists()


def test_a_check_mark_asks_for_a_reason_first_then_applies_it(as_dispatcher, dispatcher, book, register):
    first, second = register(book), register(book)
    response = as_dispatcher.post(
        CHANGELIST, {"action": "check_mark", "index": 0, "_selected_action": [first.pk, second.pk]}
    )
    assert response.status_code == 200
    assert response.templates[0].name == "admin/action_form.html"
    page = response.content.decode()
    assert 'name="reason"' in page
    assert str(first) in page
    assert str(second) in page
    assert not RegistrationActivity.objects.filter(action=A.CHECK_MARK).exists()

    response = act(as_dispatcher, "check_mark", [first, second], reason="Passed a call at 8:30")
    assert "2 check mark(s) given." in shown(response)
    for registration in (first, second):
        assert BookRegistration.objects.get(pk=registration.pk).check_marks == 1
        activity = activities(registration, A.CHECK_MARK).get()
        assert (activity.actor, activity.reason) == (dispatcher, "Passed a call at 8:30")


def test_a_check_mark_without_a_reason_shows_the_form_again(as_dispatcher, book, register):
    registration = register(book)
    response = act(as_dispatcher, "check_mark", [registration], reason="  ")
    assert response.templates[0].name == "admin/action_form.html"
    assert response.context["form"].errors["reason"]
    assert BookRegistration.objects.get(pk=registration.pk).check_marks == 0


def test_one_refused_row_does_not_stop_the_others(as_dispatcher, dispatcher, book, register):
    exempt = register(book)
    services.registration_exempt_on(
        registration_id=exempt.pk, by=dispatcher, exempt_reason=ExemptReason.MEDICAL,
        exempt_until=MONDAY + datetime.timedelta(days=30),
    )  # fmt: skip
    other = register(book)
    response = act(as_dispatcher, "check_mark", [exempt, other], reason="Passed a call")
    messages = shown(response)
    assert any("exempt on this book: no check marks" in m for m in messages), messages
    assert "1 check mark(s) given." in messages
    assert BookRegistration.objects.get(pk=exempt.pk).check_marks == 0
    assert BookRegistration.objects.get(pk=other.pk).check_marks == 1


def test_restore_a_check_mark(as_dispatcher, dispatcher, book, register):
    registration = register(book)
    services.registration_check_mark(registration_id=registration.pk, by=dispatcher, reason="Passed a call")
    response = act(as_dispatcher, "restore_check_mark", [registration], reason="Was on jury duty")
    assert "1 check mark(s) restored." in shown(response)
    assert BookRegistration.objects.get(pk=registration.pk).check_marks == 0
    assert activities(registration, A.CHECK_MARK_RESTORED).get().reason == "Was on jury duty"


def test_exempt_on_a_book_until_a_date(as_dispatcher, book, register):
    registration = register(book)
    until = MONDAY + datetime.timedelta(days=60)
    response = act(
        as_dispatcher, "exempt_on", [registration], exempt_reason=ExemptReason.MILITARY, exempt_until=until.isoformat()
    )
    assert "1 registration(s) exempted." in shown(response)
    registration = BookRegistration.objects.get(pk=registration.pk)
    assert (registration.is_exempt, registration.exempt_reason, registration.exempt_until) == (
        True, ExemptReason.MILITARY, until,
    )  # fmt: skip
    assert activities(registration, A.EXEMPT_ON).exists()


def test_a_traveling_exemption_without_an_end_date_is_refused_and_writes_nothing(as_dispatcher, book, register):
    registration = register(book)
    response = act(as_dispatcher, "exempt_on", [registration], exempt_reason=ExemptReason.TRAVELING, exempt_until="")
    (message,) = shown(response)
    assert "exempt for a limited time: give an end date." in message
    assert BookRegistration.objects.get(pk=registration.pk).is_exempt is None
    assert not activities(registration, A.EXEMPT_ON).exists()


def test_a_dispatcher_cannot_exempt_past_the_books_limit(as_dispatcher, book, register):
    registration = register(book)
    too_far = MONDAY + datetime.timedelta(days=book.max_exempt_days + 1)
    response = act(
        as_dispatcher, "exempt_on", [registration], exempt_reason=ExemptReason.UNDER_SCALE,
        exempt_until=too_far.isoformat(),
    )  # fmt: skip
    assert any("an officer may extend it" in m for m in shown(response))
    assert BookRegistration.objects.get(pk=registration.pk).is_exempt is None


def exempted(registration, by, days=30):
    return services.registration_exempt_on(
        registration_id=registration.pk, by=by, exempt_reason=ExemptReason.MEDICAL,
        exempt_until=MONDAY + datetime.timedelta(days=days),
    )  # fmt: skip


def action_choices(client):
    return {name for name, _ in client.get(CHANGELIST).context["action_form"].fields["action"].choices}


def test_only_officers_see_and_run_the_extend_action(client, dispatcher, officer, book, register):
    registration = exempted(register(book), dispatcher)
    far = MONDAY + datetime.timedelta(days=300)

    client.force_login(dispatcher)
    assert "extend_exemption" not in action_choices(client)
    assert {"re_sign", "check_mark", "exempt_on", "end_exemption", "roll_off", "remove"} <= action_choices(client)
    act(client, "extend_exemption", [registration], exempt_until=far.isoformat(), reason="Surgery")
    assert BookRegistration.objects.get(pk=registration.pk).exempt_until == MONDAY + datetime.timedelta(days=30)

    client.force_login(officer)
    assert "extend_exemption" in action_choices(client)
    response = act(client, "extend_exemption", [registration], exempt_until=far.isoformat(), reason="Surgery")
    assert "1 exemption(s) extended." in shown(response)
    assert BookRegistration.objects.get(pk=registration.pk).exempt_until == far
    assert activities(registration, A.EXEMPT_EXTENDED).get().actor == officer


def test_end_an_exemption(as_dispatcher, dispatcher, book, register):
    registration = exempted(register(book), dispatcher)
    response = act(as_dispatcher, "end_exemption", [registration], reason="Back from leave")
    assert "1 exemption(s) ended." in shown(response)
    assert BookRegistration.objects.get(pk=registration.pk).is_exempt is None
    assert activities(registration, A.EXEMPT_OFF).get().reason == "Back from leave"


def test_roll_off_and_remove_need_a_reason_and_close_the_registration(as_dispatcher, book, register):
    rolled, removed = register(book), register(book)
    assert "1 registration(s) rolled off." in shown(act(as_dispatcher, "roll_off", [rolled], reason="Moved away"))
    assert "1 registration(s) removed." in shown(act(as_dispatcher, "remove", [removed], reason="Entered twice"))
    assert BookRegistration.objects.get(pk=rolled.pk).status == RegistrationStatus.ROLLED_OFF
    assert BookRegistration.objects.get(pk=removed.pk).status == RegistrationStatus.REMOVED
    assert activities(removed, A.REMOVE).get().reason == "Entered twice"

    response = act(as_dispatcher, "remove", [rolled], reason="Again")
    assert any("already off the book" in m for m in shown(response))
    assert not activities(rolled, A.REMOVE).exists()


def test_an_action_keeps_the_list_filter(as_dispatcher, book, register):
    registration = register(book)
    url = f"{CHANGELIST}?book__id__exact={book.pk}"
    response = act(as_dispatcher, "roll_off", [registration], url=url, reason="Moved away")
    assert response.redirect_chain[-1][0].endswith(f"?book__id__exact={book.pk}")


# --- The lists ---


def positions_shown(response) -> list[str]:
    return re.findall(r'<td class="field-position">([^<]*)</td>', response.content.decode())


def test_the_list_of_one_book_shows_positions_in_apn_order(as_dispatcher, book, register):
    late, early, middle = register(book, apn="45810.30"), register(book, apn="45810.02"), register(book, apn="45810.10")
    register(ReferralBook.objects.get(code="WIRE_BRE_1"), apn="45810.01")
    response = as_dispatcher.get(CHANGELIST, {"book__id__exact": book.pk})
    assert positions_shown(response) == ["1", "2", "3"]
    assert [r.pk for r in response.context["cl"].result_list] == [early.pk, middle.pk, late.pk]
    assert "45810.02" in response.content.decode()

    unfiltered = as_dispatcher.get(CHANGELIST)
    assert set(positions_shown(unfiltered)) == {"—"}


def test_the_list_of_one_book_runs_a_constant_number_of_queries(as_dispatcher, book):
    url = f"{CHANGELIST}?book__id__exact={book.pk}"

    def queries():
        as_dispatcher.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert as_dispatcher.get(url).status_code == 200
        return len(captured)

    BookRegistrationFactory.create_batch(2, book=book)
    few = queries()
    BookRegistrationFactory.create_batch(20, book=book)
    assert queries() == few


def test_the_book_list_shows_live_counts(as_dispatcher, dispatcher, book, register):
    out_of_work, short_call, dispatched = register(book), register(book), register(book)
    register(book)
    services.registration_dispatch(registration_id=short_call.pk, by=dispatcher, short_call=True)
    services.registration_dispatch(registration_id=dispatched.pk, by=dispatcher, short_call=False)
    services.registration_remove(registration_id=out_of_work.pk, by=dispatcher, reason="Entered twice")
    response = as_dispatcher.get(reverse("admin:referral_referralbook_changelist"), {"q": book.code})
    (row,) = response.context["cl"].result_list
    assert (row.out_of_work_count, row.short_call_count, row.dispatched_count) == (1, 1, 1)


def test_an_officer_changes_a_books_rule_and_history_names_them(client, officer, book):
    client.force_login(officer)
    url = reverse("admin:referral_referralbook_change", args=[book.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items() if v is not False}
    data["re_sign_days"] = 21
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    book.refresh_from_db()
    assert book.re_sign_days == 21
    assert book.history.first().history_user == officer


def test_a_dispatcher_cannot_change_a_book(as_dispatcher, book):
    url = reverse("admin:referral_referralbook_change", args=[book.pk])
    assert as_dispatcher.get(url).status_code == 200  # view only
    assert as_dispatcher.post(url, {"re_sign_days": 21}).status_code == 403


def revert(client, obj, version):
    """POST the history page of one version (simple-history's "Revert"), as the page would."""
    opts = obj._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_simple_history", args=[obj.pk, version.history_id])
    response = client.get(url)
    assert response.status_code == 200
    form = response.context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    return client.post(url, {k: "" if v is None else v for k, v in data.items() if v is not False})


def test_no_one_reverts_a_book_from_its_history(client, officer, dispatcher, book):
    """A revert would skip the services; officers change settings on the change page."""
    for days in (21, 14):
        book.re_sign_days, book._history_user = days, officer
        book.save()
    at_21 = book.history.get(re_sign_days=21)
    for user in (dispatcher, officer):
        client.force_login(user)
        assert revert(client, book, at_21).status_code == 403
    assert ReferralBook.objects.get(pk=book.pk).re_sign_days == 14


def test_no_one_reverts_a_registration_from_its_history(client, dispatcher, book, register):
    registration = register(book)
    services.registration_remove(registration_id=registration.pk, by=dispatcher, reason="Entered twice")
    client.force_login(StaffFactory(groups=["admin"]))
    registered = registration.history.get(status=RegistrationStatus.REGISTERED)
    assert revert(client, registration, registered).status_code == 403
    assert BookRegistration.objects.get(pk=registration.pk).status == RegistrationStatus.REMOVED


def test_the_history_pages_render(as_dispatcher, dispatcher, book, register):
    registration = register(book)
    services.daily_book_maintenance(today=MONDAY, by=dispatcher)
    for obj in (book, registration, registration.activities.get(), book.maintenance_runs.get(),
                Holiday.objects.first()):  # fmt: skip
        opts = obj._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[obj.pk])
        assert as_dispatcher.get(url).status_code == 200, url


def test_nothing_in_referral_can_be_deleted_even_by_an_admin(rf):
    user = StaffFactory(groups=["admin"])
    request = rf.get("/")
    request.user = user
    referral_admins = [a for m, a in admin.site._registry.items() if m._meta.app_label == "referral"]
    assert len(referral_admins) == 7
    assert not [a for a in referral_admins if a.has_delete_permission(request)]


# --- Books and tiers ---


def test_an_officer_adds_a_tier_with_its_own_rules_and_the_referral_order_walks_it_last(as_officer, register):
    response = as_officer.post(
        reverse("admin:referral_referralbook_add"),
        {
            "code": "WIRE_SEA_5", "name": "Inside Wireperson — Seattle Book 5", "classification": "inside_wireperson",
            "region": "seattle", "book_number": 5, "laborpower_name": "WIRE SEATTLE", "is_active": "on",
            "referral_start_time": "08:30", "re_sign_days": 45, "re_sign_window_days": 7, "grace_period_days": 1,
            "check_marks_allowed": 2, "max_days_on_book": 90, "max_exempt_days": 183,
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    tier_5 = ReferralBook.objects.get(code="WIRE_SEA_5")
    assert (tier_5.laborpower_name, tier_5.book_number, tier_5.re_sign_days) == ("WIRE SEATTLE", 5, 45)
    assert tier_5.history.get().history_user.groups.filter(name="officer").exists()
    oldest = register(tier_5, apn="40000.01")
    newest = register(ReferralBook.objects.get(code="WIRE_SEA_4"), apn="46000.01")
    listing = selectors.referral_list(classification="inside_wireperson", region="seattle")
    assert list(listing) == [newest, oldest]  # tier 4 before tier 5, whatever the APN
    assert oldest.re_sign_due == timezone.localdate(oldest.registered_at) + datetime.timedelta(days=45)


def test_a_dispatcher_cannot_add_a_book(as_dispatcher):
    assert as_dispatcher.get(reverse("admin:referral_referralbook_add")).status_code == 403


def book_form(**fields) -> dict:
    return {
        "classification": "inside_wireperson", "region": "seattle", "referral_start_time": "08:30",
        "re_sign_days": 30, "re_sign_window_days": 7, "grace_period_days": 1, "check_marks_allowed": 2,
        "max_days_on_book": 90, "max_exempt_days": 183, **fields,
    }  # fmt: skip


def test_two_books_with_one_laborpower_name_and_tier_are_refused(as_officer):
    url = reverse("admin:referral_referralbook_add")
    first = book_form(code="WIRE_SEA_9", name="Nine", book_number=9, laborpower_name="WIRE SEATTLE")
    assert as_officer.post(url, first).status_code == 302
    again = book_form(code="WIRE_BRE_9", name="Nine", book_number=9, laborpower_name="WIRE SEATTLE", region="bremerton")
    response = as_officer.post(url, again)
    assert response.status_code == 200
    assert "LaborPower name and tier" in response.content.decode()
    assert not ReferralBook.objects.filter(code="WIRE_BRE_9").exists()


def test_a_second_classification_is_refused_on_the_form_and_an_officer_overrides_it(
    client, dispatcher, officer, book, register
):
    member = MemberFactory()
    register(book, member=member)
    tech = ReferralBook.objects.get(code="TECH_SEA_1")
    client.force_login(dispatcher)
    response = client.post(reverse("admin:referral_bookregistration_add"), {"member": member.pk, "book": tech.pk})
    assert response.status_code == 200
    assert "An officer may register them with a reason." in str(response.context["adminform"].form.errors)
    client.force_login(officer)
    response = client.post(
        reverse("admin:referral_bookregistration_add"),
        {"member": member.pk, "book": tech.pk, "override_reason": "Holds the EL06 and is out of wire work"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert BookRegistration.objects.filter(member=member, book=tech).exists()
