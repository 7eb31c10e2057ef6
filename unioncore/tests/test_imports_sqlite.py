"""Every import kind on the embedded SQLite of `make run` (issue 17, item 5): through the service
(dry run, import, re-run, a change), the admin page (upload, confirm, the task: never a 500) and
the command. Marked `sqlite`: `make test` runs these again with unioncore.settings.test_sqlite
(the PostgreSQL run runs them too, on the COPY path)."""

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from dispatch.models import Dispatch, Employer, EmployerContract
from members.models import Member, MemberTransaction
from referral.models import BookRegistration, RegistrationActivity
from unioncore import imports, tasks
from unioncore.imports import CHANGE_REASON
from unioncore.models import ImportJob, ImportJobStatus
from unioncore.testing import check_uploaded_imports
from unioncore.tests.factories import StaffFactory

pytestmark = [pytest.mark.sqlite, pytest.mark.django_db]
SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "laborpower"
ORDER = list(imports.KINDS)  # every registered kind, in the import order; each has a sample file
WRITTEN = {  # what a kind writes, where it is worth checking the rows themselves
    "members": Member,
    "employers": Employer,
    "registrations": BookRegistration,
    "dispatches": Dispatch,
    "ledger": MemberTransaction,
}


def sample_path(kind: str) -> Path:
    """fixtures/laborpower/<kind>.csv (employer_lists: employer-lists.csv)."""
    return next(p for p in (SAMPLES / f"{kind}.csv", SAMPLES / f"{kind.replace('_', '-')}.csv") if p.exists())


def sample(kind: str) -> bytes:
    return sample_path(kind).read_bytes()


def test_the_run_is_on_the_database_its_settings_name(settings):
    expected = "sqlite" if settings.SETTINGS_MODULE.endswith(".test_sqlite") else "postgresql"
    assert connection.vendor == expected


def test_every_kind_has_a_sample_and_is_tested_here():
    assert {"members", "employers", "registrations", "dispatches", "ledger"} <= set(ORDER)
    for kind in ORDER:
        assert sample_path(kind).exists(), f"{kind}: add fixtures/laborpower/{kind}.csv (the SQLite run imports it)"


def test_every_kind_imports_dry_run_then_for_real_then_changes_nothing(system_user, dispatcher):
    for kind in ORDER:
        dry = imports.run(kind, sample(kind), by=dispatcher, dry_run=True)
        assert dry.ok, (kind, connection.vendor, dry.errors)
        assert dry.changes > 0, kind
        model = WRITTEN.get(kind)
        assert model is None or not model.objects.exists(), f"{kind}: a dry run writes nothing"
        report = imports.run(kind, sample(kind), by=dispatcher)
        assert report.ok, (kind, connection.vendor, report.errors)
        assert report.written
        assert (report.created, report.updated) == (dry.created, dry.updated), kind
        if model is not None:
            assert model.objects.count() == report.created, kind
            first = model.objects.order_by("pk").first()
            history = first.history.get()
            assert (history.history_type, history.history_user, history.history_change_reason) == (
                "+",
                dispatcher,
                CHANGE_REASON,
            ), kind
        again = imports.run(kind, sample(kind), by=dispatcher)
        assert again.ok, (kind, again.errors)
        assert (again.created, again.updated) == (0, 0), kind
    assert EmployerContract.objects.exists()
    assert RegistrationActivity.objects.exists()


def test_a_changed_row_is_updated_with_its_history(system_user, dispatcher):
    assert imports.run("members", sample("members"), by=system_user).ok
    changed = sample("members").replace(b"(206) 555-0134", b"(206) 555-0199")
    report = imports.run("members", changed, by=dispatcher)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 8), report.errors
    member = Member.objects.get(card_number="0012345")
    assert member.phone.as_e164 == "+12065550199"
    assert member.history.first().history_user == dispatcher


def test_a_bad_file_writes_nothing(system_user):
    bad = sample("members").replace(b"0012346", b"00A2346")
    report = imports.run("members", bad, by=system_user)
    assert [(e.line, e.column) for e in report.errors] == [(3, "card_number")]
    assert not Member.objects.exists()


@pytest.fixture
def as_admin(client, settings, tmp_path):
    """An admin: every kind, the ledger too (a dispatcher may not import it, decision 0037)."""
    settings.MEDIA_ROOT = tmp_path
    client.force_login(StaffFactory(groups=["admin"]))
    return client


def test_every_kind_through_the_admin_page(as_admin):
    for kind in ORDER:
        file = SimpleUploadedFile(sample_path(kind).name, sample(kind), content_type="text/csv")
        response = as_admin.post(reverse("admin:unioncore_importjob_add"), {"kind": kind, "file": file})
        assert response.status_code == 302, (kind, response.content.decode()[:2000])
        assert ImportJob.objects.get(kind=kind).status == ImportJobStatus.CHECKING, "checked by the worker"
        (job,) = check_uploaded_imports()
        assert (job.status, job.errors) == (ImportJobStatus.CHECKED, []), kind
        page = as_admin.get(reverse("admin:unioncore_importjob_change", args=[job.pk]))
        assert page.status_code == 200
        assert "Import it now" in page.content.decode(), kind
        response = as_admin.post(reverse("admin:unioncore_importjob_confirm", args=[job.pk]))
        assert response.status_code == 302
        assert tasks.run_import_job(job.pk) == ImportJobStatus.DONE, (kind, ImportJob.objects.get(pk=job.pk).summary)
        job.refresh_from_db()
        assert job.created + job.updated > 0, kind
        assert as_admin.get(reverse("admin:unioncore_importjob_change", args=[job.pk])).status_code == 200


def test_every_kind_through_the_command(system_user, tmp_path):
    for kind in ORDER:
        path = tmp_path / sample_path(kind).name
        path.write_bytes(sample(kind))
        out = io.StringIO()
        call_command("import_laborpower", kind, str(path), "--dry-run", stdout=out, stderr=io.StringIO())
        assert "Dry run" in out.getvalue()
        out = io.StringIO()
        call_command("import_laborpower", kind, str(path), stdout=out, stderr=io.StringIO())
        assert "Imported" in out.getvalue(), kind
