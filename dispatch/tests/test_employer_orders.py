"""Employers' job orders (issue 22, item 4; decision 0044): an employer's supervisor sends the hall
a labor request from the portal under the rules of a call taken by phone; it waits for a
dispatcher to accept or correct it; the employer sees its requests and who was dispatched, and
calls one off."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from dispatch import selectors, services
from dispatch.enums import JobRequestStatus
from dispatch.models import JobRequest
from dispatch.tests.factories import EmployerFactory, EmployerUserFactory
from members.tests.factories import MemberFactory
from unioncore.errors import RuleViolation
from unioncore.testing import at

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 12, 7)
TUESDAY = MONDAY + datetime.timedelta(days=1)
WEDNESDAY = MONDAY + datetime.timedelta(days=2)
ORDERS = "/portal/orders/"
NEW = "/portal/orders/new/"


@pytest.fixture
def supervisor(db):
    return EmployerUserFactory(employer=EmployerFactory(name="Sound Electric"), role="supervisor").user


@pytest.fixture
def morning():
    with time_machine.travel(at(MONDAY, 10), tick=False) as traveller:
        yield traveller


def order_form(**overrides) -> dict:
    form = {
        "book_classification": "inside_wireperson", "region": "seattle", "job_class": "journeyman",
        "workers_wanted": "2", "start_date": WEDNESDAY.isoformat(), "report_time": "07:00",
        "worksite": "1201 3rd Ave, Seattle", "category": "normal", "notes": "Ask for Dana at the gate",
    }  # fmt: skip
    form.update(overrides)
    return form


def submit(client, user, **overrides):
    client.force_login(user)
    return client.post(NEW, order_form(**overrides))


def test_a_supervisor_sends_an_order_that_waits_for_the_hall(client, supervisor, morning, book):
    response = submit(client, supervisor)
    assert response.status_code == 302
    order = JobRequest.objects.get()
    assert order.status == JobRequestStatus.SUBMITTED
    assert order.employer == supervisor.employer_user.employer
    assert order.workers_wanted == 2
    assert order.taken_by == supervisor
    referred = services.referral_time(taken_at=at(MONDAY, 10), start_time=book.referral_start_time)
    assert timezone.localdate(referred) == TUESDAY
    assert order.refer_at == referred, "referred the next morning"
    assert order.history.first().history_user == supervisor
    page = client.get(ORDERS).content.decode()
    assert f"#{order.pk}" in page
    assert "Waiting for the hall to accept it." in page


def test_an_order_nobody_accepted_is_never_referred_nor_bid_on(client, supervisor, morning, dispatcher):
    submit(client, supervisor)
    order = JobRequest.objects.get()
    with pytest.raises(RuleViolation):
        services.referral_run(job_request_id=order.pk, by=dispatcher)
    assert not selectors.unfilled_after_referral(now=at(WEDNESDAY, 12)).exists()


def test_after_3_pm_the_page_says_the_order_goes_to_the_morning_after(client, supervisor, book):
    with time_machine.travel(at(MONDAY, 15).replace(minute=30), tick=False):
        client.force_login(supervisor)
        page = client.get(NEW).content.decode()
        assert "It is past 3:00 PM" in page
        assert "Wednesday, Dec 9" in page
        client.post(NEW, order_form(start_date=(MONDAY + datetime.timedelta(days=3)).isoformat()))
    assert JobRequest.objects.get().refer_at.date() == WEDNESDAY


def test_before_3_pm_the_page_says_the_next_morning(client, supervisor, morning):
    client.force_login(supervisor)
    page = client.get(NEW).content.decode()
    assert "It is past" not in page
    assert "Tuesday, Dec 8" in page


def test_the_page_and_the_order_follow_the_halls_cut_off(client, supervisor, morning, book, officer):
    # An officer moves the cut-off to 9 AM (the console's Hall settings): at 10 an order is late.
    services.hall_settings_save(by=officer, request_cutoff=datetime.time(9, 0))
    client.force_login(supervisor)
    page = client.get(NEW).content.decode()
    assert "It is past 9:00 AM" in page
    assert "Wednesday, Dec 9" in page
    client.post(NEW, order_form(start_date=(MONDAY + datetime.timedelta(days=3)).isoformat()))
    assert timezone.localdate(JobRequest.objects.get().refer_at) == WEDNESDAY


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"start_date": (MONDAY - datetime.timedelta(days=1)).isoformat()}, "is in the past."),
        # Sent Monday morning: referred Tuesday at 8:30, so a start Tuesday at 7:00 is too early (rule L2c).
        ({"start_date": (MONDAY + datetime.timedelta(days=1)).isoformat()}, "referral time (Tue 8 Dec 08:30)"),
        ({"workers_wanted": "0"}, "greater than or equal to 1"),
        ({"by_name_cards": "0004521"}, "needs the anti-collusion attestation"),
        ({"by_name_cards": "9999999", "by_name_attested": "on"}, "No member has the card number 9999999."),
        ({"category": "pla"}, "needs its priority-hire ZIP codes"),
        ({"is_short_call": "on", "expected_days": "15"}, "A short call lasts 10 days or less."),
    ],
)
def test_an_order_the_rules_refuse_says_why_and_sends_nothing(client, supervisor, morning, overrides, message):
    MemberFactory(card_number="0004521")
    response = submit(client, supervisor, **overrides)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "There is a problem" in response.content.decode() or "error-summary" in response.content.decode()
    assert not JobRequest.objects.exists()


def test_a_by_name_order_with_the_attestation_names_the_members(client, supervisor, morning):
    named = MemberFactory(card_number="0004521")
    submit(client, supervisor, by_name_cards="0004521", by_name_attested="on")
    order = JobRequest.objects.get()
    assert list(order.by_name_members.all()) == [named]
    assert order.by_name_attested


def test_only_an_employers_user_sends_orders(client, morning, dispatcher):
    client.force_login(dispatcher)
    assert client.post(NEW, order_form()).status_code == 403
    assert not JobRequest.objects.exists()
    with pytest.raises(RuleViolation):
        services.job_order_submit(by=dispatcher, **_service_fields())


def _service_fields() -> dict:
    return {
        "book_classification": "inside_wireperson", "region": "seattle", "workers_wanted": 1,
        "start_date": WEDNESDAY, "report_time": datetime.time(7), "worksite": "Pier 91",
    }  # fmt: skip


def _order(supervisor) -> JobRequest:
    return services.job_order_submit(by=supervisor, **_service_fields())


def test_the_dispatcher_accepts_employer_orders_from_the_console_filter(client, supervisor, morning, dispatcher):
    order = _order(supervisor)
    phoned = services.job_request_create(by=dispatcher, employer_id=order.employer_id, **_service_fields())
    client.force_login(dispatcher)
    url = reverse("admin:dispatch_jobrequest_changelist")
    listed = client.get(url, {"orders": "to_accept"}).content.decode()
    assert f"#{order.pk}" in listed
    assert f"#{phoned.pk}<" not in listed
    client.post(url, {"action": "accept_orders", "_selected_action": [order.pk], "index": 0})
    order = JobRequest.objects.get(pk=order.pk)
    assert order.status == JobRequestStatus.OPEN
    assert order.history.first().history_user == dispatcher
    run = services.referral_run(job_request_id=order.pk, by=dispatcher)
    assert run.job_request_id == order.pk


def test_an_order_is_accepted_once(supervisor, morning, dispatcher):
    order = _order(supervisor)
    services.job_order_accept(job_request_id=order.pk, by=dispatcher)
    with pytest.raises(RuleViolation) as refused:
        services.job_order_accept(job_request_id=order.pk, by=dispatcher)
    assert refused.value.code == "not_an_order_to_accept"


def test_the_employer_cannot_accept_its_own_order(supervisor, morning):
    order = _order(supervisor)
    with pytest.raises(RuleViolation):
        services.job_order_accept(job_request_id=order.pk, by=supervisor)
    assert JobRequest.objects.get(pk=order.pk).status == JobRequestStatus.SUBMITTED


def test_the_dispatcher_corrects_an_order_from_the_add_page_it_prefills(client, supervisor, morning, dispatcher):
    order = _order(supervisor)
    client.force_login(dispatcher)
    add = reverse("admin:dispatch_jobrequest_add") + f"?corrects={order.pk}"
    page = client.get(add).content.decode()
    assert 'value="Pier 91"' in page, "the form starts from the employer's order"
    form = {
        "employer": order.employer_id, "book_classification": "inside_wireperson", "region": "seattle",
        "job_class": "journeyman", "workers_wanted": 3, "start_date": WEDNESDAY.isoformat(), "report_time": "07:00",
        "worksite": "Pier 91, gate B", "category": "normal", "correction_reason": "3 workers, as agreed by phone",
    }  # fmt: skip
    response = client.post(add, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    order = JobRequest.objects.get(pk=order.pk)
    corrected = order.corrected_as
    assert order.status == JobRequestStatus.CANCELLED
    assert corrected.status == JobRequestStatus.OPEN
    assert (corrected.workers_wanted, corrected.worksite) == (3, "Pier 91, gate B")
    assert corrected.taken_at == order.taken_at, "the 3 PM cut-off counts from the employer's order"
    assert "3 workers, as agreed by phone" in corrected.notes

    client.force_login(supervisor)
    mine = client.get(ORDERS).content.decode()
    assert f"The hall corrected this order: see request #{corrected.pk}." in mine


def test_a_correction_needs_a_reason_and_keeps_the_employer(supervisor, morning, dispatcher):
    order = _order(supervisor)
    with pytest.raises(RuleViolation):
        services.job_order_correct(job_request_id=order.pk, by=dispatcher, reason=" ", **_service_fields())
    with pytest.raises(RuleViolation) as refused:
        services.job_order_correct(
            job_request_id=order.pk, by=dispatcher, reason="x", employer_id=EmployerFactory().pk, **_service_fields()
        )
    assert refused.value.code == "order_employer"
    assert JobRequest.objects.count() == 1
    assert JobRequest.objects.get().status == JobRequestStatus.SUBMITTED


def test_the_employer_sees_who_was_dispatched(client, supervisor, morning, dispatcher, book, register):
    order = _order(supervisor)
    member = MemberFactory(first_name="Ada", last_name="Okafor")
    registration = register(book, member=member, when=at(MONDAY - datetime.timedelta(days=30), 8))
    services.job_order_accept(job_request_id=order.pk, by=dispatcher)
    run = services.referral_run(job_request_id=order.pk, by=dispatcher)
    offer = services.dispatch_offer(job_request_id=order.pk, registration_id=registration.pk, by=dispatcher, run=run)
    client.force_login(supervisor)
    page = client.get(ORDERS).content.decode()
    assert "Okafor" not in page, "an offer not yet accepted names nobody"
    assert "1 offered, waiting for an answer" in page
    services.dispatch_accept(dispatch_id=offer.pk, by=dispatcher)
    page = client.get(ORDERS).content.decode()
    assert "Ada Okafor" in page


def test_the_employer_calls_off_an_order(client, supervisor, morning):
    order = _order(supervisor)
    client.force_login(supervisor)
    cancel = f"/portal/orders/{order.pk}/cancel/"
    assert client.post(cancel, {"reason": ""}).status_code == 200
    assert JobRequest.objects.get(pk=order.pk).status == JobRequestStatus.SUBMITTED
    assert client.post(cancel, {"reason": "The owner postponed the job"}).status_code == 302
    assert JobRequest.objects.get(pk=order.pk).status == JobRequestStatus.CANCELLED


def test_another_employers_request_is_not_found(client, supervisor, morning):
    order = _order(supervisor)
    outsider = EmployerUserFactory(role="manager").user
    client.force_login(outsider)
    assert client.post(f"/portal/orders/{order.pk}/cancel/", {"reason": "mine now"}).status_code == 404
    assert f"#{order.pk}" not in client.get(ORDERS).content.decode()
    assert JobRequest.objects.get(pk=order.pk).status == JobRequestStatus.SUBMITTED


def test_an_order_with_members_on_the_job_is_not_called_off(client, supervisor, morning, dispatcher, book, register):
    order = _order(supervisor)
    registration = register(book, when=at(MONDAY - datetime.timedelta(days=30), 8))
    services.job_order_accept(job_request_id=order.pk, by=dispatcher)
    run = services.referral_run(job_request_id=order.pk, by=dispatcher)
    offer = services.dispatch_offer(job_request_id=order.pk, registration_id=registration.pk, by=dispatcher, run=run)
    services.dispatch_accept(dispatch_id=offer.pk, by=dispatcher)
    client.force_login(supervisor)
    assert f"/portal/orders/{order.pk}/cancel/" not in client.get(ORDERS).content.decode()
    response = client.post(f"/portal/orders/{order.pk}/cancel/", {"reason": "changed our mind"})
    assert "Members are on this job" in response.content.decode()
    assert JobRequest.objects.get(pk=order.pk).status != JobRequestStatus.CANCELLED


def test_an_order_nobody_accepted_expires_after_its_start_without_check_marks(
    supervisor, morning, system_user, book, register
):
    registration = register(book, when=at(MONDAY - datetime.timedelta(days=30), 8))
    order = _order(supervisor)
    assert services.job_requests_expire(today=WEDNESDAY + datetime.timedelta(days=1), by=system_user) == 1
    assert JobRequest.objects.get(pk=order.pk).status == JobRequestStatus.EXPIRED
    registration.refresh_from_db()
    assert registration.check_marks == 0


# --- An order accepted late is checked as a call (rule L2c; decision 0059) ---

CHANGELIST = reverse("admin:dispatch_jobrequest_changelist")


def test_an_order_accepted_after_its_start_is_refused_and_an_officer_accepts_it_with_a_reason(
    client, supervisor, morning, dispatcher, officer
):
    order = _order(supervisor)  # Wednesday at 7:00, sent Monday 10:00
    morning.move_to(at(WEDNESDAY, 8))  # nobody accepted it in time
    client.force_login(dispatcher)
    response = client.post(
        CHANGELIST, {"action": "accept_orders", "_selected_action": [order.pk], "index": 0}, follow=True
    )
    assert "The start (Wed 9 Dec 07:00) is in the past." in response.content.decode()
    assert JobRequest.objects.get(pk=order.pk).status == JobRequestStatus.SUBMITTED
    with pytest.raises(RuleViolation) as refused:
        services.job_order_accept(job_request_id=order.pk, by=dispatcher, override_reason="They are waiting")
    assert refused.value.code == "officer_only"
    assert "accept_orders_overridden" not in client.get(CHANGELIST).content.decode(), "an officer's action"

    client.force_login(officer)
    chosen = {"action": "accept_orders_overridden", "_selected_action": [order.pk], "index": 0}
    asked = client.post(CHANGELIST, chosen)
    assert "Officer&#x27;s override" in asked.content.decode() or "Officer's override" in asked.content.decode()
    client.post(CHANGELIST, {**chosen, "_apply_action": "yes", "override_reason": "The crew is on site already"})
    accepted = JobRequest.objects.get(pk=order.pk)
    assert (accepted.status, accepted.override_reason) == (JobRequestStatus.OPEN, "The crew is on site already")
    assert accepted.history.first().history_user == officer


def test_an_order_accepted_late_is_refused_with_the_codes_of_a_call(supervisor, dispatcher):
    with time_machine.travel(at(MONDAY, 10), tick=False) as clock:
        order = services.job_order_submit(by=supervisor, **{**_service_fields(), "start_date": WEDNESDAY})
        clock.move_to(at(WEDNESDAY, 7).replace(minute=1))
        with pytest.raises(RuleViolation) as refused:
            services.job_order_accept(job_request_id=order.pk, by=dispatcher)
    assert (refused.value.code, refused.value.error.rule) == ("start_in_past", "L2c")
    assert JobRequest.objects.get(pk=order.pk).status == JobRequestStatus.SUBMITTED


def test_an_order_accepted_in_its_bidding_window_takes_bids_from_then(supervisor, dispatcher):
    with time_machine.travel(at(MONDAY, 10), tick=False) as clock:
        order = _order(supervisor)  # referred Tuesday 8:30; its book's window Monday 17:30 – Tuesday 7:00
        clock.move_to(at(MONDAY, 19))
        accepted = services.job_order_accept(job_request_id=order.pk, by=dispatcher)
    assert timezone.localtime(accepted.bidding_opens_at) == at(MONDAY, 19), "no bids while it waited for the hall"
    assert timezone.localtime(accepted.bidding_closes_at) == at(TUESDAY, 7)


def test_a_correction_made_after_the_order_s_start_is_refused_on_the_start(client, supervisor, morning, dispatcher):
    order = _order(supervisor)
    morning.move_to(at(WEDNESDAY, 8))
    client.force_login(dispatcher)
    form = {
        "employer": order.employer_id, "book_classification": "inside_wireperson", "region": "seattle",
        "job_class": "journeyman", "workers_wanted": 3, "start_date": WEDNESDAY.isoformat(), "report_time": "07:00",
        "worksite": "Pier 91, gate B", "category": "normal", "correction_reason": "3 workers",
    }  # fmt: skip
    response = client.post(reverse("admin:dispatch_jobrequest_add") + f"?corrects={order.pk}", form)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["start_date"] == ["The start (Wed 9 Dec 07:00) is in the past."]
    assert JobRequest.objects.get().status == JobRequestStatus.SUBMITTED
