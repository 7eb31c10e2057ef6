"""A saved job request's console page stays editable until its first offer (issue 22, item 1;
rule L2d; decision 0050): the correction goes through the service with every rule of a call;
"Run referral" and "Offer to the next" post to the services; after the first offer the page is
read-only and a correction is refused."""

import datetime

import pytest
from django.urls import reverse

from dispatch import services
from dispatch.errors import DispatchError
from dispatch.models import Dispatch, JobRequest, ReferralRun
from dispatch.tests.conftest import MONDAY
from dispatch.tests.test_admin import add_form, text
from unioncore.errors import RuleViolation

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]

TUESDAY = MONDAY + datetime.timedelta(days=1)


def page(request):
    return reverse("admin:dispatch_jobrequest_change", args=[request.pk])


def correction(request, **changes):
    """The change page's form as posted: the request's terms, with `changes`."""
    return add_form(request.employer, **{"start_date": request.start_date.isoformat(), "workers_wanted": 1, **changes})


def press(client, dispatcher, make_request, book, register, button):
    """A new request with one member on its book, and its page's button ("run", "offer") pressed
    by a dispatcher: the request and the page it comes back to."""
    request = make_request()
    register(book)
    client.force_login(dispatcher)
    url = reverse("admin:dispatch_desk_act", args=[request.pk, button])
    return request, client.post(url, {"next": page(request)}, follow=True)


def test_an_open_request_not_yet_offered_opens_as_a_form_with_the_referral_buttons(
    client, dispatcher, make_request, clock
):
    request = make_request()
    client.force_login(dispatcher)
    response = client.get(page(request))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="worksite"' in html
    assert 'name="_save"' in html
    assert "Run referral" in html
    assert "Offer to the next" in html


def test_a_dispatcher_corrects_the_request_through_the_service(client, dispatcher, make_request, clock):
    request = make_request()
    refer_at = request.refer_at
    client.force_login(dispatcher)
    response = client.post(page(request), correction(request, worksite="Pier 86", workers_wanted=3))
    assert response.status_code == 302, text(response)[:3000]
    changed = JobRequest.objects.get(pk=request.pk)
    assert (changed.worksite, changed.workers_wanted, changed.refer_at) == ("Pier 86", 3, refer_at)
    latest = changed.history.first()
    assert (latest.history_user, latest.history_change_reason) == (dispatcher, "Corrected before the first offer")


def test_a_correction_the_checks_refuse_shows_on_its_field_and_changes_nothing(client, dispatcher, make_request, clock):
    request = make_request()  # taken Friday: referred Monday 8:30
    client.force_login(dispatcher)
    response = client.post(page(request), correction(request, start_date=MONDAY.isoformat(), worksite="Pier 86"))
    assert response.status_code == 200
    assert "before the request's referral time" in response.context["adminform"].form.errors["start_date"][0]
    assert JobRequest.objects.get(pk=request.pk).worksite == "Pier 91"


def test_after_the_first_offer_the_page_is_read_only_and_a_correction_is_refused(
    client, dispatcher, make_request, book, register, clock
):
    request, offered = press(client, dispatcher, make_request, book, register, "offer")
    assert offered.redirect_chain[-1][0] == page(request)
    assert Dispatch.objects.filter(job_request=request).count() == 1
    assert ReferralRun.objects.filter(job_request=request).count() == 1  # the offer carries its run
    html = offered.content.decode()
    assert 'name="worksite"' not in html
    assert 'name="_save"' not in html
    assert client.post(page(request), correction(request, worksite="Pier 86")).status_code == 403
    with pytest.raises(RuleViolation) as refused:
        services.job_request_change(job_request_id=request.pk, by=dispatcher, worksite="Pier 86")
    assert refused.value.code == DispatchError.REQUEST_OFFERED
    assert JobRequest.objects.get(pk=request.pk).worksite == "Pier 91"


def test_run_referral_from_the_request_s_page_stores_the_run_and_keeps_it_editable(
    client, dispatcher, make_request, book, register, clock
):
    request, response = press(client, dispatcher, make_request, book, register, "run")
    assert ReferralRun.objects.filter(job_request=request).count() == 1
    assert 'name="worksite"' in response.content.decode()  # a run is not an offer


def test_an_officer_s_override_stays_while_the_start_stays_and_not_when_it_moves(dispatcher, officer, employer, clock):
    request = services.job_request_create(
        by=officer, employer_id=employer.pk, book_classification="inside_wireperson", region="seattle",
        workers_wanted=1, start_date=TUESDAY, report_time=datetime.time(7), worksite="Pier 91",
        override_reason="Outage",
    )  # fmt: skip  # taken now (Monday 9:00): referred Tuesday 8:30, after the start
    assert request.override_reason == "Outage"
    kept = services.job_request_change(job_request_id=request.pk, by=dispatcher, worksite="Pier 86")
    assert kept.override_reason == "Outage"
    with pytest.raises(RuleViolation) as refused:
        services.job_request_change(job_request_id=request.pk, by=dispatcher, report_time=datetime.time(6))
    assert refused.value.code == DispatchError.START_BEFORE_REFERRAL
    moved = services.job_request_change(
        job_request_id=request.pk, by=dispatcher, start_date=TUESDAY + datetime.timedelta(days=1)
    )
    assert moved.override_reason == ""  # nothing left to override


def test_only_the_hall_s_dispatchers_correct_a_request(member_user, make_request, clock):
    request = make_request()
    with pytest.raises(RuleViolation):
        services.job_request_change(job_request_id=request.pk, by=member_user, worksite="Pier 86")
