"""The member's home on a phone (Chromium, 390 × 844) in the audit's world of 29 jobs: it weighs
under 100 KB as served, and Bid / Withdraw (htmx) leave focus on the card's new button and say what
happened in a live region that was there from page load (issue 25, items 4 and 6)."""

import gzip

import pytest
import time_machine

from dispatch.models import JobBid
from dispatch.tests.test_member_home import SUNDAY_EVENING, build_member_world
from fulfillment.tests.test_browser_supervisor import _sign_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = {"width": 390, "height": 844}
HOME_BUDGET = 100 * 1024  # bytes, gzip-compressed


@pytest.fixture
def member_world(book, register, member_user, make_request, dispatcher):
    # Ticking: the live server's clock moves on with the browser's.
    with time_machine.travel(SUNDAY_EVENING, tick=True):
        yield build_member_world(
            book=book, register=register, member_user=member_user, make_request=make_request, dispatcher=dispatcher
        )


def test_the_home_weighs_under_100_kb_compressed(page, live_server, member_user, member_world):
    page.set_viewport_size(PHONE)
    _sign_in(page, live_server, member_user)
    loaded = []
    page.on("response", lambda response: loaded.append(response))
    page.goto("/portal/me/", wait_until="networkidle")
    weights = {}
    for response in loaded:
        if response.request.resource_type in ("document", "stylesheet", "script", "font", "image"):
            # As served in production: WhiteNoise's gzip for static files, the proxy's for the page.
            weights[response.url.removeprefix(live_server.url)] = len(gzip.compress(response.body(), compresslevel=9))
    assert "/portal/me/" in weights
    assert any(url.endswith(".css") for url in weights)
    total = sum(weights.values())
    print(f"the member home: {total} bytes compressed {weights}")
    assert total < HOME_BUDGET, f"the home weighs {total / 1024:.1f} KB compressed: {weights}"


def test_bid_and_withdraw_keep_focus_on_the_card_and_are_announced(page, live_server, member_user, member_world):
    job = member_world["biddable"]
    page.set_viewport_size(PHONE)
    _sign_in(page, live_server, member_user)
    page.goto("/portal/me/")
    live = page.locator("#live")
    region = live.element_handle()  # the live region as the page loaded it
    assert live.get_attribute("role") == "status"
    assert live.inner_text() == ""
    card = page.locator(f"#job-{job.pk}")

    card.get_by_role("button", name="Bid on this job").focus()
    page.keyboard.press("Enter")
    card.get_by_role("button", name="Withdraw my bid").wait_for()
    page.wait_for_function("() => document.activeElement.textContent.trim() === 'Withdraw my bid'")
    assert page.evaluate("document.activeElement.closest('article').id") == f"job-{job.pk}"
    assert page.evaluate("region => region.isConnected", region), "the live region is the one from page load"
    assert "Your bid is in." in region.inner_text()
    assert JobBid.objects.get(job_request=job).status == "pending"

    # The next Tab goes on from the card, not from the top of the page.
    page.keyboard.press("Tab")
    after = page.evaluate(
        f"document.getElementById('job-{job.pk}').compareDocumentPosition(document.activeElement)"
        " & Node.DOCUMENT_POSITION_FOLLOWING"
    )
    assert after, "Tab after the swap reaches what follows the card"
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Withdraw my bid"

    page.keyboard.press("Enter")
    card.get_by_role("button", name="Bid on this job").wait_for()
    page.wait_for_function("() => document.activeElement.textContent.trim() === 'Bid on this job'")
    assert "Your bid is withdrawn." in region.inner_text()
    assert page.evaluate("region => region.isConnected", region)
    assert JobBid.objects.get(job_request=job).status == "withdrawn"
