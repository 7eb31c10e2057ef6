"""Every write of the reports app: the audit row of each run or export, and the background
exports of large reports (queued, built with progress, then downloadable)."""

import datetime
import logging
import tempfile

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from reports import framework, rendering
from reports.errors import ReportsError
from reports.models import ExportJob, ExportStatus, ReportFormat, ReportRun
from unioncore.audit import create_with_history
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
    if report.columns != getattr(framework.get(report.slug), "columns", report.columns):
        json_filters["_columns"] = [c.accessor for c in report.columns]  # a saved report's choice
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
    report = framework.get(run.report).with_columns(run.filters.get("_columns", ()))
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
    if saved.schedules.exists():  # its runs are the record of what was sent: stop its schedules
        raise RuleViolation(
            ReportsError.SAVED_IN_USE, f"“{saved.name}” has schedules: stop them (untick Active) instead."
        )
    saved._history_user = by
    saved.delete()


# --- Scheduled reports: emailed daily or weekly (decision 0055) ---

MAX_RECIPIENTS = 50


def schedule_next_slot(*, frequency: str, weekday: int | None, at_time: datetime.time, after) -> datetime.datetime:
    """The first time of the schedule strictly after `after`: `at_time` of the hall's day (its
    time zone, summer time included), every day or on `weekday` (0 Monday)."""
    from reports.models import ScheduleFrequency

    zone = timezone.get_default_timezone()
    day = after.astimezone(zone).date()
    for ahead in range(9):
        date = day + datetime.timedelta(days=ahead)
        if frequency == ScheduleFrequency.WEEKLY and date.weekday() != weekday:
            continue
        slot = datetime.datetime.combine(date, at_time, tzinfo=zone)
        if slot > after:
            return slot
    raise ValueError("no time found for the schedule")  # never: a week holds every weekday


def _recipients(text) -> list[str]:
    """The addresses, one a line or separated by commas or semicolons, each checked, once each."""
    import re

    from django.core.validators import validate_email

    given = text if isinstance(text, list | tuple) else re.split(r"[\s,;]+", text or "")
    out, seen, wrong = [], set(), []
    for address in (a.strip() for a in given):
        if not address or address.lower() in seen:
            continue
        try:
            validate_email(address)
        except ValidationError:
            wrong.append(address)
            continue
        seen.add(address.lower())
        out.append(address)
    if wrong:
        message = f"Not an email address: {', '.join(wrong)}."
        raise RuleViolation(ReportsError.BAD_SCHEDULE, message, fields={"recipients": message})
    if not out:
        raise RuleViolation(
            ReportsError.BAD_SCHEDULE, "Give at least one address.", fields={"recipients": "Give at least one address."}
        )
    if len(out) > MAX_RECIPIENTS:
        message = f"At most {MAX_RECIPIENTS} addresses (a mailing list's address counts as one)."
        raise RuleViolation(ReportsError.BAD_SCHEDULE, message, fields={"recipients": message})
    return out


def _personal(report, saved) -> bool:
    """Whether the saved report carries race, gender or ages: a demographic report, or filters."""
    from reports.filters import DEMOGRAPHIC_FILTERS

    return report.permission == framework.DEMOGRAPHIC or bool(set(saved.filters) & DEMOGRAPHIC_FILTERS)


def _check_personal_recipients(report, saved, recipients: list[str]) -> None:
    """A report of personal data (docs/pii.md) goes only to the addresses of active staff who may
    run it and see demographics (officers): the same people who could read it in the console."""
    from django.db.models.functions import Lower

    if not _personal(report, saved):
        return
    wanted = {a.lower() for a in recipients}
    allowed = {
        user.email.lower()
        for user in User.objects.annotate(address=Lower("email")).filter(
            address__in=wanted, is_active=True, is_staff=True
        )
        if report.can_run(user) and framework.sees_demographics(user)
    }
    others = [a for a in recipients if a.lower() not in allowed]
    if others:
        message = (
            f"{report.title} holds race, gender or ages (personal data): it is emailed only to officers' own "
            f"addresses, not to {', '.join(others)}."
        )
        raise RuleViolation(ReportsError.PERSONAL_DATA_RECIPIENT, message, fields={"recipients": message})


@transaction.atomic
def report_schedule_save(
    *, by: User, saved_report_id: int, schedule_id: int | None = None, frequency: str, weekday: int | None = None,
    at_time: datetime.time, recipients, format: str, zip_password: str | None = None, active: bool = True,
):  # fmt: skip
    """Schedule a saved report (or change a schedule): its owner only. `zip_password`: None keeps
    the one set (none on a new schedule), "" removes it, text sets it (encrypted; at least
    MIN_LENGTH characters). The recipients are checked (a report of personal data: officers only)."""
    from reports import zip_passwords
    from reports.models import ReportSchedule, SavedReport, ScheduleFormat, ScheduleFrequency

    saved = SavedReport.objects.select_for_update().get(pk=saved_report_id)
    if not by.has_perm(SAVE) or (saved.owner_id != by.pk and not by.is_superuser):
        raise PermissionDenied("Only its owner schedules a saved report.")
    report = framework.get(saved.report)
    if report is None or not report.can_run(saved.owner):
        raise PermissionDenied("Its owner may not run this report.")
    if frequency not in ScheduleFrequency.values or format not in ScheduleFormat.values:
        raise RuleViolation(ReportsError.BAD_SCHEDULE, "Choose daily or weekly, and PDF, Excel or CSV.")
    if frequency == ScheduleFrequency.WEEKLY and weekday not in range(7):
        raise RuleViolation(
            ReportsError.BAD_SCHEDULE, "A weekly report needs its day.", fields={"weekday": "Choose the day."}
        )
    if frequency == ScheduleFrequency.DAILY:
        weekday = None
    addresses = _recipients(recipients)
    _check_personal_recipients(report, saved, addresses)
    if zip_password and len(zip_password) < zip_passwords.MIN_LENGTH:
        message = f"A zip's password has at least {zip_passwords.MIN_LENGTH} characters."
        raise RuleViolation(ReportsError.BAD_SCHEDULE, message, fields={"zip_password": message})
    if schedule_id is None:
        schedule = ReportSchedule(saved_report=saved, created_by=by)
    else:
        schedule = ReportSchedule.objects.select_for_update().get(pk=schedule_id, saved_report=saved)
    schedule.frequency, schedule.weekday, schedule.at_time = frequency, weekday, at_time
    schedule.recipients, schedule.format, schedule.active = ",".join(addresses), format, active
    if zip_password is not None:
        schedule.zip_password = zip_passwords.seal(zip_password) if zip_password else ""
    # The next time is after now: a schedule made at 9:00 for 7:00 first runs tomorrow at 7:00.
    schedule.next_run_at = schedule_next_slot(
        frequency=frequency, weekday=weekday, at_time=at_time, after=timezone.now()
    )
    schedule._history_user = by
    schedule.save()
    return schedule


class ScheduleFailed(Exception):
    """A run that cannot be made; its message is recorded on the run."""


def _schedule_file(schedule, report, form, rows, count) -> tuple[str, bytes, str]:
    """The file to attach: the report in the schedule's format, zipped if it has a password."""
    from reports import zip_passwords

    with tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024) as target:
        rendering.WRITERS[schedule.format](
            report, rows, target, filters=framework.describe_filters(form),
            summary_only=report.summary_only(form.cleaned_data),
        )  # fmt: skip
        target.seek(0)
        content = target.read()
    name, mimetype = rendering.filename(report, schedule.format), rendering.CONTENT_TYPES[schedule.format]
    if schedule.zip_password:
        password = zip_passwords.unseal(schedule.zip_password)
        content, name, mimetype = zip_passwords.zipped(name, content, password), f"{name}.zip", "application/zip"
    if len(content) > settings.REPORTS_SCHEDULE_MAX_BYTES:
        raise ScheduleFailed(
            f"The file ({len(content) / 1048576:.1f} MB, {count:,} rows) is larger than an email may carry "
            f"({settings.REPORTS_SCHEDULE_MAX_BYTES / 1048576:.0f} MB): narrow the saved report's filters."
        )
    return name, content, mimetype


class _Mail:
    """A run's email and the report audit row it earns once sent (written after the send)."""

    def __init__(self, message, report, filters: dict, count: int):
        self.message, self.report, self.filters, self.count = message, report, filters, count


def _schedule_mail(schedule, *, slot) -> _Mail:
    """The run's email, made as the saved report's owner (their rights, their filters); raises
    ScheduleFailed (or a RuleViolation) when it cannot be made. Sends nothing."""
    from django.core.mail import EmailMessage

    saved, owner = schedule.saved_report, schedule.saved_report.owner
    report = framework.get(saved.report)
    if report is None:
        raise ScheduleFailed(f"The report {saved.report!r} no longer exists.")
    if not report.can_run(owner):
        raise ScheduleFailed(f"{owner} (who saved it) may no longer run {report.title}.")
    report = report.with_columns(saved.columns)
    _check_personal_recipients(report, saved, schedule.recipient_list)
    form = report.form(saved.filters, user=owner)
    if not form.is_valid():
        errors = "; ".join(f"{form.fields[f].label if f in form.fields else f}: {' '.join(e)}"
                           for f, e in form.errors.items())  # fmt: skip
        raise ScheduleFailed(f"Its filters no longer hold ({errors}): run it and save it again.")
    rows = report.rows(form.cleaned_data, saved.sort)
    count = report.count(rows)
    if count > framework.max_export_rows():
        raise ScheduleFailed(f"{count:,} rows is more than an export may hold: narrow the filters.")
    name, content, mimetype = _schedule_file(schedule, report, form, rows, count)
    filters = {**framework.filters_json(form), **({"_sort": saved.sort} if saved.sort else {})}
    if saved.columns:
        filters["_columns"] = list(saved.columns)
    printed = timezone.localtime(slot)
    body = (
        f"{saved.name} — {report.title}, {count:,} row{'s' if count != 1 else ''}, as of "
        f"{timezone.localtime():%Y-%m-%d %H:%M}.\n\nSent {schedule.when} for {owner.get_full_name() or owner}."
    )
    if schedule.zip_password:
        body += "\n\nThe file is in a zip with a password; the password is not in this email: ask the sender."
    message = EmailMessage(
        subject=f"{saved.name} ({report.title}) — {printed:%Y-%m-%d}", body=body, to=schedule.recipient_list
    )
    message.attach(name, content, mimetype)
    return _Mail(message, report, filters, count)


def _schedule_run_begin(schedule, *, slot, by: User | None):
    """Record one run of a schedule before anything is sent, inside the caller's transaction (the
    one that holds the schedule's lock): `sending` with its email ready, or `failed` and why when
    the email cannot be made. Returns the run and its email (None when it failed). A failure is
    recorded, never raised."""
    from reports.models import ScheduledRun, ScheduledRunStatus

    saved, started = schedule.saved_report, timezone.now()
    mail, count, status, error = None, None, ScheduledRunStatus.SENDING, ""
    try:
        with transaction.atomic():  # a savepoint: what a failed report wrote is undone
            mail = _schedule_mail(schedule, slot=slot)
        count = mail.count
    except Exception as failure:  # recorded on the run; the next schedule still runs
        log.warning("schedule %s for %s failed: %s", schedule.pk, slot, failure, exc_info=not isinstance(
            failure, ScheduleFailed | RuleViolation))  # fmt: skip
        status, error = ScheduledRunStatus.FAILED, str(getattr(failure, "message", failure))[:300]
    run = ScheduledRun(
        schedule=schedule, slot=slot, report=saved.report, name=saved.name, user=saved.owner,
        format=schedule.format, zipped=schedule.zipped, recipients=schedule.recipients, row_count=count,
        status=status, error=error, started_at=started,
        finished_at=timezone.now() if status == ScheduledRunStatus.FAILED else None,
    )  # fmt: skip
    create_with_history(run, by=by)
    return run, mail


def _schedule_run_send(run, mail: _Mail, *, by: User | None):
    """Send a recorded run's email, after the run's transaction committed (so a failed commit
    sends nothing, and nothing is sent twice for one time), then write its outcome: `sent`, with
    the report's audit row, or `failed` and why. Should the process die in between, the run stays
    `sending`: the console shows it, and its owner can run the schedule now."""
    from reports.models import ScheduledRun, ScheduledRunStatus

    try:
        mail.message.send()
    except Exception as failure:
        log.warning("schedule run %s was not sent: %s", run.pk, failure, exc_info=True)
        run.status, run.error = ScheduledRunStatus.FAILED, f"The mail server refused it: {failure}"[:300]
    else:
        run.status = ScheduledRunStatus.SENT
    with transaction.atomic():
        ScheduledRun.objects.select_for_update().get(pk=run.pk)
        if run.status == ScheduledRunStatus.SENT:
            run.report_run = report_run_record(
                report=mail.report, by=run.user, filters=mail.filters, format=run.format, row_count=mail.count,
                background=True,
            )  # fmt: skip
        run.finished_at = timezone.now()
        run._history_user = by
        run.save(update_fields=["status", "error", "report_run", "finished_at"])
    return run


def report_schedules_run_due(*, now: datetime.datetime, by: User | None = None) -> dict[str, int]:
    """Run every schedule due at `now` (reports.tasks.run_report_schedules, every 5 minutes), one
    at a time: under its row's lock the run is recorded and the schedule moved to its next time,
    committed, and only then the email sent and its outcome written. Safe to run twice or at once
    (a schedule another run holds is skipped — SKIP LOCKED — and is no longer due once it
    commits; one run per schedule and time, by a constraint). A schedule late by more than one
    of its times (the worker was down) runs once, for the latest. Returns how many were sent and
    how many failed."""
    from reports.models import ReportSchedule

    done, seen = {"sent": 0, "failed": 0}, set()
    while True:
        with transaction.atomic():
            due = ReportSchedule.objects.select_for_update(of=("self",), skip_locked=True).filter(
                active=True, next_run_at__lte=now
            ).exclude(pk__in=seen).select_related("saved_report__owner").order_by("next_run_at", "pk")  # fmt: skip
            schedule = due.first()
            if schedule is None:
                break
            seen.add(schedule.pk)
            # The latest of its times not after now (several if beat was down): that one is run.
            slot, latest = schedule.next_run_at, schedule.next_run_at
            while latest <= now:
                slot, latest = latest, schedule_next_slot(
                    frequency=schedule.frequency, weekday=schedule.weekday, at_time=schedule.at_time, after=latest
                )  # fmt: skip
            run, mail = _schedule_run_begin(schedule, slot=slot, by=by)
            # No history row a run: the run is its own record.
            ReportSchedule.objects.filter(pk=schedule.pk).update(last_run_for=slot, next_run_at=latest)
        if mail is not None:
            run = _schedule_run_send(run, mail, by=by)
        done[run.status] += 1
    return done


def report_schedule_run_now(*, schedule_id: int, by: User):
    """An officer sends a schedule's report now (the console's "Run now"), through the same steps
    as the beat: recorded as a run for this moment, then sent after commit. Its next time stays."""
    from reports.models import ReportSchedule

    with transaction.atomic():
        schedule = (
            ReportSchedule.objects.select_for_update(of=("self",)).select_related("saved_report__owner")
            .get(pk=schedule_id)
        )  # fmt: skip
        if not by.has_perm(SAVE) or (schedule.saved_report.owner_id != by.pk and not by.is_superuser):
            raise PermissionDenied("Only its owner runs a schedule now.")
        run, mail = _schedule_run_begin(schedule, slot=timezone.now(), by=by)
    return _schedule_run_send(run, mail, by=by) if mail is not None else run
