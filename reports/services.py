"""Every write of the reports app: the audit row of each run or export, and the background
exports of large reports (queued, built with progress, then downloadable)."""

import datetime
import logging
import tempfile

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from reports import framework, rendering
from reports.errors import ReportsError
from reports.models import ExportJob, ExportStatus, ReportFormat, ReportRun
from unioncore.errors import RuleViolation
from unioncore.models import User

log = logging.getLogger(__name__)


def _ensure_can_run(report, by: User) -> None:
    if not report.can_run(by):
        raise PermissionDenied(f"{by} may not run {report.title}.")


def report_run_record(
    *, report: type[framework.Report], by: User, filters: dict, format: str, row_count: int, background: bool = False
) -> ReportRun:
    """The audit row: who ran which report, with which filters, in which format, how many rows."""
    run = ReportRun(
        report=report.slug, title=report.title, user=by, filters=filters, format=ReportFormat(format),
        row_count=row_count, background=background,
    )  # fmt: skip
    run._history_user = by
    run.save()
    return run


def _clean(report, filters: dict, by: User | None) -> dict:
    form = report.form(filters, user=by)
    if not form.is_valid():
        raise RuleViolation(ReportsError.BAD_FILTERS, "The filters are not valid.", fields=dict(form.errors.items()))
    return form


@transaction.atomic
def report_export(*, report: type[framework.Report], by: User, filters: dict, format: str, target, sort: str = ""):
    """A small export, written now to `target` (a binary file); returns the audit row. Refused
    (RuleViolation `too_large`) above the synchronous limit: queue it with `export_job_queue`."""
    _ensure_can_run(report, by)
    form = _clean(report, filters, by)
    rows = report.rows(form.cleaned_data, sort)
    count = report.count(rows)
    if count > framework.sync_max_rows(format):
        raise RuleViolation(
            ReportsError.TOO_LARGE, f"{count:,} rows are too many to export at once: it runs in the background."
        )
    rendering.WRITERS[format](
        report, rows, target, filters=framework.describe_filters(form),
        summary_only=report.summary_only(form.cleaned_data),
    )  # fmt: skip
    return report_run_record(report=report, by=by, filters=framework.filters_json(form), format=format, row_count=count)


@transaction.atomic
def export_job_queue(
    *, report: type[framework.Report], by: User, filters: dict, format: str, sort: str = ""
) -> ExportJob:
    """A large export: the audit row now, the file built by a Celery task (after commit)."""
    _ensure_can_run(report, by)
    form = _clean(report, filters, by)
    count = report.count(report.rows(form.cleaned_data, sort))
    if count > framework.max_export_rows():
        raise RuleViolation(
            ReportsError.TOO_LARGE,
            f"{count:,} rows is more than an export may hold ({framework.max_export_rows():,}): narrow the filters.",
        )  # fmt: skip
    json_filters = framework.filters_json(form)
    if sort:
        json_filters["_sort"] = sort
    run = report_run_record(report=report, by=by, filters=json_filters, format=format, row_count=count, background=True)
    job = ExportJob(run=run, rows_total=count)
    job._history_user = by
    job.save()
    from reports import tasks

    transaction.on_commit(lambda: tasks.build_export.delay(job.pk))
    return job


# A job whose worker went silent is restarted by a redelivered task at most this many times in all.
MAX_ATTEMPTS = 3
STALE_ERROR = "The export stopped making progress (its worker stopped): run it again."


def _stale_before(now) -> datetime.datetime:
    return now - datetime.timedelta(minutes=settings.REPORTS_EXPORT_STALE_MINUTES)


def _set_progress(job_id: int, rows_done: int, attempt: int | None = None) -> None:
    """Progress (and the heartbeat) outside any long transaction, so the polling page sees it;
    no history row. Only the attempt that owns the job writes it."""
    jobs = ExportJob.objects.filter(pk=job_id, status=ExportStatus.RUNNING)
    if attempt is not None:
        jobs = jobs.filter(attempts=attempt)
    jobs.update(rows_done=rows_done, heartbeat_at=timezone.now())


def _start(job_id: int, by: User | None) -> tuple[ExportJob, bool]:
    """Lock the job and decide: build it (queued, or running with a stale heartbeat: its worker
    died) or leave it alone (finished, expired, or running with a live worker)."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update(of=("self",)).select_related("run", "run__user").get(pk=job_id)
        now = timezone.now()
        if job.status == ExportStatus.RUNNING and job.heartbeat_at < _stale_before(now):
            if job.attempts >= MAX_ATTEMPTS:
                job.status, job.error, job.finished_at = ExportStatus.FAILED, STALE_ERROR, now
                job._history_user = by
                job.save()
                return job, False
            log.warning("export %s: restarting attempt %s, its worker went silent", job_id, job.attempts)
        elif job.status != ExportStatus.QUEUED:
            return job, False
        job.status, job.rows_done, job.heartbeat_at = ExportStatus.RUNNING, 0, now
        job.attempts += 1
        job._history_user = by
        job.save()
    return job, True


def _finish(job_id: int, attempt: int, by: User | None, **changes) -> ExportJob:
    """Write the outcome under the job's lock, if this attempt still owns the job (the sweep
    may have failed it, or a later attempt taken it over); `changes["file"]` is (name, file)."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update(of=("self",)).get(pk=job_id)
        if job.status != ExportStatus.RUNNING or job.attempts != attempt:
            log.warning("export %s: attempt %s finished after it lost the job; its outcome is dropped", job_id, attempt)
            return job
        if "file" in changes:
            name, content = changes.pop("file")
            job.file.save(name, content, save=False)
        for field, value in changes.items():
            setattr(job, field, value)
        job.finished_at = job.heartbeat_at = timezone.now()
        job._history_user = by
        job.save()
    return job


def export_job_build(*, job_id: int, by: User | None = None) -> ExportJob:
    """Build a queued export's file (the Celery task calls this). Idempotent: a finished, failed
    or expired job, or one that a live worker is building, is left alone; a running job whose
    heartbeat is older than REPORTS_EXPORT_STALE_MINUTES (its worker died) is built again.
    Progress and the heartbeat are written as the rows go."""
    job, build = _start(job_id, by)
    if not build:
        return job
    attempt, run = job.attempts, job.run
    report = framework.get(run.report)
    try:
        filters = {k: v for k, v in run.filters.items() if not k.startswith("_")}
        form = _clean(report, filters, run.user)  # the filters the person who asked may use
        rows = report.rows(form.cleaned_data, run.filters.get("_sort", ""))
        with tempfile.TemporaryFile() as target:
            rendering.WRITERS[run.format](
                report, rows, target, filters=framework.describe_filters(form),
                on_progress=lambda n: _set_progress(job_id, n, attempt),
                summary_only=report.summary_only(form.cleaned_data),
            )  # fmt: skip
            target.seek(0)
            return _finish(
                job_id, attempt, by, file=(rendering.filename(report, run.format), File(target)),
                status=ExportStatus.DONE, rows_done=job.rows_total,
            )  # fmt: skip
    except Exception as error:
        log.exception("export %s failed", job_id)
        return _finish(job_id, attempt, by, status=ExportStatus.FAILED, error=str(error)[:300])


SWEEP_BATCH = 100


def _locked_batch(jobs):
    """Up to SWEEP_BATCH of these jobs, locked; rows another sweep holds are skipped (it does them)."""
    return list(jobs.select_for_update(of=("self",), skip_locked=True).order_by("pk")[:SWEEP_BATCH])


def exports_sweep(*, now: datetime.datetime, by: User | None = None) -> dict[str, int]:
    """The periodic clean-up of background exports (reports.tasks.sweep_exports):
    - a built export older than REPORTS_EXPORT_KEEP_DAYS: its file is deleted (a file already
      gone is fine) and the job marked expired (its page offers to run it again);
    - a running export silent for REPORTS_EXPORT_STALE_MINUTES: marked failed (its worker died);
    - a queued export not started in that time: its task is sent again (a lost message).
    Safe to run twice or at once: each batch commits on its own, rows are locked with SKIP
    LOCKED and no longer match once done. Returns how many of each."""
    done = {"expired": 0, "failed": 0, "resent": 0}
    keep_after = now - datetime.timedelta(days=settings.REPORTS_EXPORT_KEEP_DAYS)
    stale_before = _stale_before(now)
    while True:
        with transaction.atomic():
            batch = _locked_batch(ExportJob.objects.filter(status=ExportStatus.DONE, finished_at__lt=keep_after))
            for job in batch:
                if job.file:
                    job.file.delete(save=False)  # the storage ignores a missing file
                job.status, job.file = ExportStatus.EXPIRED, ""
                job._history_user = by
                job.save()
        done["expired"] += len(batch)
        if len(batch) < SWEEP_BATCH:
            break
    while True:
        with transaction.atomic():
            batch = _locked_batch(ExportJob.objects.filter(status=ExportStatus.RUNNING, heartbeat_at__lt=stale_before))
            for job in batch:
                job.status, job.error, job.finished_at = ExportStatus.FAILED, STALE_ERROR, now
                job._history_user = by
                job.save()
        done["failed"] += len(batch)
        if len(batch) < SWEEP_BATCH:
            break
    from reports import tasks

    while True:
        with transaction.atomic():
            batch = _locked_batch(ExportJob.objects.filter(status=ExportStatus.QUEUED, heartbeat_at__lt=stale_before))
            ExportJob.objects.filter(pk__in=[job.pk for job in batch]).update(heartbeat_at=now)
            for job in batch:
                transaction.on_commit(lambda pk=job.pk: tasks.build_export.delay(pk))
        done["resent"] += len(batch)
        if len(batch) < SWEEP_BATCH:
            break
    return done


def ensure_can_download(job: ExportJob, user: User) -> None:
    """The user who asked, or staff who may read the report audit (and run that report)."""
    if job.owner_id == user.pk:
        return
    report = framework.get(job.run.report)
    if user.is_staff and user.has_perm("reports.view_exportjob") and report is not None and report.can_run(user):
        return
    raise PermissionDenied("This export belongs to someone else.")


# --- The letters (decision 0049) ---


@transaction.atomic
def letter_template_save(*, kind: str, by: User, **fields):
    """Change the text of one of the hall's letters; a placeholder it does not know is refused."""
    from members.models import LetterTemplate
    from reports.letters import check_text
    from unioncore.records import record_save

    for name in ("subject", "body", "closing"):
        if name in fields:
            check_text(fields[name], name)
    existing = LetterTemplate.objects.filter(kind=kind).values_list("pk", flat=True).first()
    fields = {"kind": kind, **fields} if existing is None else fields
    return record_save(
        LetterTemplate, pk=existing, by=by, fields=fields, allowed=("kind", "letterhead", "subject", "body", "closing")
    )


@transaction.atomic
def letter_print(*, kind: str, member, by: User, to_local: str = "") -> bytes:
    """One letter for one member, as a PDF. A Travel Letter is recorded as issued (the Travel
    Report lists it) and each letter printed is in the report audit, as a report run is."""
    from members.enums import LetterKind
    from members.services import travel_letter_issue
    from reports.letters import LETTER_REPORTS, letter_pdf

    report = LETTER_REPORTS[kind]
    _ensure_can_run(report, by)
    if kind == LetterKind.TRAVEL_LETTER:
        travel_letter_issue(member_id=member.pk, to_local=to_local, by=by)
    report_run_record(
        report=report, by=by, format="pdf", row_count=1,
        filters={"card_number": member.card_number, **({"to_local": to_local} if to_local else {})},
    )  # fmt: skip
    return letter_pdf(kind, member, to_local=to_local)


# --- Saved custom reports (issue 24, item 3; decision 0055) ---

SAVE = "reports.save_report"


def _query_of(filters) -> tuple[dict, str, str]:
    """The filters of a report page's query string, apart from its sort and the variant."""
    from django.http import QueryDict

    if isinstance(filters, str):
        filters = QueryDict(filters)
    if hasattr(filters, "getlist"):
        data = {k: filters.getlist(k) for k in filters}
        data = {k: v[0] if len(v) == 1 else v for k, v in data.items()}
    else:
        data = dict(filters)
    sort, variant = str(data.pop("sort", "") or ""), str(data.pop("variant", "") or "")
    for key in ("page", "columns", "saved"):
        data.pop(key, None)
    return data, sort, variant


def _saved_columns(report, columns) -> list[str]:
    columns = [str(c) for c in columns or ()]
    unknown = [c for c in columns if report.column(c) is None]
    if unknown:
        raise RuleViolation(ReportsError.BAD_COLUMNS, f"{report.title} has no column {', '.join(unknown)}.")
    if not [c for c in columns if c != report.group_by]:
        return []  # nothing chosen: every column
    return [c.accessor for c in report.columns if c.accessor in columns]  # the report's order


def _saved_sort(report, sort: str) -> str:
    column = report.column(sort.lstrip("-")) if sort else None
    return sort if column is not None and column.sortable else ""


def _staff_groups(group_ids):
    from django.contrib.auth.models import Group

    from unioncore.roles import STAFF_GROUPS

    ids = {int(g.pk if hasattr(g, "pk") else g) for g in group_ids or ()}
    groups = list(Group.objects.filter(pk__in=ids, name__in=STAFF_GROUPS))
    if len(groups) != len(ids):
        raise RuleViolation(ReportsError.NOT_SHAREABLE, "A report is shared with the hall's staff groups only.")
    return groups


@transaction.atomic
def saved_report_save(*, report: type[framework.Report], by: User, name: str, filters, columns=(), shared_with=()):
    """Save the report `by` is looking at — its filters (the page's query string, validated by
    the report's filter set now), the columns shown and the sort — under `name`, and share it
    with staff groups. The name is the owner's: one of theirs may not be used twice."""
    from reports.models import SavedReport

    if not by.has_perm(SAVE):
        raise PermissionDenied("You may not save reports.")
    _ensure_can_run(report, by)
    name = (name or "").strip()
    if not name:
        raise RuleViolation(ReportsError.BAD_FILTERS, "Give the report a name.", fields={"name": "Give it a name."})
    data, sort, variant = _query_of(filters)
    form = _clean(report, data, by)
    if SavedReport.objects.filter(owner=by, name__iexact=name).exists():
        raise RuleViolation(
            ReportsError.SAVED_NAME_TAKEN, f"You already have a saved report named “{name}”.",
            fields={"name": "You already have a saved report of that name."},
        )  # fmt: skip
    saved = SavedReport(
        name=name, report=report.slug, variant=variant if variant in report.laborpower_ids else "",
        filters=framework.filters_json(form), columns=_saved_columns(report, columns),
        sort=_saved_sort(report, sort), owner=by,
    )  # fmt: skip
    saved._history_user = by
    saved.save()
    groups = _staff_groups(shared_with)
    if groups:
        saved.shared_with.set(groups)
    return saved


@transaction.atomic
def saved_report_change(*, saved_report_id: int, by: User, name: str | None = None, shared_with=None):
    """Rename a saved report or change whom it is shared with: its owner only (or a superuser)."""
    from reports.models import SavedReport

    saved = SavedReport.objects.select_for_update().get(pk=saved_report_id)
    if saved.owner_id != by.pk and not by.is_superuser:
        raise PermissionDenied("Only its owner changes a saved report.")
    if name is not None and name.strip() != saved.name:
        name = name.strip()
        if not name:
            raise RuleViolation(ReportsError.BAD_FILTERS, "Give the report a name.", fields={"name": "Give it a name."})
        if SavedReport.objects.filter(owner=saved.owner, name__iexact=name).exclude(pk=saved.pk).exists():
            raise RuleViolation(
                ReportsError.SAVED_NAME_TAKEN, f"There is already a saved report named “{name}”.",
                fields={"name": "There is already a saved report of that name."},
            )  # fmt: skip
        saved.name, saved.updated_at = name, timezone.now()
        saved._history_user = by
        saved.save()
    if shared_with is not None:
        groups = _staff_groups(shared_with)
        saved._history_user = by
        saved.shared_with.set(groups)
    return saved


@transaction.atomic
def saved_report_delete(*, saved_report_id: int, by: User) -> None:
    """Its owner (or a superuser) deletes a saved report; its history stays."""
    from reports.models import SavedReport

    saved = SavedReport.objects.select_for_update().get(pk=saved_report_id)
    if saved.owner_id != by.pk and not by.is_superuser:
        raise PermissionDenied("Only its owner deletes a saved report.")
    saved._history_user = by
    saved.delete()
