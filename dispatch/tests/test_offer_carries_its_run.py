"""No dispatch without a referral run or an officer's recorded reason (issue 22, decision 0043):
every surface that makes an offer is tried, and the database refuses the rest."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from dispatch import services
from dispatch.enums import DispatchStatus
from dispatch.models import Dispatch, ReferralRun
from dispatch.tests.factories import JobBidFactory
from unioncore.errors import RuleViolation

pytestmark = pytest.mark.django_db


def without_run_or_reason():
    return Dispatch.objects.filter(referral_run__isnull=True, override_reason="")


def test_an_offer_made_by_the_service_without_a_run_runs_the_referral_and_carries_it(
    clock, book, register, make_request, dispatcher
):
    first = register(book, apn="46000.01")
    request = make_request()
    offer = services.dispatch_offer(job_request_id=request.pk, registration_id=first.pk, by=dispatcher)
    run = ReferralRun.objects.get(job_request=request)
    assert offer.referral_run == run
    assert run.candidates.get(registration=first).outcome == "selected"


def test_member_two_is_refused_while_member_one_is_next_and_nothing_is_offered(
    clock, book, register, make_request, dispatcher
):
    register(book, apn="46000.01")
    second = register(book, apn="46000.02")
    request = make_request()
    with pytest.raises(RuleViolation) as refused:
        services.dispatch_offer(job_request_id=request.pk, registration_id=second.pk, by=dispatcher)
    assert refused.value.code == "out_of_order"
    assert "not next in the referral order" in refused.value.message
    assert not Dispatch.objects.exists()


def test_a_run_of_another_request_does_not_carry_an_offer(clock, book, register, make_request, dispatcher):
    first = register(book, apn="46000.01")
    other_run = services.referral_run(job_request_id=make_request().pk, by=dispatcher)
    with pytest.raises(RuleViolation) as refused:
        services.dispatch_offer(
            job_request_id=make_request().pk, registration_id=first.pk, by=dispatcher, run=other_run
        )
    assert refused.value.code == "wrong_run"
    assert not Dispatch.objects.exists()


def test_only_an_officer_offers_out_of_order_and_the_reason_is_kept_in_the_history(
    clock, book, register, make_request, dispatcher, officer
):
    register(book, apn="46000.01")
    second = register(book, apn="46000.02")
    request = make_request()
    with pytest.raises(RuleViolation) as refused:
        services.dispatch_offer(
            job_request_id=request.pk, registration_id=second.pk, by=dispatcher, override_reason="I say so"
        )
    assert refused.value.code == "officer_only"
    assert not Dispatch.objects.exists()
    offer = services.dispatch_offer(
        job_request_id=request.pk, registration_id=second.pk, by=officer, override_reason="  Storm outage call  "
    )
    assert (offer.referral_run, offer.override_reason) == (None, "Storm outage call")
    record = offer.history.get()
    assert (record.override_reason, record.history_user) == ("Storm outage call", officer)


def test_an_emergency_call_by_hand_needs_the_officers_reason(clock, book, register, make_request, officer):
    second = register(book, apn="46000.02")
    register(book, apn="46000.01")
    with pytest.raises(RuleViolation) as refused:
        services.dispatch_offer(job_request_id=make_request().pk, registration_id=second.pk, by=officer, emergency=True)
    assert refused.value.code == "reason_required"
    assert not Dispatch.objects.exists()


def test_the_database_refuses_a_dispatch_with_neither_run_nor_reason(clock, book, register, make_request, dispatcher):
    registration = register(book)
    request = make_request()
    with pytest.raises(IntegrityError), transaction.atomic():
        Dispatch.objects.create(
            member=registration.member, employer=request.employer, job_request=request, registration=registration,
            wage_rate=58, start_date=request.start_date, created_by=dispatcher,
        )  # fmt: skip
    assert not Dispatch.objects.exists()


def test_every_surface_leaves_no_dispatch_without_a_run_or_an_officers_reason(
    client, clock, book, register, make_request, dispatcher, officer
):
    """The admin's add page (a dispatcher: no page; an officer: only with a reason), the request's
    "offer to the next" action, taking bids, the service by hand: each dispatch made carries its
    run or its reason."""
    first, second, bidder = (register(book, apn=f"46000.0{n}") for n in (1, 2, 3))
    add = reverse("admin:dispatch_dispatch_add")
    client.force_login(dispatcher)
    assert client.post(add, {"job_request": make_request().pk, "registration": second.pk}).status_code == 403
    client.force_login(officer)
    response = client.post(add, {"job_request": make_request().pk, "registration": second.pk})
    assert response.status_code == 200  # the reason is required
    assert not Dispatch.objects.exists()
    client.post(add, {"job_request": make_request().pk, "registration": second.pk, "override_reason": "Named"})

    client.force_login(dispatcher)
    client.post(
        reverse("admin:dispatch_jobrequest_changelist"),
        {"action": "offer_next", "_selected_action": [make_request().pk], "_apply_action": "yes", "emergency": ""},
    )
    bid_request = make_request()
    JobBidFactory(job_request=bid_request, registration=bidder)
    services.bids_take(job_request_id=bid_request.pk, by=dispatcher)
    with pytest.raises(RuleViolation):
        services.dispatch_offer(job_request_id=make_request().pk, registration_id=bidder.pk, by=dispatcher)

    made = Dispatch.objects.filter(status=DispatchStatus.PENDING)
    assert {d.member_id for d in made} == {first.member_id, second.member_id, bidder.member_id}
    assert made.filter(override_reason="Named").get().member_id == second.member_id
    assert not without_run_or_reason().exists()
