"""The import framework's own features, with a kind made for the test: warnings (noted, not
blocking), a kind's options (validated by its form, passed from the dry run to the import),
header aliases, unknown columns ignored with a warning."""

import csv
import datetime
import io
from pathlib import Path

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from members.models import Member
from unioncore import imports, tasks
from unioncore.imports import jobs
from unioncore.imports.base import Change, Kind
from unioncore.models import ImportJob, ImportJobStatus
from unioncore.testing import check_uploaded_imports

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "laborpower"
UPLOAD = reverse("admin:unioncore_importjob_add")


class NotesOptions(forms.Form):
    start = forms.DateField(initial=datetime.date(2026, 12, 5), help_text="The day the clock starts.")
    limit = forms.IntegerField(min_value=1, initial=3)
    strict = forms.BooleanField(required=False)


class Notes(Kind):
    """Writes nothing; remembers what it was given."""

    name = "notes"
    required = ("name",)
    optional = ("when",)
    aliases = {"WHEN DONE": "when"}
    options_form = NotesOptions
    seen: list = []

    def prepare(self):
        Notes.seen.append(("prepare", dict(self.options)))

    def parse(self, row):
        name = row.text("name", required=True)
        if not row.raw("when"):
            row.warn("when", "No date: imported open-ended, flagged for review.")
        return None if row.errors else (row, name)

    def plan(self, records, by):
        return [Change(row.line, "create", instance=name) for row, name in records]

    def write(self, changes, by, progress):
        Notes.seen.append(("write", dict(self.options), [c.instance for c in changes]))
        return []


@pytest.fixture(autouse=True)
def notes_kind(monkeypatch, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    Notes.seen = []
    monkeypatch.setitem(imports.KINDS, "notes", Notes())


NOTES = b"name,WHEN DONE\nfirst,2026-12-01\nsecond,\n"


def test_options_default_to_the_form_s_initial_values(system_user):
    report = imports.run("notes", NOTES, by=system_user)
    assert report.ok, report.errors
    assert report.options == {"start": datetime.date(2026, 12, 5), "limit": 3, "strict": False}
    assert Notes.seen[0] == ("prepare", report.options), "the options reach the kind before prepare()"


def test_given_options_are_cleaned_by_the_kind_s_form(system_user):
    report = imports.run("notes", NOTES, by=system_user, options={"start": "2027-01-04", "strict": True})
    assert report.ok, report.errors
    assert report.options == {"start": datetime.date(2027, 1, 4), "limit": 3, "strict": True}
    assert Notes.seen[-1][0:2] == ("write", report.options)


@pytest.mark.parametrize(
    ("options", "column", "words"),
    [
        ({"start": "someday"}, "option start", "valid date"),
        ({"limit": "0"}, "option limit", "greater than or equal to 1"),
        ({"colour": "red"}, "option colour", "Unknown option; one of start, limit, strict"),
    ],
)
def test_a_bad_option_is_an_error_and_nothing_is_read(system_user, options, column, words):
    report = imports.run("notes", NOTES, by=system_user, options=options)
    assert not report.ok
    assert [(e.line, e.column) for e in report.errors] == [(0, column)]
    assert words in report.errors[0].reason
    assert Notes.seen == [], "no prepare, no write"


def test_a_kind_without_options_refuses_them(system_user):
    report = imports.run("members", (SAMPLES / "members.csv").read_bytes(), by=system_user, options={"x": "1"})
    assert [(e.column, e.reason) for e in report.errors] == [("option x", "The members import takes no options.")]
    assert not Member.objects.exists()


def test_warnings_are_listed_and_do_not_block(system_user):
    report = imports.run("notes", NOTES, by=system_user)
    assert report.ok
    assert report.written
    assert [(w.line, w.column, w.severity) for w in report.warnings] == [(3, "when", "warning")]
    assert "1 warning on 1 line." in report.summary()
    assert Notes.seen[-1][2] == ["first", "second"], "the row with a warning is imported"


def test_a_header_alias_names_the_kind_s_column(system_user):
    report = imports.run("notes", b"Name,When Done\nfirst,2026-12-01\n", by=system_user)
    assert report.ok, report.errors
    assert not report.warnings
    both = imports.run("notes", b"name,when,WHEN DONE\nfirst,2026-12-01,2026-12-01\n", by=system_user)
    assert [(e.line, e.column) for e in both.errors] == [(1, "when")], "one column under two spellings"


def test_an_unknown_column_is_a_warning_and_the_rest_is_imported(system_user):
    data = (SAMPLES / "members.csv").read_bytes().replace(b"card_number,", b"card_number,Shoe Size,", 1)
    lines = data.split(b"\r\n") if b"\r\n" in data else data.split(b"\n")
    lines = [lines[0]] + [line.replace(b",", b",44,", 1) if line.strip() else line for line in lines[1:]]
    report = imports.run("members", b"\r\n".join(lines), by=system_user)
    assert report.ok, report.errors
    assert [(w.line, w.column, w.value, w.reason) for w in report.warnings] == [
        (1, "shoe_size", "Shoe Size", "Unknown column, ignored.")
    ]
    assert report.created == 9
    assert Member.objects.get(card_number="0012345").last_name == "Álvarez"


def test_missing_and_doubled_columns_still_refuse_the_file(system_user):
    report = imports.run("notes", b"nom,when,when\nfirst,1,1\n", by=system_user)
    assert {(e.line, e.column) for e in report.errors} == {(1, "name"), (1, "when")}
    assert [w.column for w in report.warnings] == ["nom"]


def test_the_error_report_has_a_severity_column(system_user):
    report = imports.run("notes", b"name,when,extra\n,2026-12-01,x\n", by=system_user)
    out = io.StringIO()
    imports.write_error_report(report.errors, out, report.warnings)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [(r["line"], r["column"], r["severity"]) for r in rows] == [
        ("1", "extra", "warning"),
        ("2", "name", "error"),
    ]


# --- the command ---------------------------------------------------------------------------


def test_the_command_takes_options_and_lists_warnings(tmp_path, system_user):
    path = tmp_path / "notes.csv"
    path.write_bytes(NOTES)
    out, err = io.StringIO(), io.StringIO()
    call_command("import_laborpower", "notes", str(path), "--option", "start=2027-02-01", stdout=out, stderr=err)
    assert "line 3, when: warning: No date" in err.getvalue()
    assert "Options: start=2027-02-01, limit=3, strict=False." in out.getvalue()
    assert "1 warning" in out.getvalue()
    assert Notes.seen[-1][1]["start"] == datetime.date(2027, 2, 1)


@pytest.mark.parametrize("pair", ["start=never", "start", "colour=red"])
def test_the_command_refuses_a_bad_option_and_writes_nothing(tmp_path, system_user, pair):
    path = tmp_path / "notes.csv"
    path.write_bytes(NOTES)
    with pytest.raises(CommandError):
        call_command("import_laborpower", "notes", str(path), "--option", pair, stderr=io.StringIO())
    assert not any(step[0] == "write" for step in Notes.seen)


# --- the admin page ------------------------------------------------------------------------


@pytest.fixture
def as_dispatcher(client, dispatcher):
    client.force_login(dispatcher)
    return client


def upload(client, data=NOTES, **options):
    file = SimpleUploadedFile("notes.csv", data, content_type="text/csv")
    return client.post(UPLOAD, {"kind": "notes", "file": file, **{f"notes-{k}": v for k, v in options.items()}})


def test_the_upload_page_shows_each_kind_s_options_with_their_defaults(as_dispatcher):
    html = as_dispatcher.get(UPLOAD).content.decode()
    assert 'name="notes-start"' in html
    assert 'value="2026-12-05"' in html
    assert "The day the clock starts." in html


def test_a_bad_option_on_the_upload_page_is_a_form_error(as_dispatcher):
    response = upload(as_dispatcher, start="someday", limit="3")
    assert response.status_code == 200
    assert "Enter a valid date" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_the_confirmed_import_uses_the_options_its_dry_run_showed(as_dispatcher, dispatcher):
    response = upload(as_dispatcher, start="2027-03-01", limit="7", strict="on")
    assert response.status_code == 302, response.content.decode()
    (job,) = check_uploaded_imports()
    assert job.options == {"start": "2027-03-01", "limit": 7, "strict": True}
    html = as_dispatcher.get(reverse("admin:unioncore_importjob_change", args=[job.pk])).content.decode()
    assert "Start = <strong>2027-03-01</strong>" in html
    assert "Warnings" in html
    assert "No date: imported open-ended" in html
    assert "Import it now (2 created, 0 updated)" in html, "a warning does not block the confirm"
    csv_text = as_dispatcher.get(reverse("admin:unioncore_importjob_errors", args=[job.pk])).content.decode()
    assert next(iter(csv.DictReader(io.StringIO(csv_text))))["severity"] == "warning"

    jobs.import_job_confirm(job_id=job.pk, by=dispatcher)
    assert tasks.run_import_job(job.pk) == ImportJobStatus.DONE
    assert Notes.seen[-1] == (
        "write",
        {"start": datetime.date(2027, 3, 1), "limit": 7, "strict": True},
        ["first", "second"],
    )
    job.refresh_from_db()
    assert job.warnings
    assert job.warnings[0]["column"] == "when"
