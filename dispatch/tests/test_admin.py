"""The dispatch console: staff take requests, run the referral order, offer, accept, decline and
end dispatches only through the services (the add pages and the actions); what a rule refuses is
shown and nothing is written."""

import datetime
import re

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dispatch import services
from dispatch.enums import DispatchStatus, DispatchType, JobRequestStatus
from dispatch.models import Dispatch, Employer, EmployerBar, JobRequest, ReferralRun
from dispatch.tests.conftest import MONDAY
from dispatch.tests.factories import (
    DispatchFactory,
    EmployerBarFactory,
    EmployerContractFactory,
    EmployerFactory,
    JobBidFactory,
    JobRequestFactory,
    ReferralCandidateFactory,
    ReferralRunFactory,
    ReferralSuspensionFactory,
)
from members.tests.factories import MemberFactory
from referral.enums import RegistrationStatus
from referral.models import BookRegistration
from unioncore.testing import at
from unioncore.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

TUESDAY = MONDAY + datetime.timedelta(days=1)
WEDNESDAY = MONDAY + datetime.timedelta(days=2)  # a start after Tuesday's 8:30 referral (rule L2c)
REQUESTS = reverse("admin:dispatch_jobrequest_changelist")
DISPATCHES = reverse("admin:dispatch_dispatch_changelist")


@pytest.fixture
def as_dispatcher(client, dispatcher, clock):
    client.force_login(dispatcher)
    return client


def act(client, url, action, rows, **form):
    """Run a changelist action; with `form`, answer its intermediate page as well."""
    data = {"action": action, "_selected_action": [r.pk for r in rows]}
    if form:
        data |= {"_apply_action": "yes", **form}
    else:
        data |= {"index": 0}
    return client.post(url, data, follow=True)


def shown(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def text(response) -> str:
    """The page as a person reads it: tags dropped, whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def offer(request, registration, by):
    return services.dispatch_offer(job_request_id=request.pk, registration_id=registration.pk, by=by)


def reg(registration):
    return BookRegistration.objects.get(pk=registration.pk)


# --- Taking a request ---


def add_form(employer, **overrides):
    return {
        "employer": employer.pk, "book_classification": "inside_wireperson", "region": "seattle",
        "job_class": "journeyman", "workers_wanted": 2, "start_date": WEDNESDAY.isoformat(), "report_time": "07:00",
        "worksite": "Pier 91", "expected_days": "", "category": "normal", "priority_zip_codes": "",
        "wage_rate": "58.50", "notes": "", **overrides,
    }  # fmt: skip


def test_a_dispatcher_takes_a_request_from_the_add_page(as_dispatcher, dispatcher, employer):
    response = as_dispatcher.post(reverse("admin:dispatch_jobrequest_add"), add_form(employer))
    assert response.status_code == 302, text(response)[:3000]
    request = JobRequest.objects.get()
    assert (request.employer, request.workers_wanted, request.start_date) == (employer, 2, WEDNESDAY)
    assert request.taken_by == dispatcher
    assert timezone.localtime(request.refer_at) == at(TUESDAY, 8).replace(minute=30)  # taken Monday 9 AM
    assert request.history.get().history_user == dispatcher


def test_a_start_date_in_the_past_is_refused_on_its_field_and_nothing_is_written(as_dispatcher, employer):
    yesterday = MONDAY - datetime.timedelta(days=1)
    response = as_dispatcher.post(
        reverse("admin:dispatch_jobrequest_add"), add_form(employer, start_date=yesterday.isoformat())
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"start_date": ["The start (Sun 6 Dec 07:00) is in the past."]}
    assert not JobRequest.objects.exists()


def test_a_by_name_request_without_the_attestation_is_refused_naming_the_rule(as_dispatcher, employer):
    named = MemberFactory()
    response = as_dispatcher.post(
        reverse("admin:dispatch_jobrequest_add"), add_form(employer, by_name_members=[named.pk])
    )
    assert response.status_code == 200
    assert "anti-collusion attestation" in text(response)
    assert not JobRequest.objects.exists()


# --- Running the referral order ---


def test_run_referral_opens_the_ranked_list_with_the_skip_reasons(
    as_dispatcher, book, register, make_request, employer
):
    barred = register(book, apn="46000.01")
    EmployerBar.objects.create(employer=employer, member=barred.member, reason="safety violation")
    first = register(book, apn="46000.02")
    request = make_request()
    response = act(as_dispatcher, REQUESTS, "run_referral", [request])
    run = ReferralRun.objects.get()
    assert response.redirect_chain == [(reverse("admin:dispatch_referralrun_change", args=[run.pk]), 302)]
    assert "1 referred, 1 skipped" in " ".join(shown(response))
    page = text(response)
    skipped = rf"1 {re.escape(str(barred.member))} 46000\.01 1 Skipped \(not eligible\) Barred from this employer"
    referred = rf"2 {re.escape(str(first.member))} 46000\.02 1 Referred"
    assert re.search(f"{skipped} .*{referred}", page), page
    assert not Dispatch.objects.exists()  # a run only ranks; offering is its own step


def test_the_ranked_list_prints_each_apn_with_its_two_decimals(as_dispatcher, dispatcher, book, register, make_request):
    register(book, apn="45810.20")
    run = services.referral_run(job_request_id=make_request().pk, by=dispatcher)
    page = text(as_dispatcher.get(reverse("admin:dispatch_referralrun_change", args=[run.pk])))
    assert "45810.20" in page


def test_run_referral_on_a_filled_request_is_refused_with_a_message_and_writes_nothing(
    as_dispatcher, dispatcher, book, register, make_request
):
    request = make_request()
    services.dispatch_accept(dispatch_id=offer(request, register(book), dispatcher).pk, by=dispatcher)
    runs = ReferralRun.objects.count()  # the offer's own
    response = act(as_dispatcher, REQUESTS, "run_referral", [request])
    assert shown(response) == [f"Request #{request.pk}: Request {request.pk} is filled."]
    assert ReferralRun.objects.count() == runs


# --- One click dispatch ---


def test_offering_asks_first_then_offers_to_the_next_eligible_members_in_order(
    as_dispatcher, book, register, make_request, employer
):
    barred = register(book, apn="46000.01")
    EmployerBar.objects.create(employer=employer, member=barred.member, reason="safety violation")
    first, second, third = (register(book, apn=f"46000.0{n}") for n in (2, 3, 4))
    request = make_request(workers_wanted=2)

    asked = act(as_dispatcher, REQUESTS, "offer_next", [request])
    assert "Run referral and offer" in asked.content.decode()
    assert not ReferralRun.objects.exists()

    response = act(as_dispatcher, REQUESTS, "offer_next", [request], emergency="")
    run = ReferralRun.objects.get()
    dispatches = Dispatch.objects.order_by("id")
    assert [d.member_id for d in dispatches] == [first.member_id, second.member_id]
    assert {(d.status, d.type, d.referral_run_id) for d in dispatches} == {
        (DispatchStatus.PENDING, DispatchType.NORMAL, run.pk)
    }
    assert "2 referred, 1 skipped; offered to" in " ".join(shown(response))
    assert third.member_id not in {d.member_id for d in dispatches}


def test_an_emergency_offer_is_an_officers_and_recorded_as_one(client, officer, book, register, make_request):
    register(book)
    client.force_login(officer)
    act(client, REQUESTS, "offer_next", [make_request()], emergency="on")
    dispatch = Dispatch.objects.get()
    assert (dispatch.type, dispatch.history.first().history_user) == (DispatchType.EMERGENCY, officer)


def test_a_dispatcher_cannot_make_an_emergency_referral(as_dispatcher, book, register, make_request):
    register(book)
    request = make_request()
    response = act(as_dispatcher, REQUESTS, "offer_next", [request], emergency="on")
    assert any(m.endswith("An emergency referral is an officer's action.") for m in shown(response))
    assert not Dispatch.objects.exists()


def test_offering_on_a_filled_request_is_refused_and_writes_nothing(
    as_dispatcher, dispatcher, book, register, make_request
):
    request = make_request()
    services.dispatch_accept(dispatch_id=offer(request, register(book), dispatcher).pk, by=dispatcher)
    register(book)
    runs = ReferralRun.objects.count()  # the first offer's
    response = act(as_dispatcher, REQUESTS, "offer_next", [request], emergency="")
    assert shown(response) == [f"{request}: Request {request.pk} is filled."]
    assert (Dispatch.objects.count(), ReferralRun.objects.count()) == (1, runs)


def test_take_bids_offers_the_job_to_the_bidder(as_dispatcher, book, register, make_request):
    register(book, apn="46000.01")  # ahead on the book, but no bid
    bidder = register(book, apn="46000.02")
    request = make_request()
    bid = JobBidFactory(job_request=request, registration=bidder)
    response = act(as_dispatcher, REQUESTS, "take_bids", [request])
    dispatch = Dispatch.objects.get()
    assert (dispatch.member_id, dispatch.bid_id) == (bidder.member_id, bid.pk)
    assert "offered to" in " ".join(shown(response))


# --- Answering and ending a dispatch ---


def test_accept_from_the_dispatch_log(as_dispatcher, dispatcher, book, register, make_request):
    registration = register(book)
    request = make_request()
    dispatch = offer(request, registration, dispatcher)
    response = act(as_dispatcher, DISPATCHES, "accept", [dispatch])
    assert shown(response) == ["1 dispatch(es) accepted."]
    assert Dispatch.objects.get().status == DispatchStatus.ACCEPTED
    assert JobRequest.objects.get().status == JobRequestStatus.FILLED
    assert reg(registration).status == RegistrationStatus.DISPATCHED
    assert Dispatch.objects.get().history.latest().history_user == dispatcher


def test_both_offers_of_a_request_for_two_are_accepted(as_dispatcher, book, register, make_request):
    register(book)
    register(book)
    act(as_dispatcher, REQUESTS, "offer_next", [make_request(workers_wanted=2)], emergency="")
    response = act(as_dispatcher, DISPATCHES, "accept", Dispatch.objects.all())
    assert shown(response) == ["2 dispatch(es) accepted."]
    assert set(Dispatch.objects.values_list("status", flat=True)) == {DispatchStatus.ACCEPTED}


def test_accepting_a_declined_offer_is_refused_and_writes_nothing(
    as_dispatcher, dispatcher, book, register, make_request
):
    dispatch = offer(make_request(), register(book), dispatcher)
    services.dispatch_decline(dispatch_id=dispatch.pk, by=dispatcher, kind="employer_rejection")
    versions = dispatch.history.count()
    response = act(as_dispatcher, DISPATCHES, "accept", [dispatch])
    assert shown(response) == [f"{Dispatch.objects.get()}: This dispatch is declined."]
    assert Dispatch.objects.get().status == DispatchStatus.DECLINED
    assert dispatch.history.count() == versions


def test_a_decline_asks_how_first_then_gives_a_check_mark(as_dispatcher, book, register, make_request, dispatcher):
    registration = register(book)
    dispatch = offer(make_request(), registration, dispatcher)
    asked = act(as_dispatcher, DISPATCHES, "decline", [dispatch])
    assert "Declined how" in asked.content.decode()
    assert Dispatch.objects.get().status == DispatchStatus.PENDING

    response = act(as_dispatcher, DISPATCHES, "decline", [dispatch], kind="no_answer", no_check_mark_reason="")
    assert shown(response) == ["1 dispatch(es) declined."]
    declined = Dispatch.objects.get()
    assert (declined.status, declined.decline_kind) == (DispatchStatus.DECLINED, "no_answer")
    assert reg(registration).check_marks == 1


@pytest.mark.parametrize(("kind", "no_check_mark_reason"), [("employer_rejection", ""), ("declined", "early_start")])
def test_an_employer_rejection_or_an_excused_decline_gives_no_check_mark(
    as_dispatcher, book, register, make_request, dispatcher, kind, no_check_mark_reason
):
    registration = register(book)
    dispatch = offer(make_request(), registration, dispatcher)
    act(as_dispatcher, DISPATCHES, "decline", [dispatch], kind=kind, no_check_mark_reason=no_check_mark_reason)
    assert Dispatch.objects.get().status == DispatchStatus.DECLINED
    registration = reg(registration)
    assert (registration.check_marks, registration.status) == (0, RegistrationStatus.REGISTERED)


def on_the_job(request, registration, by):
    return services.dispatch_accept(dispatch_id=offer(request, registration, by).pk, by=by)


def test_end_a_job_with_a_layoff(as_dispatcher, book, register, make_request, dispatcher):
    dispatch = on_the_job(make_request(), register(book), dispatcher)
    response = act(as_dispatcher, DISPATCHES, "end", [dispatch], end_reason="laid_off", end_date="2026-12-08")
    assert shown(response) == ["1 dispatch(es) ended."]
    ended = Dispatch.objects.get()
    assert (ended.status, ended.end_reason, ended.end_date) == (DispatchStatus.COMPLETED, "laid_off", TUESDAY)


def test_a_quit_ends_the_dispatch_and_rolls_the_member_off(as_dispatcher, book, register, make_request, dispatcher):
    registration = register(book)
    dispatch = on_the_job(make_request(), registration, dispatcher)
    act(as_dispatcher, DISPATCHES, "end", [dispatch], end_reason="quit", end_date="2026-12-08")
    assert Dispatch.objects.get().status == DispatchStatus.TERMINATED
    assert reg(registration).status == RegistrationStatus.ROLLED_OFF


def test_an_end_date_before_the_start_is_refused_and_writes_nothing(
    as_dispatcher, book, register, make_request, dispatcher
):
    dispatch = on_the_job(make_request(), register(book), dispatcher)
    response = act(as_dispatcher, DISPATCHES, "end", [dispatch], end_reason="laid_off", end_date="2026-12-07")
    assert shown(response) == [f"{dispatch}: The end date is before the start date."]
    assert Dispatch.objects.get().status == DispatchStatus.ACCEPTED


def test_an_end_without_a_reason_shows_the_form_again(as_dispatcher, book, register, make_request, dispatcher):
    dispatch = on_the_job(make_request(), register(book), dispatcher)
    response = act(as_dispatcher, DISPATCHES, "end", [dispatch], end_reason="", end_date="2026-12-08")
    assert "This field is required." in response.content.decode()
    assert Dispatch.objects.get().status == DispatchStatus.ACCEPTED


# --- The dispatch log ---


def test_the_day_book_lists_the_offers_of_the_day(as_dispatcher, book, register, make_request, dispatcher, clock):
    clock.move_to(at(MONDAY - datetime.timedelta(days=3), 11))  # the Friday before
    friday = offer(make_request(taken_at=timezone.now()), register(book), dispatcher)
    clock.move_to(at(MONDAY, 9))
    today = offer(make_request(), register(book), dispatcher)
    listed = {
        choice: [d.pk for d in as_dispatcher.get(DISPATCHES, {"offered": choice}).context["cl"].result_list]
        for choice in ("today", "yesterday", "week")
    }
    assert listed == {"today": [today.pk], "yesterday": [], "week": [today.pk]}
    assert friday.pk in [d.pk for d in as_dispatcher.get(DISPATCHES).context["cl"].result_list]


def test_the_dispatch_page_is_read_only_and_links_its_referral_run(as_dispatcher, book, register, make_request):
    register(book)
    act(as_dispatcher, REQUESTS, "offer_next", [make_request()], emergency="")
    dispatch, run = Dispatch.objects.get(), ReferralRun.objects.get()
    url = reverse("admin:dispatch_dispatch_change", args=[dispatch.pk])
    page = as_dispatcher.get(url).content.decode()
    assert reverse("admin:dispatch_referralrun_change", args=[run.pk]) in page
    assert 'name="status"' not in page
    assert as_dispatcher.post(url, {"status": "accepted"}).status_code == 403
    assert Dispatch.objects.get().status == DispatchStatus.PENDING


def test_a_dispatcher_has_no_add_dispatch_page_offers_go_through_the_referral(
    as_dispatcher, book, register, make_request
):
    """Decision 0043: the add page is the officer's way around the order, not the dispatcher's."""
    registration = register(book)
    request = make_request()
    response = as_dispatcher.post(
        reverse("admin:dispatch_dispatch_add"), {"job_request": request.pk, "registration": registration.pk}
    )
    assert response.status_code == 403
    assert not Dispatch.objects.exists()


def test_an_officer_offers_member_two_by_hand_only_with_a_reason_the_record_keeps(
    client, officer, clock, book, register, make_request
):
    register(book)
    second = register(book)
    request = make_request()
    client.force_login(officer)
    url = reverse("admin:dispatch_dispatch_add")
    response = client.post(url, {"job_request": request.pk, "registration": second.pk, "override_reason": ""})
    assert response.status_code == 200
    assert "This field is required." in text(response)
    assert not Dispatch.objects.exists()
    reason = "Employer's emergency: the first name is out of reach by phone"
    response = client.post(url, {"job_request": request.pk, "registration": second.pk, "override_reason": reason})
    assert response.status_code == 302, text(response)[:3000]
    dispatch = Dispatch.objects.get()
    assert (dispatch.member_id, dispatch.referral_run_id, dispatch.override_reason) == (second.member_id, None, reason)
    assert dispatch.history.get().override_reason == reason


def test_offering_an_ineligible_member_from_the_add_page_is_refused_on_the_form(
    client, officer, clock, book, register, make_request
):
    registration = register(book)
    registration.member.status = "suspended"
    registration.member.save()
    client.force_login(officer)
    response = client.post(
        reverse("admin:dispatch_dispatch_add"),
        {"job_request": make_request().pk, "registration": registration.pk, "override_reason": "Emergency call"},
    )
    assert response.status_code == 200
    assert "Member not in good standing" in text(response)
    assert not Dispatch.objects.exists()


# --- Employers and bars ---


def test_a_dispatcher_adds_an_employer_with_its_contract_codes(as_dispatcher, dispatcher):
    response = as_dispatcher.post(
        reverse("admin:dispatch_employer_add"),
        {
            "code": "E46001", "name": "Sound Electric", "status": "active", "phone": "", "email": "",
            "address_line1": "", "city": "Seattle", "state": "WA", "zip_code": "", "notes": "",
            "contracts-TOTAL_FORMS": 2, "contracts-INITIAL_FORMS": 0,
            "contracts-0-contract_code": "WIREPERSON", "contracts-1-contract_code": "RESIDENTIAL",
            "contacts-TOTAL_FORMS": 1, "contacts-INITIAL_FORMS": 0,
            "contacts-0-name": "Pat Foreman", "contacts-0-title": "Superintendent", "contacts-0-phone": "",
            "contacts-0-email": "",
            "users-TOTAL_FORMS": 0, "users-INITIAL_FORMS": 0,
        },
    )  # fmt: skip
    assert response.status_code == 302, text(response)[:3000]
    employer = Employer.objects.get(code="E46001")
    assert sorted(employer.contracts.values_list("contract_code", flat=True)) == ["RESIDENTIAL", "WIREPERSON"]
    assert employer.contacts.get().name == "Pat Foreman"
    assert employer.history.get().history_user == dispatcher


def test_the_employer_list_counts_open_requests_and_dispatches_and_filters_by_contract(
    as_dispatcher, dispatcher, book, register, make_request, employer
):
    EmployerContractFactory(employer=employer, contract_code="MARINE")
    offer(make_request(), register(book), dispatcher)
    make_request()
    other = EmployerContractFactory(contract_code="LFM").employer
    url = reverse("admin:dispatch_employer_changelist")
    rows = {
        e.pk: (e.open_request_count, e.open_dispatch_count) for e in as_dispatcher.get(url).context["cl"].result_list
    }
    assert rows == {employer.pk: (2, 1), other.pk: (0, 0)}
    marine = as_dispatcher.get(url, {"contract": "MARINE"}).context["cl"].result_list
    assert [e.pk for e in marine] == [employer.pk]


def test_the_employer_page_shows_what_the_laborpower_lists_brought(as_dispatcher, employer):
    Employer.objects.filter(pk=employer.pk).update(fax="+12065550199", home_local="0046", name_key="cascade electric")
    EmployerContractFactory(employer=employer, contract_code="LFM", bond_expires=datetime.date(2027, 3, 31), assent="B")
    response = as_dispatcher.get(reverse("admin:dispatch_employer_change", args=[employer.pk]))
    page = text(response)
    for shown_text in ("Fax", "Home local", "0046", "LaborPower list name", "cascade electric", "Bond expires"):
        assert shown_text in page
    assert "Light Fixture Maintenance" in page
    assert 'value="2027-03-31"' in response.content.decode()
    assert 'name="contracts-0-assent" value="B"' in response.content.decode()
    listed = text(as_dispatcher.get(reverse("admin:dispatch_employer_changelist")))
    assert "Home local" in listed


def test_a_dispatcher_records_an_employer_bar(as_dispatcher, dispatcher, employer):
    member = MemberFactory()
    response = as_dispatcher.post(
        reverse("admin:dispatch_employerbar_add"),
        {"employer": employer.pk, "member": member.pk, "reason": "Safety violation", "until": ""},
    )
    assert response.status_code == 302, text(response)[:3000]
    bar = EmployerBar.objects.get()
    assert (bar.employer, bar.member) == (employer, member)
    assert bar.history.get().history_user == dispatcher


MAKE = {
    "employer": EmployerFactory,
    "jobrequest": JobRequestFactory,
    "dispatch": DispatchFactory,
    "employerbar": EmployerBarFactory,
    "referralrun": ReferralRunFactory,
}


@pytest.mark.parametrize("model", sorted(MAKE))
def test_nothing_in_dispatch_can_be_deleted_even_by_an_admin(client, model):
    client.force_login(StaffFactory(groups=["admin"]))
    row = MAKE[model]()
    assert "delete_selected" not in client.get(reverse(f"admin:dispatch_{model}_changelist")).content.decode()
    assert client.get(reverse(f"admin:dispatch_{model}_delete", args=[row.pk])).status_code == 403
    assert client.post(reverse(f"admin:dispatch_{model}_delete", args=[row.pk]), {"post": "yes"}).status_code == 403
    assert type(row).objects.filter(pk=row.pk).exists()


PAGES = {
    "employer": lambda: DispatchFactory().employer,
    "jobrequest": lambda: DispatchFactory().job_request,
    "dispatch": DispatchFactory,
    "employerbar": EmployerBarFactory,
    "referralrun": ReferralRunFactory,
    "referralcandidate": ReferralCandidateFactory,
    "jobbid": JobBidFactory,
    "referralsuspension": ReferralSuspensionFactory,
}


@pytest.mark.parametrize("group", ["dispatcher", "officer"])
@pytest.mark.parametrize("model", sorted(PAGES))
def test_every_dispatch_page_opens_for_staff(client, group, model):
    client.force_login(StaffFactory(groups=[group]))
    row = PAGES[model]()
    for page in ("changelist", "change", "history"):
        args = [] if page == "changelist" else [row.pk]
        url = reverse(f"admin:dispatch_{model}_{page}", args=args)
        assert client.get(url).status_code == 200, url


def test_the_ranked_list_runs_a_constant_number_of_queries_however_long(as_dispatcher, dispatcher, book, register):
    def run_page(skipped):
        # Everyone on the book so far is suspended; the one member after them is referred.
        for registration in BookRegistration.objects.exclude(member__referral_suspensions__isnull=False):
            ReferralSuspensionFactory(member=registration.member)
        for _ in range(skipped):
            ReferralSuspensionFactory(member=register(book).member)
        register(book)
        request = services.job_request_create(
            by=dispatcher, employer_id=EmployerFactory().pk, book_classification="inside_wireperson",
            region="seattle", workers_wanted=1, start_date=WEDNESDAY, report_time=datetime.time(7),
            worksite="Pier 91", wage_rate="58.50",
        )  # fmt: skip
        run = services.referral_run(job_request_id=request.pk, by=dispatcher)
        url = reverse("admin:dispatch_referralrun_change", args=[run.pk])
        as_dispatcher.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert as_dispatcher.get(url).status_code == 200
        return run.candidates_seen, len(queries)

    few, many = run_page(2), run_page(20)
    assert many[0] > few[0] + 18
    assert many[1] == few[1], f"{few[1]} queries for {few[0]} candidates, {many[1]} for {many[0]}"


def test_a_request_is_cancelled_from_the_console_with_a_reason(client, dispatcher, make_request, clock):
    from dispatch.enums import JobRequestStatus
    from dispatch.models import JobRequest

    job_request = make_request()
    client.force_login(dispatcher)
    url = reverse("admin:dispatch_jobrequest_changelist")
    client.post(url, {"action": "cancel_request", "_selected_action": [job_request.pk]})
    assert JobRequest.objects.get(pk=job_request.pk).status == JobRequestStatus.OPEN
    client.post(url, {"action": "cancel_request", "_selected_action": [job_request.pk], "_apply_action": "1",
                      "reason": "postponed"})  # fmt: skip
    assert JobRequest.objects.get(pk=job_request.pk).status == JobRequestStatus.CANCELLED
