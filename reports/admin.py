"""The reports in the staff console: the report pages live under /admin/reports/ (added to the
admin site's URLs below, ahead of the app's model pages), and the audit of runs and exports is
read-only."""

from django import forms
from django.contrib import admin
from django.db.models import Q
from django.urls import path
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from members.models import LetterTemplate
from reports import services, views
from reports.models import ExportJob, ReportRun, SavedReport
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
