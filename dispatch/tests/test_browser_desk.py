"""A morning referral on the referral desk (issue 22, done when): a dispatcher in Chromium at 1366
px runs three requests in two slots — the bidder dispatched, offers to the next names, a decline
with the excuse the request gives, an unfilled request sent to the Business Manager — and the
clicks of each offer are counted (at most 3)."""

from collections import Counter

import pytest
import time_machine

from dispatch.enums import DispatchStatus
from dispatch.models import Dispatch, JobRequest
from dispatch.tests.conftest import MONDAY
from dispatch.tests.test_desk import build_morning
from fulfillment.tests.test_browser_supervisor import _sign_in
from referral.models import BookRegistration
from unioncore.testing import at

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

STAFF = {"width": 1366, "height": 900}


def test_a_morning_referral_on_the_desk_takes_at_most_three_clicks_an_offer(
    page, live_server, dispatcher, officer, book, register, make_request
):
    with time_machine.travel(at(MONDAY, 8), tick=True):
        names, requests = build_morning(book, register, make_request, officer)
        page.set_viewport_size(STAFF)
        _sign_in(page, live_server, dispatcher)
        page.goto("/admin/")
        page.get_by_role("link", name="Referral desk").click()
        slots = page.locator(".desk-slot")
        assert [slots.nth(i).get_attribute("data-slot") for i in range(slots.count())] == ["08:30", "09:00"]

        clicks: Counter = Counter()

        def click(offer: str, button) -> None:
            clicks[offer] += 1
            button.click()

        two, short, trade = (page.locator(f"#request-{requests[k].pk}") for k in ("two", "short", "trade"))
        assert "passed over: Member not in good standing" in two.inner_text()  # Baker, with the reason

        click("Dunn", two.get_by_role("button", name="Dispatch the bidders (1)"))
        two.get_by_role("status").filter(has_text="Bids taken: offered to Dunn").wait_for()
        click("Able", two.get_by_role("button", name="Offer to Able"))
        two.get_by_role("status").filter(has_text="Offered to Able").wait_for()
        assert "2 of 2 filled" in two.inner_text()

        # Able and Dunn hold offers, Baker is suspended: Cole is next on the short call.
        click("Cole", short.get_by_role("button", name="Offer to Cole"))
        short.get_by_role("status").filter(has_text="Offered to Cole").wait_for()
        click("Cole", short.get_by_role("button", name="Declined (no check mark: short call)"))
        short.get_by_role("status").filter(has_text="Decline recorded for Cole").wait_for()
        click("short unfilled", short.get_by_role("button", name="Mark unfilled (to the Business Manager)"))
        short.locator("[data-field=state]").filter(has_text="with the Business Manager").wait_for()

        click("Tate", trade.get_by_role("button", name="Offer to Tate"))
        trade.get_by_role("status").filter(has_text="Offered to Tate").wait_for()

    assert max(clicks.values()) <= 3, clicks
    assert clicks == {"Dunn": 1, "Able": 1, "Cole": 2, "short unfilled": 1, "Tate": 1}
    offers = {d.member.last_name: d for d in Dispatch.objects.select_related("member")}
    assert {name: d.status for name, d in offers.items()} == {
        "Dunn": DispatchStatus.PENDING, "Able": DispatchStatus.PENDING, "Cole": DispatchStatus.DECLINED,
        "Tate": DispatchStatus.PENDING,
    }  # fmt: skip
    assert offers["Dunn"].bid is not None
    assert all(d.referral_run_id for d in offers.values()), "every offer carries its referral run"
    assert BookRegistration.objects.get(pk=names["Cole"].pk).check_marks == 0  # the short call's excuse
    assert JobRequest.objects.get(pk=requests["short"].pk).unfilled_at is not None
