"""The reports in the staff console: the report pages live under /admin/reports/ (added to the
admin site's URLs below, ahead of the app's model pages), and the audit of runs and exports is
read-only."""

from django.contrib import admin
from django.urls import path
from django.utils.html import format_html

from reports import views
from reports.models import ExportJob, ReportRun
from unioncore.admin_actions import HistoryAdmin, ReadOnlyMixin


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


def _report_urls():
    v = admin.site.admin_view
    return [
        path("reports/", v(views.index), name="reports_index"),
        path("reports/run/<slug:slug>/", v(views.report_page), name="reports_report"),
        path("reports/run/<slug:slug>/export/<str:fmt>/", v(views.export), name="reports_export"),
        path("reports/exports/<int:pk>/", v(views.export_job), name="reports_export_job"),
        path("reports/exports/<int:pk>/status/", v(views.export_job_status), name="reports_export_status"),
        path("reports/exports/<int:pk>/download/", v(views.export_download), name="reports_export_download"),
    ]


_site_urls = admin.site.get_urls


def _get_urls():
    return _report_urls() + _site_urls()


admin.site.get_urls = _get_urls
