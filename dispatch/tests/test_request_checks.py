"""A job request's start is checked (issue 22, item 2; rule L2c; decision 0050): not in the past,
not before the book's referral time, not before the book's bidding could open — each refused
with its own code, by the phone's path (the service), the console's and an employer's order,
unless an officer gives the reason to take it anyway, kept on the request and shown."""

import datetime
import html

import pytest
from django.urls import reverse
from django.utils import timezone

from dispatch import services
from dispatch.errors import DispatchError
from dispatch.models import JobRequest
from dispatch.tests.conftest import MONDAY
from dispatch.tests.test_admin import add_form, text
from unioncore.errors import CommonError, RuleViolation
from unioncore.testing import at

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]

TUESDAY = MONDAY + datetime.timedelta(days=1)
ADD = reverse("admin:dispatch_jobrequest_add")
SCHEDULE = reverse("admin:dispatch_jobrequest_schedule")


def call(make_request, day, hour, minute=0, **fields):
    """A call taken now (Monday 9:00: referred Tuesday 8:30, bidding Monday 17:30 – Tuesday 7:00)
    for a start on `day` at hour:minute."""
    return make_request(
        taken_at=timezone.now(), start_date=day, report_time=datetime.time(hour, minute), **fields
    )  # fmt: skip


@pytest.mark.parametrize(
    ("day", "hour", "code"),
    [
        (MONDAY, 7, DispatchError.START_IN_PAST),  # two hours ago
        (MONDAY, 12, DispatchError.BIDDING_AFTER_START),  # before Monday's 17:30 opening
        (TUESDAY, 7, DispatchError.START_BEFORE_REFERRAL),  # bidding had its night, the referral is at 8:30
    ],
)
def test_each_start_the_checks_refuse_has_its_code_and_nothing_is_written(make_request, clock, day, hour, code):
    with pytest.raises(RuleViolation) as refused:
        call(make_request, day, hour)
    assert (refused.value.code, refused.value.error.rule) == (code, "L2c")
    assert "start_date" in refused.value.fields
    assert not JobRequest.objects.exists()


def test_a_start_after_the_referral_morning_is_taken_without_an_override(make_request, clock):
    request = call(make_request, TUESDAY, 8, 30)  # the referral time itself is not before it
    assert timezone.localtime(request.refer_at) == at(TUESDAY, 8).replace(minute=30)
    assert request.override_reason == ""


def test_a_dispatcher_cannot_override_the_checks(make_request, clock):
    with pytest.raises(RuleViolation) as refused:
        call(make_request, TUESDAY, 7, override_reason="The employer is short two hands")
    assert refused.value.code == CommonError.OFFICER_ONLY
    assert not JobRequest.objects.exists()


def test_an_officer_s_reason_takes_the_request_and_stays_on_it_and_its_history(employer, officer, clock):
    request = services.job_request_create(
        by=officer, employer_id=employer.pk, book_classification="inside_wireperson", region="seattle",
        workers_wanted=1, start_date=MONDAY, report_time=datetime.time(12), worksite="Pier 91",
        override_reason="  Storm damage at the substation  ",
    )  # fmt: skip
    assert request.override_reason == "Storm damage at the substation"
    assert request.history.get().override_reason == "Storm damage at the substation"
    # No bidding that would open (Monday 17:30) after the start (Monday noon).
    assert (request.bidding_opens_at, request.bidding_closes_at) == (None, None)


def test_an_override_with_nothing_to_override_is_not_kept(employer, officer, clock):
    request = services.job_request_create(
        by=officer, employer_id=employer.pk, book_classification="inside_wireperson", region="seattle",
        workers_wanted=1, start_date=TUESDAY + datetime.timedelta(days=1), report_time=datetime.time(7),
        worksite="Pier 91", override_reason="Just in case",
    )  # fmt: skip
    assert request.override_reason == ""
    assert request.bidding_opens_at is not None


def test_a_correction_of_an_employer_s_order_is_checked_too(employer, dispatcher, officer, clock):
    from dispatch.tests.factories import EmployerUserFactory

    supervisor = EmployerUserFactory(employer=employer, role="supervisor").user
    order = services.job_order_submit(
        by=supervisor, book_classification="inside_wireperson", region="seattle", workers_wanted=1,
        start_date=TUESDAY + datetime.timedelta(days=1), report_time=datetime.time(7), worksite="Pier 91",
    )  # fmt: skip
    fields = {"book_classification": "inside_wireperson", "region": "seattle", "workers_wanted": 1,
              "start_date": TUESDAY, "report_time": datetime.time(7), "worksite": "Pier 91"}  # fmt: skip
    with pytest.raises(RuleViolation) as refused:
        services.job_order_correct(job_request_id=order.pk, by=dispatcher, reason="Starts a day earlier", **fields)
    assert refused.value.code == DispatchError.START_BEFORE_REFERRAL
    corrected = services.job_order_correct(
        job_request_id=order.pk, by=officer, reason="Starts a day earlier", override_reason="Outage moved up", **fields
    )
    assert corrected.override_reason == "Outage moved up"


# --- The console ---


def test_the_add_page_shows_the_referral_time_and_window_a_request_will_get(client, dispatcher, employer, clock):
    client.force_login(dispatcher)
    assert "Choose the classification and the region" in text(client.get(ADD))
    shown = html.unescape(text(client.get(SCHEDULE, add_form(employer, start_date=TUESDAY.isoformat()))))
    assert "referred Tuesday, Dec 8, 08:30" in shown
    assert "Bidding open Mon Dec 7, 17:30 to Tue Dec 8, 07:00" in shown
    assert "is before the request's referral time (Tue 8 Dec 08:30)" in shown
    later = text(client.get(SCHEDULE, add_form(employer)))  # Wednesday at 7:00
    assert "referred Tuesday, Dec 8, 08:30" in later
    assert "override" not in later


def test_a_refused_start_shows_on_its_field_with_the_referral_time_beside_it(client, dispatcher, employer, clock):
    client.force_login(dispatcher)
    response = client.post(ADD, add_form(employer, start_date=TUESDAY.isoformat()))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors == {
        "start_date": ["The start (Tue 8 Dec 07:00) is before the request's referral time (Tue 8 Dec 08:30)."]
    }
    assert "referred Tuesday, Dec 8, 08:30" in text(response)
    assert "Officer's override" not in text(response)  # not a dispatcher's field
    assert not JobRequest.objects.exists()


def test_an_officer_overrides_from_the_add_page_and_the_request_s_page_shows_it(client, officer, employer, clock):
    client.force_login(officer)
    response = client.post(
        ADD, add_form(employer, start_date=TUESDAY.isoformat(), override_reason="Hospital outage: the crew by 7")
    )
    assert response.status_code == 302, text(response)[:2000]
    request = JobRequest.objects.get()
    assert request.override_reason == "Hospital outage: the crew by 7"
    # Before the first offer the page is a form: the officer's reason stands in its field.
    page = client.get(reverse("admin:dispatch_jobrequest_change", args=[request.pk])).content.decode()
    assert 'value="Hospital outage: the crew by 7"' in page
    desk = text(client.get(reverse("admin:dispatch_desk")))  # referred at once: today's sheet
    assert "officer's override: Hospital outage: the crew by 7" in desk


def test_the_schedule_panel_is_staff_only(client, member_user):
    client.force_login(member_user)
    assert client.get(SCHEDULE).status_code in (302, 403)


def test_an_overridden_start_before_the_referral_time_is_referred_at_once_and_the_console_says_so(
    client, officer, employer, clock
):
    client.force_login(officer)
    form = add_form(employer, start_date=TUESDAY.isoformat())  # Tuesday 7:00; the book refers Tuesday 8:30
    panel = html.unescape(text(client.get(SCHEDULE, form)))
    assert "it is referred at once (Mon Dec 7, 09:00), with no online bidding" in panel
    response = client.post(ADD, {**form, "override_reason": "Hospital outage: the crew by 7"})
    assert response.status_code == 302, text(response)[:2000]
    request = JobRequest.objects.get()
    assert timezone.localtime(request.refer_at) == at(MONDAY, 9), "not Tuesday 8:30, after the start"
    assert (request.bidding_opens_at, request.bidding_closes_at) == (None, None)
    desk = text(client.get(reverse("admin:dispatch_desk")))  # on today's sheet, due now
    assert "officer's override: Hospital outage: the crew by 7 referred Mon 12/7 9:00 AM" in desk


def test_a_correction_keeps_an_overridden_request_referred_at_once(employer, officer, dispatcher, clock):
    request = services.job_request_create(
        by=officer, employer_id=employer.pk, book_classification="inside_wireperson", region="seattle",
        workers_wanted=1, start_date=TUESDAY, report_time=datetime.time(7), worksite="Pier 91",
        override_reason="Outage",
    )  # fmt: skip
    clock.move_to(at(MONDAY, 11))
    kept = services.job_request_change(job_request_id=request.pk, by=dispatcher, worksite="Pier 86")
    assert timezone.localtime(kept.refer_at) == at(MONDAY, 9)
