"""Saved custom reports (issue 24, item 3; decision 0055): an officer saves the report they are
looking at — filters, sort, columns — under a name, shares it with staff groups; those see it in
the index and run it, others get a 404; its filters are validated again at every run."""

import io

import openpyxl
import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from reports import services
from reports.models import SavedReport
from reports.saved_selectors import saved_reports_for
from unioncore.errors import RuleViolation
from unioncore.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

PAGE = reverse("admin:reports_report", args=["out-of-work-list"])
SAVE = reverse("admin:reports_saved_save", args=["out-of-work-list"])
# The Registration List of book WIRE SEATTLE (reports/tests/conftest.py): tier 1, seven members
# out of work (Adams … Irwin, Evans rolled off); tier 2, Foster and Jones: 9 rows.
QUERY = "book=WIRE+SEATTLE&sort=-apn"


def _save(client, name="Seattle wiremen by APN", columns=("name", "apn"), share=("dispatcher",), query=QUERY):
    groups = [Group.objects.get(name=g).pk for g in share]
    return client.post(
        SAVE, {"save-name": name, "save-columns": list(columns), "save-shared_with": groups, "save-query": query}
    )


def test_an_officer_saves_the_report_and_runs_it_with_its_filters_sort_and_columns(hall, client, officer):
    client.force_login(officer)
    page = client.get(f"{PAGE}?{QUERY}")
    assert "save_form" in page.context
    assert b"Save this report" in page.content

    response = _save(client)
    saved = SavedReport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:reports_saved_run", args=[saved.pk])
    assert (saved.name, saved.report, saved.owner, saved.sort) == ("Seattle wiremen by APN", "out-of-work-list",
                                                                    officer, "-apn")  # fmt: skip
    assert saved.filters == {"book": "WIRE SEATTLE"}
    assert saved.columns == ["name", "apn"]
    assert [g.name for g in saved.shared_with.all()] == ["dispatcher"]
    # History: the row saved, then whom it was shared with (simple-history's m2m record), by the officer.
    assert [h.history_user for h in saved.history.all()] == [officer, officer]
    assert [s.group.name for s in saved.history.first().shared_with.all()] == ["dispatcher"]

    run = client.get(response["Location"])
    assert run.status_code == 302
    page = client.get(run["Location"])
    assert page.status_code == 200
    assert page.context["title"] == "Seattle wiremen by APN"
    assert [h["column"].accessor for h in page.context["headers"]] == ["name", "apn"]  # tier: the group heading
    assert page.context["count"] == 9
    rows = [row for kind, row in page.context["body"] if kind == "row"]
    assert rows[0] == [("IRWIN, PAT", False), ("46000.08", True)]  # sorted by APN, highest first in tier 1
    # The page's Excel link keeps the columns: the saved ones and the grouping column.
    xlsx = client.get(page.context["export_links"][1][1])
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).worksheets[0]
    assert [c.value for c in sheet[1]] == ["BOOK", "NAME", "APN"]
    assert sheet.max_row == 1 + 9 + 2  # header, rows, a blank row and the total


def test_the_index_lists_it_for_its_groups_and_nobody_else(hall, client, officer, dispatcher):
    client.force_login(officer)
    _save(client)
    saved = SavedReport.objects.get()
    run_url = reverse("admin:reports_saved_run", args=[saved.pk])

    client.force_login(dispatcher)  # in the dispatcher group it is shared with
    index = client.get(reverse("admin:reports_index"))
    assert [s.name for s, _ in index.context["saved"]] == ["Seattle wiremen by APN"]
    assert run_url.encode() in index.content
    assert client.get(client.get(run_url)["Location"]).status_code == 200

    other = StaffFactory(groups=["officer"])  # an officer, but not the owner nor in a group it is shared with
    client.force_login(other)
    assert client.get(reverse("admin:reports_index")).context["saved"] == []
    assert client.get(run_url).status_code == 404
    changelist = client.get(reverse("admin:reports_savedreport_changelist"))
    assert changelist.status_code == 200
    assert b"Seattle wiremen" not in changelist.content
    change = client.get(reverse("admin:reports_savedreport_change", args=[saved.pk]))
    assert change.status_code == 302  # the admin's "does not exist" for a row outside its list


def test_its_owner_renames_and_unshares_it_in_the_console_with_history(hall, client, officer, dispatcher):
    client.force_login(officer)
    _save(client)
    saved = SavedReport.objects.get()
    response = client.post(reverse("admin:reports_savedreport_change", args=[saved.pk]),
                           {"name": "Book 1 and 2 by APN", "shared_with": []})  # fmt: skip
    assert response.status_code == 302
    saved.refresh_from_db()
    assert saved.name == "Book 1 and 2 by APN"
    assert not saved.shared_with.exists()
    assert saved.history.count() >= 2
    assert saved_reports_for(dispatcher) == []
    # Another officer may not change it, even if it were shared with them.
    with pytest.raises(Exception, match="owner"):
        services.saved_report_change(saved_report_id=saved.pk, by=StaffFactory(groups=["officer"]), name="Mine")


def test_bad_filters_a_taken_name_or_an_unknown_column_are_refused_and_nothing_is_saved(hall, client, officer):
    client.force_login(officer)
    response = _save(client, query="book=NO+SUCH+BOOK")
    assert response.status_code == 400
    assert SavedReport.objects.count() == 0
    assert "The filters are not valid." in response.content.decode()

    assert _save(client).status_code == 302
    again = _save(client, name="seattle WIREMEN by apn")
    assert again.status_code == 400
    assert "already have a saved report" in again.content.decode()
    assert SavedReport.objects.count() == 1

    from reports import framework

    with pytest.raises(RuleViolation) as refused:
        services.saved_report_save(report=framework.get("out-of-work-list"), by=officer, name="x",
                                   filters={"book": "WIRE SEATTLE"}, columns=["salary"])  # fmt: skip
    assert refused.value.code == "bad_columns"
    with pytest.raises(RuleViolation) as refused:
        services.saved_report_save(
            report=framework.get("out-of-work-list"), by=officer, name="y", filters={"book": "WIRE SEATTLE"},
            shared_with=[Group.objects.create(name="x")],
        )  # fmt: skip
    assert refused.value.code == "not_shareable"
    assert SavedReport.objects.count() == 1


def test_a_dispatcher_may_not_save_a_report(hall, client, dispatcher):
    client.force_login(dispatcher)
    assert "save_form" not in client.get(f"{PAGE}?{QUERY}").context
    assert _save(client).status_code == 403
    assert SavedReport.objects.count() == 0


def test_saved_filters_that_no_longer_hold_give_a_clear_message_not_a_500(hall, client, officer):
    client.force_login(officer)
    _save(client)
    saved = SavedReport.objects.get()
    SavedReport.objects.filter(pk=saved.pk).update(filters={"book": "WIRE TACOMA"})  # a book the hall closed since
    response = client.get(reverse("admin:reports_saved_run", args=[saved.pk]))
    assert response.status_code == 400
    text = response.content.decode()
    assert "was saved with filters that no longer hold" in text
    assert "Book" in text


def test_a_report_saved_with_demographic_filters_is_not_shown_to_those_without_them(hall, officer, dispatcher):
    saved = SavedReport.objects.create(name="By race", report="out-of-work-list", filters={"race": "x"}, owner=officer)
    saved.shared_with.set([Group.objects.get(name="dispatcher")])
    assert saved_reports_for(officer) == [saved]
    assert saved_reports_for(dispatcher) == []


def test_a_large_export_of_chosen_columns_is_built_in_the_background_with_them(
    hall, client, officer, settings, django_capture_on_commit_callbacks, monkeypatch, tmp_path
):
    from reports import tasks
    from reports.models import ExportJob

    settings.MEDIA_ROOT = tmp_path
    settings.REPORTS_SYNC_MAX_ROWS = 2  # 9 rows: built in the background
    monkeypatch.setattr(tasks.build_export, "delay", lambda job_id: None)
    client.force_login(officer)
    export = reverse("admin:reports_export", args=["out-of-work-list", "xlsx"])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(f"{export}?{QUERY}&columns=name&columns=apn").status_code == 302
    job = ExportJob.objects.get()
    assert job.run.filters == {"book": "WIRE SEATTLE", "_sort": "-apn", "_columns": ["tier", "name", "apn"]}
    assert tasks.build_export(job.pk) == "done"
    job.refresh_from_db()
    with job.file.open("rb") as built:
        sheet = openpyxl.load_workbook(io.BytesIO(built.read())).worksheets[0]
    assert [c.value for c in sheet[1]] == ["BOOK", "NAME", "APN"]
    assert sheet.cell(2, 2).value == "IRWIN, PAT"
    assert "columns=name" in job.run_again_query
    assert "columns=apn" in job.run_again_query


def test_a_zip_password_set_under_another_key_fails_its_run_with_a_message(settings):
    from reports import zip_passwords

    settings.REPORTS_ZIP_PASSWORD_KEY = "the key of last year"
    sealed = zip_passwords.seal("copper-wire-1946")
    assert "copper" not in sealed
    assert zip_passwords.unseal(sealed) == "copper-wire-1946"
    settings.REPORTS_ZIP_PASSWORD_KEY = "a new key"
    with pytest.raises(zip_passwords.PasswordUnreadable, match="set it again"):
        zip_passwords.unseal(sealed)
