"""The reports in the staff console: the report pages live under /admin/reports/ (added to the
admin site's URLs below, ahead of the app's model pages), and the audit of runs and exports is
read-only."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.urls import path
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from members.models import LetterTemplate
from reports import services, views
from reports.models import ExportJob, ReportRun, ReportSchedule, SavedReport, ScheduledRun, ScheduledRunStatus
from unioncore.admin_actions import HistoryAdmin, ReadOnlyMixin
from unioncore.admin_records import RecordAdmin


@admin.register(ReportRun)
class ReportRunAdmin(ReadOnlyMixin, HistoryAdmin):
    list_display = ("at", "title", "user", "format", "row_count", "background")
    list_select_related = ("user",)
    list_filter = ("format", "report", "background")
    search_fields = ("title", "report", "user__username", "user__last_name")
    date_hierarchy = "at"
    readonly_fields = ("report", "title", "user", "filters", "format", "row_count", "background", "at")


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnlyMixin, HistoryAdmin):
    list_display = ("created_at", "run", "status", "rows_done", "rows_total", "link")
    list_select_related = ("run", "run__user")
    list_filter = ("status",)
    readonly_fields = ("run", "status", "rows_done", "rows_total", "file", "error", "created_at", "finished_at")

    @admin.display(description="Progress")
    def link(self, job):
        from django.urls import reverse

        return format_html('<a href="{}">{}%</a>', reverse("admin:reports_export_job", args=[job.pk]), job.percent)


@admin.register(LetterTemplate)
class LetterTemplateAdmin(RecordAdmin):
    """The text of the hall's letters, as officers edit it; saved through the service, which
    refuses a placeholder it does not fill in."""

    list_display = ("kind", "subject", "updated_at")
    fields = ("kind", "letterhead", "subject", "body", "closing", "placeholders", "updated_at")
    readonly_fields = ("placeholders", "updated_at")

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "kind") if obj else self.readonly_fields

    @admin.display(description="Placeholders")
    def placeholders(self, obj=None):
        from reports.letters import PLACEHOLDERS

        return format_html_join(mark_safe("<br>"), "<code>${}</code>: {}", PLACEHOLDERS.items())

    def record_save(self, request, obj, fields):
        kind = obj.kind if obj else fields.pop("kind")
        return services.letter_template_save(kind=kind, by=request.user, **fields)

    def has_delete_permission(self, request, obj=None):
        return False


class SavedReportAdmin(HistoryAdmin):
    """An officer's saved reports (and those shared with their groups): its owner renames it,
    changes whom it is shared with or deletes it, through the services; it is saved from the
    report's page (“Save this report”), not here."""

    list_display = ("name", "report_title", "owner", "shared", "updated_at", "run_link")
    list_select_related = ("owner",)
    search_fields = ("name", "report")
    fields = ("name", "shared_with", "report", "variant", "filters", "columns", "sort", "owner", "created_at",
              "updated_at", "run_link")  # fmt: skip
    readonly_fields = ("report", "variant", "filters", "columns", "sort", "owner", "created_at", "updated_at",
                       "run_link")  # fmt: skip
    actions = None

    def get_queryset(self, request):
        rows = super().get_queryset(request).prefetch_related("shared_with")
        if request.user.is_superuser:
            return rows
        return rows.filter(Q(owner=request.user) | Q(shared_with__in=request.user.groups.all())).distinct()

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "shared_with":
            from django.contrib.auth.models import Group

            from unioncore.roles import STAFF_GROUPS

            kwargs["queryset"] = Group.objects.filter(name__in=STAFF_GROUPS).order_by("name")
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def _owns(self, request, obj) -> bool:
        return obj is None or obj.owner_id == request.user.pk or request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm(services.SAVE) and self._owns(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm(services.SAVE) and self._owns(request, obj)

    @admin.display(description="Report")
    def report_title(self, obj):
        from reports import framework

        report = framework.get(obj.report)
        return report.title if report else obj.report

    @admin.display(description="Shared with")
    def shared(self, obj):
        return ", ".join(g.name for g in obj.shared_with.all()) or "—"

    @admin.display(description="Run")
    def run_link(self, obj):
        from django.urls import reverse

        if obj is None or obj.pk is None:
            return ""
        return format_html('<a href="{}">Run it</a>', reverse("admin:reports_saved_run", args=[obj.pk]))

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        class ServiceForm(form):
            def _post_clean(self):
                from unioncore.errors import RuleViolation

                if self.errors or obj is None:
                    return
                try:
                    self.saved = services.saved_report_change(
                        saved_report_id=obj.pk, by=request.user, name=self.cleaned_data["name"],
                        shared_with=self.cleaned_data["shared_with"],
                    )  # fmt: skip
                except RuleViolation as refused:
                    for field, message in (refused.fields or {None: refused.message}).items():
                        self.add_error(field if field in self.fields else None, message)

        return ServiceForm

    def save_model(self, request, obj, form, change):
        obj.__dict__.update(form.saved.__dict__)  # the service saved it (the admin log names it)

    def save_related(self, request, form, formsets, change):
        pass

    def delete_model(self, request, obj):
        services.saved_report_delete(saved_report_id=obj.pk, by=request.user)


admin.site.register(SavedReport, SavedReportAdmin)


class ReportScheduleForm(forms.ModelForm):
    """A schedule's page: saved through `services.report_schedule_save` from the form's clean, so
    a refusal (an address, an officers-only report to someone else) shows on the form."""

    password = forms.CharField(
        required=False, strip=False, widget=forms.PasswordInput(render_value=False), label="Zip password",
        help_text="Optional: the file is then sent in an AES-encrypted zip. Give the password to the "
        "recipients yourself (by phone, not by email): it is never in the email. Leave blank to keep the "
        "one set.",
    )  # fmt: skip
    remove_password = forms.BooleanField(required=False, label="Send the file without a zip")

    class Meta:
        model = ReportSchedule
        fields = ("saved_report", "frequency", "weekday", "at_time", "recipients", "format", "active")
        widgets = {"recipients": forms.Textarea(attrs={"rows": 3})}


class ReportScheduleAdmin(HistoryAdmin):
    """Schedules of one's own saved reports: daily or weekly, by email (decision 0055)."""

    form = ReportScheduleForm
    list_display = ("saved_report", "when", "format", "zipped", "recipients", "active", "next_run_at", "last_run_for")
    list_select_related = ("saved_report",)
    list_filter = ("active", "frequency", "format")
    readonly_fields = ("next_run_at", "last_run_for", "created_by", "created_at")
    actions = ("run_now",)

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        return rows if request.user.is_superuser else rows.filter(saved_report__owner=request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "saved_report":
            rows = SavedReport.objects.all()
            kwargs["queryset"] = rows if request.user.is_superuser else rows.filter(owner=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return ("saved_report", *self.readonly_fields) if obj else self.readonly_fields

    def get_fields(self, request, obj=None):
        fields = ["saved_report", "frequency", "weekday", "at_time", "recipients", "format", "password"]
        if obj is not None and obj.zipped:
            fields.append("remove_password")
        return [*fields, "active", *self.readonly_fields]

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(services.SAVE) or super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return request.user.has_perm(services.SAVE)

    def has_change_permission(self, request, obj=None):
        owns = obj is None or obj.saved_report.owner_id == request.user.pk or request.user.is_superuser
        return request.user.has_perm(services.SAVE) and owns

    def has_delete_permission(self, request, obj=None):
        return False  # stopped (not active), never deleted: its runs keep pointing at it

    @admin.display(description="When")
    def when(self, obj):
        return obj.when

    @admin.action(description="Run now: email the report to its recipients now", permissions=["change"])
    def run_now(self, request, queryset):
        """Through the beat's own steps (`services.report_schedule_run_now`): recorded as a run, sent
        after it is recorded; the schedule's next time stays."""
        for schedule in queryset.select_related("saved_report"):
            try:
                run = services.report_schedule_run_now(schedule_id=schedule.pk, by=request.user)
            except PermissionDenied as refused:
                self.message_user(request, f"{schedule.saved_report}: {refused}", messages.ERROR)
                continue
            if run.status == ScheduledRunStatus.SENT:
                sent_to = len(schedule.recipient_list)
                self.message_user(request, f"{run.name}: sent to {sent_to} address{'es' if sent_to != 1 else ''}.")
            else:
                self.message_user(request, f"{run.name}: not sent. {run.error}", messages.ERROR)

    @admin.display(boolean=True, description="Zip")
    def zipped(self, obj):
        return obj.zipped

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        class ServiceForm(form):
            def _post_clean(self):
                from unioncore.errors import RuleViolation

                if self.errors:
                    return
                data = self.cleaned_data
                password = "" if data.get("remove_password") else (data.get("password") or None)
                try:
                    self.saved = services.report_schedule_save(
                        by=request.user, saved_report_id=obj.saved_report_id if obj else data["saved_report"].pk,
                        schedule_id=obj.pk if obj else None, frequency=data["frequency"],
                        weekday=data.get("weekday"), at_time=data["at_time"], recipients=data["recipients"],
                        format=data["format"], zip_password=password, active=data.get("active", False),
                    )  # fmt: skip
                except RuleViolation as refused:
                    for field, message in (refused.fields or {None: refused.message}).items():
                        field = "password" if field == "zip_password" else field
                        self.add_error(field if field in self.fields else None, message)
                except PermissionDenied as refused:
                    self.add_error(None, str(refused))

        return ServiceForm

    def save_model(self, request, obj, form, change):
        obj.__dict__.update(form.saved.__dict__)  # the service saved it (the admin log names it)

    def save_related(self, request, form, formsets, change):
        pass


class ScheduledRunAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Every run of a schedule: when, for which time, to whom, rows, sent or failed and why."""

    list_display = ("slot", "name", "status", "row_count", "format", "zipped", "recipients", "error")
    list_filter = ("status", "format")
    list_select_related = ("schedule",)
    readonly_fields = ("schedule", "slot", "report", "name", "user", "format", "zipped", "recipients", "row_count",
                       "status", "error", "report_run", "started_at", "finished_at")  # fmt: skip

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        return rows if request.user.is_superuser else rows.filter(schedule__saved_report__owner=request.user)

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(services.SAVE) or super().has_view_permission(request, obj)


admin.site.register(ReportSchedule, ReportScheduleAdmin)
admin.site.register(ScheduledRun, ScheduledRunAdmin)


def _report_urls():
    v = admin.site.admin_view
    return [
        path("reports/", v(views.index), name="reports_index"),
        path("reports/run/<slug:slug>/", v(views.report_page), name="reports_report"),
        path("reports/run/<slug:slug>/export/<str:fmt>/", v(views.export), name="reports_export"),
        path("reports/exports/<int:pk>/", v(views.export_job), name="reports_export_job"),
        path("reports/exports/<int:pk>/status/", v(views.export_job_status), name="reports_export_status"),
        path("reports/exports/<int:pk>/download/", v(views.export_download), name="reports_export_download"),
        path("reports/letters/<str:kind>/", v(views.letter), name="reports_letter"),
        path("reports/run/<slug:slug>/save/", v(views.saved_save), name="reports_saved_save"),
        path("reports/saved/<int:pk>/", v(views.saved_run), name="reports_saved_run"),
    ]


_site_urls = admin.site.get_urls


def _get_urls():
    return _report_urls() + _site_urls()


admin.site.get_urls = _get_urls
