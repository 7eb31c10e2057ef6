"""Who may import which LaborPower file (issue 20, finding 1; decision 0037): each kind declares
the permissions the acting user needs to check it (the dry run) and to import it. A dispatcher
reads the dues ledger and never writes it — not through the ledger import either: not on the
admin page, not by confirming a file someone else checked, not by the command."""

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from members.models import MemberTransaction
from unioncore import imports, tasks
from unioncore.imports import jobs
from unioncore.models import ImportJob, ImportJobStatus
from unioncore.testing import upload_checked
from unioncore.tests.factories import ImportJobFactory, StaffFactory
from unioncore.tests.samples import SAMPLES, UPLOAD, sample

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media"), pytest.mark.sqlite]  # on make run's SQLite too


@pytest.fixture
def members_in(system_user):
    assert imports.run("members", sample("members"), by=system_user).ok


@pytest.fixture
def admin_user(db):
    return StaffFactory(groups=["admin"])


def test_every_kind_declares_what_it_takes_to_check_and_to_import_it():
    for name, kind in imports.KINDS.items():
        assert kind.permissions, f"{name} declares no permission"
        assert kind.check_permissions, f"{name} declares no permission for its dry run"


def test_the_ledger_import_needs_the_right_to_add_ledger_rows_which_a_dispatcher_lacks(dispatcher, admin_user):
    ledger = imports.KINDS["ledger"]
    assert "members.add_membertransaction" in ledger.permissions
    assert not imports.may_import("ledger", dispatcher)
    assert not imports.may_import("ledger", dispatcher, dry_run=True)
    assert all(imports.may_import(kind, dispatcher) for kind in imports.KINDS if kind != "ledger")
    assert imports.may_import("ledger", admin_user)


def test_the_upload_page_offers_a_dispatcher_no_ledger_and_refuses_one_posted(client, dispatcher, members_in):
    client.force_login(dispatcher)
    page = client.get(UPLOAD).content.decode()
    assert 'value="members"' in page
    assert 'value="ledger"' not in page
    file = SimpleUploadedFile("ledger.csv", sample("ledger"), content_type="text/csv")
    response = client.post(UPLOAD, {"kind": "ledger", "file": file})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not ImportJob.objects.exists()
    assert not MemberTransaction.objects.exists()


def test_a_dispatcher_cannot_confirm_a_ledger_file_an_admin_checked(
    client, dispatcher, admin_user, members_in, django_capture_on_commit_callbacks
):
    job = upload_checked(kind="ledger", data=sample("ledger"), by=admin_user)
    client.force_login(dispatcher)
    page = client.get(reverse("admin:unioncore_importjob_change", args=[job.pk])).content.decode()
    assert "Import it now" not in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:unioncore_importjob_confirm", args=[job.pk]))
    assert response.status_code == 403
    job.refresh_from_db()
    assert (job.status, job.confirmed_by) == (ImportJobStatus.CHECKED, None)
    assert not MemberTransaction.objects.exists()


def test_the_confirmation_service_refuses_whoever_may_not_import_the_kind(dispatcher, members_in):
    job = ImportJobFactory(kind="ledger", file=SimpleUploadedFile("ledger.csv", sample("ledger")))
    with pytest.raises(PermissionDenied):
        jobs.import_job_confirm(job_id=job.pk, by=dispatcher)
    with pytest.raises(PermissionDenied):
        jobs.import_job_upload(kind="ledger", upload=SimpleUploadedFile("ledger.csv", sample("ledger")), by=dispatcher)
    assert ImportJob.objects.get().status == ImportJobStatus.CHECKED


@pytest.mark.parametrize(
    ("status", "who", "task"),
    [
        (ImportJobStatus.QUEUED, "confirmed_by", tasks.run_import_job),  # the import
        (ImportJobStatus.CHECKING, "uploaded_by", tasks.check_import_job),  # its dry run
    ],
    ids=["queued import", "upload waiting for its dry run"],
)
def test_a_ledger_job_of_someone_who_lost_the_right_reads_and_writes_nothing(dispatcher, members_in, status, who, task):
    """The worker checks again: the job names who confirmed (or uploaded) it, and that user must
    still be allowed."""
    job = ImportJobFactory(
        kind="ledger", file=SimpleUploadedFile("ledger.csv", sample("ledger")), status=status, **{who: dispatcher}
    )
    assert task(job.pk) == ImportJobStatus.FAILED
    job.refresh_from_db()
    assert ("may not import" in job.summary, job.rows, job.errors) == (True, 0, [])
    assert not MemberTransaction.objects.exists()


def test_the_command_refuses_a_user_who_may_not_import_the_kind(dispatcher, members_in):
    for extra in ([], ["--dry-run"]):
        with pytest.raises(CommandError, match="may not"):
            call_command(
                "import_laborpower", "ledger", str(SAMPLES / "ledger.csv"), "--user", dispatcher.username, *extra,
                stdout=io.StringIO(), stderr=io.StringIO(),
            )  # fmt: skip
    assert not MemberTransaction.objects.exists()


def test_the_command_imports_the_ledger_as_an_admin(admin_user, members_in):
    out = io.StringIO()
    call_command("import_laborpower", "ledger", str(SAMPLES / "ledger.csv"), "--user", admin_user.username, stdout=out)
    assert MemberTransaction.objects.exists()
    assert MemberTransaction.objects.first().history.first().history_user == admin_user
