"""Every portal form with fields, sent on a phone (Chromium, 390 × 844) with an error, comes back
with the error summary in view and focused (issue 25, item 1; decision 0040's summary). The five
forms of test_browser_form_errors.py (sign-in, reject, manual entry, the supervisor's edit, the
kiosk's stop with changes) are there; here are the others, one case each, and a check that no
portal template has a form with fields this list does not know."""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from dispatch import services as dispatch_services
from dispatch.models import JobRequest
from dispatch.tests.factories import EmployerFactory, EmployerUserFactory
from fulfillment.models import Dispute, TimeLog
from fulfillment.services import timelogs
from fulfillment.tests.test_browser_form_errors import PHONE, the_error_is_in_view_and_focused
from fulfillment.tests.test_browser_member import (
    shift,  # noqa: F401 (a fixture)
    sign_in,
)
from fulfillment.tests.test_browser_supervisor import _path, _sign_in, submitted_day  # noqa: F401
from unioncore.models import LoginLink

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

H = datetime.timedelta(hours=1)
REQUIRED = "This field is required."


def _worked(dispatch, worker, *, submit=True):
    now = timezone.now().replace(second=0, microsecond=0)
    log = timelogs.timelog_clock_in(dispatch_id=dispatch.pk, by=worker, at=now - 9 * H)
    timelogs.timelog_stop_work(timelog_id=log.pk, by=worker, at=now - H)
    if submit:
        timelogs.timelog_submit(timelog_id=log.pk, by=worker)
    return log


def sign_in_link(page, live_server, fixture):
    page.goto("/portal/login/link/")
    page.get_by_role("button", name="Send the link").click()
    return REQUIRED, lambda: not LoginLink.objects.exists()


def members_draft_without_a_start(page, live_server, fixture):
    dispatch, worker, _ = fixture("shift")
    log = _worked(dispatch, worker, submit=False)
    sign_in(page, "worker1")
    page.goto(f"/portal/me/timelogs/{log.pk}/")
    page.fill("input[name=clock_in_1]", "")
    page.get_by_role("button", name="Save my times").click()
    start = TimeLog.objects.get(pk=log.pk).worker_clock_in
    return REQUIRED, lambda: TimeLog.objects.get(pk=log.pk).worker_clock_in == start


def members_correction_without_a_note(page, live_server, fixture):
    dispatch, worker, supervisor = fixture("shift")
    log = _worked(dispatch, worker)
    timelogs.timelog_verify(timelog_id=log.pk, by=supervisor)
    sign_in(page, "worker1")
    page.goto(f"/portal/me/timelogs/{log.pk}/")
    page.click("summary:has-text('Send a correction')")
    page.get_by_role("button", name="Send the correction").click()
    return REQUIRED, lambda: not TimeLog.objects.filter(correction_of=log).exists()


def members_dispute_message_left_empty(page, live_server, fixture):
    dispatch, worker, supervisor = fixture("shift")
    log = _worked(dispatch, worker)
    timelogs.timelog_dispute(timelog_id=log.pk, by=supervisor, reason="Left before noon")
    sign_in(page, "worker1")
    page.goto(f"/portal/me/timelogs/{log.pk}/")
    page.get_by_role("button", name="Post").click()
    return REQUIRED, lambda: not Dispute.objects.get(time_log=log).messages.exists()


def supervisors_dispute_without_a_reason(page, live_server, fixture):
    time_log, supervisor = fixture("submitted_day")
    _sign_in(page, live_server, supervisor)
    page.goto(_path(time_log))
    page.click("summary:has-text('Dispute these hours')")
    page.get_by_role("button", name="File the dispute").click()
    return REQUIRED, lambda: not Dispute.objects.filter(time_log=time_log).exists()


def supervisors_dispute_message_left_empty(page, live_server, fixture):
    time_log, supervisor = fixture("submitted_day")
    timelogs.timelog_dispute(timelog_id=time_log.pk, by=supervisor, reason="Not on site after 2 PM")
    _sign_in(page, live_server, supervisor)
    page.goto(_path(time_log))
    page.get_by_role("button", name="Add to the dispute").click()
    return REQUIRED, lambda: not Dispute.objects.get(time_log=time_log).messages.exists()


def supervisors_clock_out_without_a_reason(page, live_server, fixture):
    dispatch, worker, supervisor = fixture("shift")
    log = timelogs.timelog_clock_in(dispatch_id=dispatch.pk, by=worker, at=timezone.now() - 2 * H)
    _sign_in(page, live_server, supervisor)
    page.goto(f"/portal/crew/shifts/{log.pk}/clock-out/")
    page.get_by_role("button", name="Clock out").click()
    return REQUIRED, lambda: TimeLog.objects.get(pk=log.pk).clock_out_at is None


def supervisors_send_off_without_a_reason(page, live_server, fixture):
    dispatch, worker, supervisor = fixture("shift")
    log = timelogs.timelog_clock_in(
        dispatch_id=dispatch.pk, by=worker, at=timezone.now() - datetime.timedelta(minutes=5)
    )
    _sign_in(page, live_server, supervisor)
    page.goto(f"/portal/crew/shifts/{log.pk}/eject/")
    page.get_by_role("button", name="Send off the site").click()
    return REQUIRED, lambda: TimeLog.objects.get(pk=log.pk).clock_out_at is None


def employers_order_left_empty(page, live_server, fixture):
    supervisor = EmployerUserFactory(employer=EmployerFactory(name="Sound Electric"), role="supervisor").user
    _sign_in(page, live_server, supervisor)
    page.goto("/portal/orders/new/")
    page.get_by_label("Workers").fill("")
    page.get_by_role("button", name="Send the request to the hall").click()
    return REQUIRED, lambda: not JobRequest.objects.exists()


def employers_call_off_without_a_reason(page, live_server, fixture):
    supervisor = EmployerUserFactory(employer=EmployerFactory(name="Sound Electric"), role="supervisor").user
    order = dispatch_services.job_order_submit(
        by=supervisor, book_classification="inside_wireperson", region="seattle", workers_wanted=1,
        start_date=timezone.localdate() + datetime.timedelta(days=7), report_time=datetime.time(7), worksite="Pier 91",
    )  # fmt: skip
    _sign_in(page, live_server, supervisor)
    page.goto(f"/portal/orders/{order.pk}/cancel/")
    page.get_by_role("button", name=f"Yes, call off #{order.pk}").click()
    status = order.status
    return REQUIRED, lambda: JobRequest.objects.get(pk=order.pk).status == status


CASES = [
    sign_in_link,
    members_draft_without_a_start,
    members_correction_without_a_note,
    members_dispute_message_left_empty,
    supervisors_dispute_without_a_reason,
    supervisors_dispute_message_left_empty,
    supervisors_clock_out_without_a_reason,
    supervisors_send_off_without_a_reason,
    employers_order_left_empty,
    employers_call_off_without_a_reason,
]


@pytest.mark.parametrize("case", CASES, ids=[case.__name__ for case in CASES])
def test_each_portal_form_sent_with_an_error_shows_it_in_view_and_focused(page, live_server, request, case):
    page.set_viewport_size(PHONE)
    says, nothing_changed = case(page, live_server, request.getfixturevalue)
    the_error_is_in_view_and_focused(page, says=says)
    assert nothing_changed(), "a refused form changes nothing"


# Each portal template's forms with fields (not one-button forms), and the tests that send them
# with an error: a case above, or a test of test_browser_form_errors.py. A template with such a
# form missing here fails the check below.
FORMS = {
    "portal/login.html": ("test_a_wrong_password_is_summarized_at_the_top",),
    "portal/login_link.html": ("sign_in_link",),
    "portal/member/timelogs/retroactive.html": ("test_a_manual_entry_without_times_is_in_view_and_focused",),
    "portal/member/timelogs/detail.html": (
        "members_draft_without_a_start", "members_correction_without_a_note", "members_dispute_message_left_empty",
        "test_a_rejection_without_a_comment_is_in_view_and_focused",
    ),
    "portal/supervisor/card.html": (
        "supervisors_dispute_without_a_reason", "supervisors_dispute_message_left_empty",
        "test_the_supervisors_edit_without_a_note_is_in_view_and_focused",
    ),
    "portal/supervisor/kiosk_stop.html": ("test_the_kiosks_stop_with_changes_without_a_note_is_in_view_and_focused",),
    "portal/supervisor/shift_end.html": (
        "supervisors_clock_out_without_a_reason", "supervisors_send_off_without_a_reason",
    ),
    "portal/employer/order_new.html": ("employers_order_left_empty",),
    "portal/employer/order_cancel.html": ("employers_call_off_without_a_reason",),
}  # fmt: skip


def test_every_portal_form_with_fields_is_sent_with_an_error_by_a_browser_test():
    """A form with fields is one a view validates (`novalidate`: the browser's own checks would
    stop it before the server's summary). One-button forms (Bid, Accept, Stop work…), the kiosk's
    search (GET) and the offline clock-out's choice (two buttons) have no error to show."""
    from fulfillment.tests import test_browser_form_errors

    root = Path(settings.BASE_DIR) / "templates"
    with_fields = {
        str(path.relative_to(root))
        for path in (root / "portal").rglob("*.html")
        if re.search(r"<form[^>]*\bnovalidate\b", path.read_text())
    }
    assert with_fields == set(FORMS), "a portal form with fields needs its case here"
    known = {case.__name__ for case in CASES} | {
        name for name in dir(test_browser_form_errors) if name.startswith("test_")
    }
    named = {name for names in FORMS.values() for name in names}
    assert named <= known, named - known
