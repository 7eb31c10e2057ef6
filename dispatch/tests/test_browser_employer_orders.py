"""An employer's supervisor orders workers from a phone (Chromium, 390 × 844) and sees who was
dispatched once the hall accepted the order and ran the referral (issue 22, item 4)."""

import datetime

import pytest
from django.utils import timezone

from dispatch import services
from dispatch.enums import JobRequestStatus
from dispatch.models import JobRequest
from dispatch.tests.factories import EmployerFactory, EmployerUserFactory
from fulfillment.tests.test_browser_supervisor import _sign_in
from members.tests.factories import MemberFactory
from unioncore.models import UserKind
from unioncore.tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_supervisor_orders_workers_on_a_phone_and_sees_the_dispatched_member(
    page, live_server, dispatcher, book, register, artifacts_dir
):
    supervisor = EmployerUserFactory(employer=EmployerFactory(name="Sound Electric"), role="supervisor").user
    member = MemberFactory(first_name="Ada", last_name="Okafor", user=UserFactory(kind=UserKind.MEMBER))
    registration = register(book, member=member, when=timezone.now() - datetime.timedelta(days=20))
    start = timezone.localdate() + datetime.timedelta(days=7)

    page.set_viewport_size({"width": 390, "height": 844})
    _sign_in(page, live_server, supervisor)
    page.goto("/portal/orders/")
    assert "referred the next working morning" in page.get_by_test_id("cut-off").inner_text()
    page.get_by_role("link", name="Request workers").click()
    page.get_by_label("Classification (book)").select_option("inside_wireperson")
    page.get_by_label("Region").select_option("seattle")
    page.get_by_label("Workers").fill("1")
    page.get_by_label("Start date").fill(start.isoformat())
    page.get_by_label("Report time").fill("07:00")
    page.get_by_label("Report to (job site address)").fill("1201 3rd Ave, Seattle")
    page.get_by_role("button", name="Send the request to the hall").click()
    page.get_by_text("is sent: the hall accepts it before its referral").wait_for()
    order = JobRequest.objects.get()
    assert order.status == JobRequestStatus.SUBMITTED
    assert "Waiting for the hall to accept it." in page.get_by_test_id("orders").inner_text()
    page.screenshot(path=str(artifacts_dir / "employer-order-sent.png"), full_page=True)

    # The hall accepts the order and runs its referral; the member takes the job.
    services.job_order_accept(job_request_id=order.pk, by=dispatcher)
    run = services.referral_run(job_request_id=order.pk, by=dispatcher)
    offer = services.dispatch_offer(job_request_id=order.pk, registration_id=registration.pk, by=dispatcher, run=run)
    services.dispatch_accept(dispatch_id=offer.pk, by=member.user)

    page.reload()
    row = page.locator(f"#order-{order.pk}")
    assert "Filled" in row.inner_text()
    assert row.get_by_test_id("status").inner_text() == "Filled"
    assert "Ada Okafor" in row.get_by_test_id("dispatched").inner_text()
    page.screenshot(path=str(artifacts_dir / "employer-order-dispatched.png"), full_page=True)
