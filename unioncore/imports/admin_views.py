"""The staff page for LaborPower imports (admin → LaborPower imports): upload a file, read its
dry-run report (counts, every rejected row, the errors as CSV), then confirm — the import runs
as a Celery task and the page shows its progress until the result."""

import re

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.forms.utils import pretty_name
from django.http import HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse

from unioncore.errors import RuleViolation
from unioncore.imports import KINDS, jobs, kind_label, may_import
from unioncore.models import ImportJob, ImportJobStatus

ALLOWED_EXTENSIONS = (".csv", ".txt")
ERRORS_SHOWN = 200  # rows of the report on the page; the CSV has them all
REFRESH_SECONDS = 2


def kind_choices(user) -> list[tuple[str, str]]:
    """The kinds this user may check (decision 0037): a dispatcher is not offered the ledger."""
    return [(name, kind_label(name)) for name in KINDS if may_import(name, user, dry_run=True)]


class UploadForm(forms.Form):
    kind = forms.ChoiceField(help_text="Import in this order; see docs/imports.md.")
    file = forms.FileField(help_text="A CSV export (UTF-8 or Windows-1252).")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kind_choices(user)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = jobs.max_upload_bytes()
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is {filesizeformat(upload.size)}; at most {filesizeformat(limit)}: split it."
            )
        if not upload.name.lower().endswith(ALLOWED_EXTENSIONS):
            raise forms.ValidationError("Upload a CSV file (.csv or .txt): save the sheet as CSV first.")
        head = upload.read(8192)
        upload.seek(0)
        if not head.strip():
            raise forms.ValidationError("The file is empty.")
        if head.startswith(b"PK\x03\x04") or b"\x00" in head.lstrip(b"\xff\xfe\xfe\xff"):
            raise forms.ValidationError("This is not a text file (an Excel workbook?): save it as CSV first.")
        return upload


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = (
        "uploaded_at", "kind", "original_name", "status", "rows", "created", "updated", "unchanged",
        "error_count", "uploaded_by",
    )  # fmt: skip
    list_filter = ("status", "kind")
    list_select_related = ("uploaded_by",)
    search_fields = ("original_name",)
    date_hierarchy = "uploaded_at"

    def has_change_permission(self, request, obj=None):
        return False  # written only by the services below

    def has_delete_permission(self, request, obj=None):
        return False  # the record of what was imported, by whom, stays

    def can_run(self, request, job: ImportJob | None = None) -> bool:
        """May confirm imports at all — and this job's kind, when given (decision 0037)."""
        allowed = request.user.has_perm("unioncore.run_importjob")
        return allowed and (job is None or may_import(job.kind, request.user))

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:job_id>/confirm/", wrap(self.confirm_view), name="unioncore_importjob_confirm"),
            path("<int:job_id>/errors.csv", wrap(self.errors_view), name="unioncore_importjob_errors"),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        """The upload: the file is stored and its dry run queued; the job's page shows the check's
        progress, then its report. Nothing of the file is read here but its first 8 KB."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        posted = request.method == "POST"
        form = UploadForm(
            request.POST or None, request.FILES or None, initial={"kind": request.GET.get("kind")}, user=request.user
        )
        # Every kind's options (its form's fields with their defaults), each under its kind's
        # prefix; only the chosen kind's are read.
        option_forms = {
            name: kind.options_form(request.POST if posted else None, prefix=name)
            for name, kind in KINDS.items()
            if kind.options_form is not None
        }
        if posted and form.is_valid():
            kind = form.cleaned_data["kind"]
            options_form = option_forms.get(kind)
            if options_form is None or options_form.is_valid():
                try:
                    job = jobs.import_job_upload(
                        kind=kind,
                        upload=form.cleaned_data["file"],
                        by=request.user,
                        options=options_form.cleaned_data if options_form is not None else None,
                    )
                except RuleViolation as e:
                    form.add_error(None, e.message)
                else:
                    return HttpResponseRedirect(reverse("admin:unioncore_importjob_change", args=[job.pk]))
            else:
                form.add_error(None, f"Check the options of the {kind} import below.")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Upload a LaborPower file",
            "form": form,
            "option_forms": [(name, kind_label(name), f) for name, f in option_forms.items()],
            "max_size": filesizeformat(jobs.max_upload_bytes()),
            "kinds": list(KINDS),
        }
        return TemplateResponse(request, "admin/laborpower/upload.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The report of one file: its dry run, then its import's progress and result."""
        job = get_object_or_404(ImportJob, pk=object_id)
        if not self.has_view_permission(request, job):
            raise PermissionDenied
        working = job.status in (ImportJobStatus.CHECKING, ImportJobStatus.QUEUED, ImportJobStatus.RUNNING)
        kind = KINDS.get(job.kind)
        labels = kind.options_form.base_fields if kind is not None and kind.options_form is not None else {}
        options = [(str(getattr(labels.get(n), "label", None) or pretty_name(n)), v) for n, v in job.options.items()]
        percent = round(100 * job.progress_done / job.progress_total) if job.progress_total else 0
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"{kind_label(job.kind)}: {job.original_name}",
            "job": job,
            "errors_shown": job.errors[:ERRORS_SHOWN],
            "more_errors": max(job.error_count - ERRORS_SHOWN, 0),
            "warnings_shown": job.warnings[:ERRORS_SHOWN],
            "more_warnings": max(job.warning_count - ERRORS_SHOWN, 0),
            "options": options,
            "can_confirm": job.status == ImportJobStatus.CHECKED and not job.errors and self.can_run(request, job),
            "can_confirm_again": jobs.stopped_with_its_worker(job) and self.can_run(request, job),
            "working": working,
            "checking": job.status == ImportJobStatus.CHECKING,
            "refresh": REFRESH_SECONDS if working else None,
            "percent": percent,
        }
        return TemplateResponse(request, "admin/laborpower/job.html", context)

    def confirm_view(self, request, job_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.can_run(request):
            raise PermissionDenied
        get_object_or_404(ImportJob, pk=job_id)
        try:
            job = jobs.import_job_confirm(job_id=job_id, by=request.user)
        except RuleViolation as e:
            self.message_user(request, e.message, messages.ERROR)
        else:
            self.message_user(request, f"{job.original_name}: the import has started.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:unioncore_importjob_change", args=[job_id]))

    def errors_view(self, request, job_id):
        job = get_object_or_404(ImportJob, pk=job_id)
        if not self.has_view_permission(request, job):
            raise PermissionDenied
        response = HttpResponse(jobs.error_report_csv(job), content_type="text/csv; charset=utf-8")
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", job.original_name.rsplit(".", 1)[0]) or "import"
        response["Content-Disposition"] = f'attachment; filename="{stem}-errors.csv"'
        return response
