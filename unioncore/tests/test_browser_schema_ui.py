"""In Chromium: the API's schema UI draws every operation from this site's own copy of Swagger
UI, under the Content-Security-Policy (the `page` fixture fails on anything the policy refuses)."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_schema_ui_shows_the_operations_from_this_site_only(page, live_server):
    elsewhere = []
    page.on("request", lambda r: None if r.url.startswith(live_server.url) else elsewhere.append(r.url))
    page.goto("/api/schema/ui/")
    page.get_by_text("/api/v1/auth/login/").first.wait_for()
    assert page.get_by_text("UnionCore phone API").first.is_visible()
    assert not elsewhere, f"requests to other sites: {elsewhere}"
