"""The staff dashboards in Chromium: Chart.js draws each chart beside its table."""

import pytest
from django.conf import settings
from django.test import Client

from dispatch.tests.factories import EmployerFactory
from fulfillment.tests.factories import TimeLogFactory
from unioncore.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_charts_draw_beside_the_tables(page, live_server, artifacts_dir):
    TimeLogFactory(dispatch__job_request__employer=EmployerFactory(name="Chart Electric"))
    client = Client()
    client.force_login(StaffFactory())
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
          "url": live_server.url}]
    )  # fmt: skip
    page.goto("/portal/staff/")
    page.wait_for_function("() => window.Chart && Object.keys(Chart.instances).length === 3")
    assert page.evaluate("() => Chart.version") == "4.5.1"
    assert page.get_by_test_id("waiting").get_by_text("Chart Electric").is_visible()
    page.screenshot(path=str(artifacts_dir / "staff-dashboards-360.png"), full_page=True)
