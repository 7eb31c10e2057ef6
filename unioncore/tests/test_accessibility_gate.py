"""The accessibility gate of the browser tests fails on what it should (decision 0040): an axe
"serious" finding, and on a member's page a tap target under 44 px; a clean page passes."""

import pytest

from unioncore.tests.accessibility import Gate

SITE = "http://portal.test"
CLEAN = """<!doctype html><html lang="en"><head><title>Fine</title></head><body><main>
<h1>Fine</h1><button type="button" style="min-height:48px;min-width:48px">Bid</button></main></body></html>"""


def scanned(browser, path: str, html: str) -> Gate:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        tab = context.new_page()
        tab.route(f"{SITE}/**", lambda route: route.fulfill(body=html, content_type="text/html"))
        tab.goto(SITE + path)
        gate = Gate(tab, SITE)
        gate.scan()
        return gate
    finally:
        context.close()


@pytest.mark.parametrize("path", ["/portal/me/", "/portal/staff/", "/admin/reports/"])
def test_a_serious_axe_finding_fails_the_gate(browser, path):
    page = CLEAN.replace("<h1>Fine</h1>", '<h1>Fine</h1><ul role="status"><li>Your bid is in.</li></ul>')
    gate = scanned(browser, path, page)
    assert any("axe serious listitem" in finding for finding in gate.findings), gate.findings


def test_a_small_tap_target_fails_on_a_members_page_only(browser):
    page = CLEAN.replace("min-height:48px;min-width:48px", "height:24px")
    assert any("tap target under 44 px" in finding for finding in scanned(browser, "/portal/me/", page).findings)
    assert scanned(browser, "/portal/staff/", page).findings == [], "staff pages: axe's 24 px rule only"


def test_a_clean_page_passes(browser):
    gate = scanned(browser, "/portal/me/", CLEAN)
    assert (gate.findings, gate.scanned) == ([], 1)


def test_pages_outside_the_portal_and_the_console_are_not_scanned(browser):
    page = CLEAN.replace("<h1>Fine</h1>", '<h1>Fine</h1><ul role="status"><li>Your bid is in.</li></ul>')
    gate = scanned(browser, "/api/schema/ui/", page)
    assert (gate.findings, gate.scanned) == ([], 0), "the Swagger UI is a third party's, for developers"
