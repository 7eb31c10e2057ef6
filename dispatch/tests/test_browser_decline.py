"""Decline asks first, on a phone (Chromium, 390 × 844): the offer's Decline is far from Accept,
opens a question that says what declining costs, and declines only when confirmed (issue 25)."""

import pytest

from dispatch import services
from dispatch.models import Dispatch
from fulfillment.tests.test_browser_supervisor import _sign_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def offer(book, register, member_user, make_request, dispatcher):
    registration = register(book, member=member_user.member, apn="45500.01")
    return services.dispatch_offer(job_request_id=make_request().pk, registration_id=registration.pk, by=dispatcher)


def test_decline_asks_first_and_is_not_beside_accept(page, live_server, member_user, offer):
    page.set_viewport_size({"width": 390, "height": 844})
    _sign_in(page, live_server, member_user)
    page.goto(f"/portal/me/dispatches/{offer.pk}/")
    accept = page.get_by_role("button", name="Accept the job").bounding_box()
    decline = page.get_by_role("link", name="Decline").bounding_box()
    gap = decline["y"] - (accept["y"] + accept["height"])
    assert gap >= 24, f"Decline {gap:.0f} px below Accept"

    page.get_by_role("link", name="Decline").click()
    assert "Declining costs a check mark" in page.get_by_test_id("decline-cost").inner_text()
    assert Dispatch.objects.get(pk=offer.pk).status == "pending", "asking declines nothing"
    page.get_by_role("link", name="No, back to the offer").click()
    page.get_by_role("link", name="Decline").click()
    page.get_by_role("button", name="Yes, decline the job").click()
    page.get_by_text("You declined the job.").wait_for()
    assert Dispatch.objects.get(pk=offer.pk).status == "declined"
