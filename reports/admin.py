"""The reports in the staff console: the report pages live under /admin/reports/ (added to the
admin site's URLs below, ahead of the app's model pages), and the audit of runs and exports is
read-only."""

from django.contrib import admin
from django.urls import path
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from members.models import LetterTemplate
from reports import services, views
from reports.models import ExportJob, ReportRun
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
    ]


_site_urls = admin.site.get_urls


def _get_urls():
    return _report_urls() + _site_urls()


admin.site.get_urls = _get_urls
