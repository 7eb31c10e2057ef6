"""The reports index in Chromium, as a LaborPower user finds it (issue 24, Done-when): one report
from each of LaborPower's four tabs, opened from its tab, filtered, and its Excel downloaded."""

import io

import openpyxl
import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from dispatch.tests.factories import DispatchFactory, EmployerFactory, JobRequestFactory
from unioncore.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def signed_in(page, live_server):
    client = Client()
    client.force_login(StaffFactory(groups=["officer"]))
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
          "url": live_server.url}]
    )  # fmt: skip


def open_from_tab(page, tab: str, name: str) -> None:
    page.goto("/admin/reports/")
    page.locator(f"#tab-{tab.lower()}").get_by_role("link", name=name, exact=True).click()
    page.wait_for_load_state()


def day_book_of_today(page, employer: str) -> None:
    """The Day Book (Basic tab) of today's dispatches of one employer, shown."""
    today = f"{timezone.localdate():%Y-%m-%d}"
    open_from_tab(page, "Basic", "Dispatch Report (Day Book)")
    page.locator("#id_employer").select_option(label=employer)
    page.locator("#id_date_from").fill(today)
    page.locator("#id_date_to").fill(today)
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()


def download_excel(page) -> list[tuple]:
    with page.expect_download() as info:
        page.get_by_role("link", name="Excel", exact=True).click()
    with open(info.value.path(), "rb") as f:
        sheet = openpyxl.load_workbook(io.BytesIO(f.read())).worksheets[0]
    return [tuple(c.value for c in row) for row in sheet.iter_rows()]


def test_one_report_of_each_tab_filtered_and_downloaded(page, live_server):
    employer = EmployerFactory(name="Playwright Electric")
    other = EmployerFactory(name="Other Electric")
    dispatch = DispatchFactory(job_request=JobRequestFactory(employer=employer))
    DispatchFactory(job_request=JobRequestFactory(employer=other))
    signed_in(page, live_server)
    page.set_viewport_size({"width": 1280, "height": 900})

    # Basic: the Day Book of today, one employer
    day_book_of_today(page, "Playwright Electric")
    assert "1 row." in page.content()
    rows = download_excel(page)
    assert [r[3] for r in rows[1:2]] == ["Playwright Electric"]
    assert not any("Other Electric" in str(r) for r in rows)

    # Advanced: the Request Report of one employer
    open_from_tab(page, "Advanced", "Request Report")
    page.locator("#id_employer").select_option(label="Other Electric")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    rows = download_excel(page)
    assert [r[2] for r in rows[1:2]] == ["Other Electric"]

    # Applicant: a member's Employment History, by card number
    open_from_tab(page, "Applicant", "Employment History")
    page.locator("#id_member").fill(dispatch.member.card_number)
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    rows = download_excel(page)
    assert [r[1] for r in rows[1:2]] == [dispatch.member.card_number]

    # Custom: UNEMPLOYED COUNTS BY BOOK of one region
    open_from_tab(page, "Custom", "UNEMPLOYED COUNTS BY BOOK")
    page.locator("#id_region").select_option(label="Seattle")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    rows = download_excel(page)
    assert rows[0][:2] == ("Region", "Book")
    assert {r[0] for r in rows[1:] if r[0] and not str(r[0]).startswith("Total")} == {"Seattle"}


def test_an_officer_saves_a_filtered_report_and_runs_it_from_the_index(page, live_server):
    """Issue 24, item 3: "Save this report" on its page (its filters, sort and the columns ticked),
    then the index's Saved section runs it again; every page scanned by axe (the page fixture)."""
    from reports.models import SavedReport

    employer = EmployerFactory(name="Playwright Electric")
    DispatchFactory(job_request=JobRequestFactory(employer=employer))
    DispatchFactory(job_request=JobRequestFactory(employer=EmployerFactory(name="Other Electric")))
    signed_in(page, live_server)
    page.set_viewport_size({"width": 1280, "height": 900})

    day_book_of_today(page, "Playwright Electric")
    page.get_by_text("Save this report").click()
    page.locator("#id_save-name").fill("Playwright's day")
    for label in ("Offered", "Request", "Classification", "Type", "Start", "Wage rate"):
        page.locator(".report-save").get_by_label(label, exact=True).uncheck()  # card, name, employer, status kept
    page.locator(".report-save").get_by_label("dispatcher", exact=True).check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    saved = SavedReport.objects.get()
    assert saved.name == "Playwright's day"
    assert [g.name for g in saved.shared_with.all()] == ["dispatcher"]
    assert "Saved report “Playwright's day”" in page.content()
    assert "1 row." in page.content()

    page.goto("/admin/reports/")
    page.locator("#tab-saved").get_by_role("link", name="Playwright's day").click()
    page.wait_for_load_state()
    assert "1 row." in page.content()
    rows = download_excel(page)
    assert saved.columns == ["member__card_number", "name", "employer__name", "status"]
    assert rows[0] == ("Card", "Name", "Employer", "Status")
    assert "Playwright Electric" in rows[1]
    assert not any("Other Electric" in str(r) for r in rows)
