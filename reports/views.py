"""The staff pages of the reports, inside the admin (reports/admin.py wires them under
/admin/reports/): the index of the reports a user may run, each report's page (filters, sortable
table, pagination, totals, links to its PDF and Excel), the exports, and their progress."""

import tempfile

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode

from reports import framework, rendering, saved_selectors, services
from reports.catalog import MemberByCardField
from reports.models import ExportJob, ExportStatus
from unioncore.errors import RuleViolation

FORMATS = ("pdf", "xlsx", "csv")


def _context(request, **extra):
    return {**admin.site.each_context(request), **extra}


def _report_or_404(slug: str, user, columns=()):
    report = framework.get(slug)
    if report is None:
        raise Http404("No such report.")
    if not report.can_run(user):
        raise PermissionDenied(f"You may not run {report.title}.")
    return report.with_columns(columns)  # a saved report's choice of columns (?columns=…)


def index(request):
    from reports.letters import LETTER_REPORTS

    reports = framework.visible_to(request.user)
    if not reports:
        raise PermissionDenied("You may not run any report.")
    letters = [letter for letter in LETTER_REPORTS.values() if letter.can_run(request.user)]
    # LaborPower's tabs, as its Report Preparation window shows them
    groups = framework.index_by_tab([*reports, *letters])
    recent = ExportJob.objects.filter(run__user=request.user).select_related("run")[:10]
    saved = [(s, framework.get(s.report)) for s in saved_selectors.saved_reports_for(request.user)]
    return TemplateResponse(
        request, "reports/index.html",
        _context(request, title="Reports", groups=groups, recent_exports=recent, saved=saved),
    )  # fmt: skip


def _query(request, **changes) -> str:
    params = request.GET.copy()
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return params.urlencode()


def _headers(request, report, sort: str):
    out = []
    current = sort.lstrip("-")
    for column in report.shown_columns():
        header = {"column": column, "url": None, "sorted": None}
        if column.sortable:
            descending = current == column.accessor and not sort.startswith("-")
            header["url"] = "?" + _query(request, sort=("-" if descending else "") + column.accessor, page=None)
            if current == column.accessor:
                header["sorted"] = "desc" if sort.startswith("-") else "asc"
        out.append(header)
    return out


def _page_body(report, rows_on_page, all_rows):
    """The page's rows as text cells, with group headings (and each group's count and sums,
    over the whole result, not only this page)."""
    shown = report.shown_columns()
    group_totals = {}
    if report.group_by:
        group_column = report.column(report.group_by)
        for row in report.iterate(all_rows):
            heading = group_column.text(group_column.value(row))
            group_totals.setdefault(heading, framework.Totals(report.totalled())).add(row)
    body, heading = [], object()
    for row in rows_on_page:
        if report.group_by:
            group_column = report.column(report.group_by)
            value = group_column.text(group_column.value(row))
            if value != heading:
                heading = value
                totals = group_totals.get(value)
                cells = [
                    (c.text(v) if v is not None else "", c.numeric)
                    for c, v in zip(shown, totals.cells(shown), strict=False)
                ]
                body.append(("group", (value, totals.count, cells)))
        body.append(("row", [(c.text(c.value(row)), c.numeric) for c in shown]))
    return body


def report_page(request, slug: str, *, error: str = "", status: int = 200, save_form=None):
    report = _report_or_404(slug, request.user, request.GET.getlist("columns"))
    form = report.form(request.GET, user=request.user)
    variant = framework.variant_name(report, request.GET)
    saved = _saved_shown(request)
    context = {
        "title": saved.name if saved else variant or report.title,
        "variant": variant,
        "saved": saved,
        "report": report,
        "form": form,
        "error": error,
        "export_links": [],
        "columns": request.GET.getlist("columns"),
    }
    if request.user.has_perm(services.SAVE) and form.is_valid():
        context["save_form"] = save_form or SaveReportForm(report=report, initial={"query": request.GET.urlencode()})
    if form.is_valid() and not error:
        sort = request.GET.get("sort", "")
        rows = report.rows(form.cleaned_data, sort)
        summary_only = report.summary_only(form.cleaned_data)
        paginator = Paginator(rows, report.page_size)
        page = paginator.get_page(request.GET.get("page"))
        totals = report.totals(rows)
        shown = report.shown_columns()
        services.report_run_record(
            report=report, by=request.user, filters=framework.filters_json(form), format="html",
            row_count=paginator.count,
        )  # fmt: skip
        filters_query = _query(request, page=None)  # every value of a filter (or of ?columns=) kept
        context.update(
            headers=_headers(request, report, sort),
            page=page,
            body=[] if summary_only else _page_body(report, page.object_list, rows),
            summary=report.summarise(rows),
            summary_only=summary_only,
            total_cells=[(c.text(totals[c.accessor]) if c.total else "", c.numeric) for c in shown],
            count=paginator.count,
            filters_text=framework.describe_filters(form),
            background=paginator.count > framework.sync_max_rows("pdf"),
            sync_max_xlsx=framework.sync_max_rows("xlsx"),
            export_links=[
                (fmt, reverse("admin:reports_export", args=[report.slug, fmt]) + f"?{filters_query}") for fmt in FORMATS
            ],
            prev_url="?" + _query(request, page=page.previous_page_number()) if page.has_previous() else None,
            next_url="?" + _query(request, page=page.next_page_number()) if page.has_next() else None,
        )
    elif form.is_bound and form.errors and not error:
        status = 400
    return TemplateResponse(request, "reports/report.html", _context(request, **context), status=status)


def export(request, slug: str, fmt: str):
    report = _report_or_404(slug, request.user, request.GET.getlist("columns"))
    if fmt not in FORMATS:
        raise Http404("No such format.")
    form = report.form(request.GET, user=request.user)
    if not form.is_valid():
        return report_page(request, slug, status=400)
    sort = request.GET.get("sort", "")
    count = report.count(report.rows(form.cleaned_data, sort))
    try:
        if count > framework.sync_max_rows(fmt):
            job = services.export_job_queue(report=report, by=request.user, filters=request.GET, format=fmt, sort=sort)
            return redirect("admin:reports_export_job", job.pk)
        target = tempfile.TemporaryFile()  # noqa: SIM115  (FileResponse closes it)
        services.report_export(
            report=report, by=request.user, filters=request.GET, format=fmt, target=target, sort=sort
        )
    except RuleViolation as refused:
        return report_page(request, slug, error=refused.message, status=400)
    target.seek(0)
    response = FileResponse(target, as_attachment=True, filename=rendering.filename(report, fmt))
    response["Content-Type"] = rendering.CONTENT_TYPES[fmt]
    return response


def _job(request, pk: int) -> ExportJob:
    job = get_object_or_404(ExportJob.objects.select_related("run"), pk=pk)
    services.ensure_can_download(job, request.user)
    return job


def export_job(request, pk: int):
    job = _job(request, pk)
    report = framework.get(job.run.report)
    return TemplateResponse(
        request, "reports/export_job.html",
        _context(request, title=f"Export: {job.run.title}", job=job, report=report, done=ExportStatus.DONE),
    )  # fmt: skip


def export_job_status(request, pk: int):
    job = _job(request, pk)
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "rows_done": job.rows_done,
            "rows_total": job.rows_total,
            "percent": job.percent,
            "download_url": reverse("admin:reports_export_download", args=[job.pk])
            if job.status == ExportStatus.DONE
            else None,
            "error": job.error,
        }
    )


def export_download(request, pk: int):
    job = _job(request, pk)
    if job.status != ExportStatus.DONE or not job.file:
        raise Http404("This export is not ready.")
    try:
        handle = job.file.open("rb")
    except FileNotFoundError:  # deleted by the retention sweep whose row change then failed
        raise Http404("This export's file is gone: run it again.") from None
    report = framework.get(job.run.report)
    response = FileResponse(
        handle, as_attachment=True,
        filename=rendering.filename(report, job.run.format) if report else job.file.name.rsplit("/", 1)[-1],
    )  # fmt: skip
    response["Content-Type"] = rendering.CONTENT_TYPES[job.run.format]
    return response


# --- The letters (Travel Letter, Letter of Introduction): one member's letter as a PDF ---


class LetterForm(forms.Form):
    card_number = MemberByCardField(required=True)


class TravelLetterForm(LetterForm):
    to_local = forms.RegexField(
        r"^[0-9]{4}$", label="To local", max_length=4, help_text="Four digits, e.g. 0077",
        error_messages={"invalid": "A local is four digits, e.g. 0077."},
    )  # fmt: skip


def letter(request, kind: str):
    from members.enums import LetterKind
    from members.models import LetterTemplate
    from reports.letters import LETTER_REPORTS

    if kind not in LetterKind.values:
        raise Http404("No such letter.")
    report = LETTER_REPORTS[kind]
    if not report.can_run(request.user):
        raise PermissionDenied(f"You may not print the {report.title}.")
    form_class = TravelLetterForm if kind == LetterKind.TRAVEL_LETTER else LetterForm
    form = form_class(request.POST or None)
    template = LetterTemplate.objects.filter(kind=kind).first()
    status = 200
    if request.method == "POST":
        if template is None:
            form.add_error(None, "This letter has no text yet: an officer writes it in the console first.")
        if form.is_valid():
            member = form.cleaned_data["card_number"]
            pdf = services.letter_print(
                kind=kind, member=member, by=request.user, to_local=form.cleaned_data.get("to_local", "")
            )
            response = HttpResponse(pdf, content_type="application/pdf")
            response["Content-Disposition"] = (
                f'attachment; filename="{kind.replace("_", "-")}-{member.card_number}.pdf"'
            )
            return response
        status = 400
    can_edit = request.user.has_perm("members.change_lettertemplate") and template is not None
    return TemplateResponse(
        request, "reports/letter_form.html",
        _context(
            request, title=report.title, description=report.description, form=form, can_edit=can_edit,
            edit_url=reverse("admin:members_lettertemplate_change", args=[template.pk]) if can_edit else "",
        ),
        status=status,
    )  # fmt: skip


# --- Saved custom reports (decision 0055) ---


class SaveReportForm(forms.Form):
    """“Save this report”: a name, the columns to show, the staff groups to share it with; the
    filters and sort are the page's (its query string)."""

    name = forms.CharField(max_length=120, label="Name")
    columns = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Columns shown",
        help_text="None ticked: every column.",
    )  # fmt: skip
    shared_with = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple, label="Share with"
    )
    query = forms.CharField(widget=forms.HiddenInput, required=False)

    prefix = "save"  # its fields' ids apart from the filters' (a report may filter by name)

    def __init__(self, *args, report, **kwargs):
        from django.contrib.auth.models import Group

        from unioncore.roles import STAFF_GROUPS

        super().__init__(*args, **kwargs)
        declared = framework.get(report.slug) or report  # every column, not only those shown
        shown = [c for c in declared.columns if c.accessor != report.group_by]
        self.fields["columns"].choices = [(c.accessor, c.label) for c in shown]
        if not self.is_bound:
            self.initial.setdefault("columns", [c.accessor for c in report.shown_columns()])
        self.fields["shared_with"].queryset = Group.objects.filter(name__in=STAFF_GROUPS).order_by("name")


def _saved_shown(request):
    """The saved report a page was opened from (`?saved=`), if the user sees it."""
    pk = request.GET.get("saved", "")
    if not pk.isdigit():
        return None
    try:
        return saved_selectors.saved_report_for(request.user, int(pk))
    except Http404:
        return None


def saved_save(request, slug: str):
    """The report page's “Save this report” form, posted."""
    report = _report_or_404(slug, request.user)
    if not request.user.has_perm(services.SAVE):
        raise PermissionDenied("You may not save reports.")
    if request.method != "POST":
        return redirect("admin:reports_report", slug)
    form = SaveReportForm(request.POST, report=report)
    if form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.saved_report_save(
                report=report, by=request.user, name=data["name"], filters=data["query"] or "",
                columns=data["columns"], shared_with=data["shared_with"],
            )  # fmt: skip
        except RuleViolation as refused:
            for field, message in refused.fields.items():
                form.add_error(field if field in form.fields else None, message)
            if not refused.fields or not set(refused.fields) & set(form.fields):
                form.add_error(None, refused.message)
        else:
            return redirect(reverse("admin:reports_saved_run", args=[saved.pk]))
    return TemplateResponse(
        request, "reports/saved_save.html",
        _context(request, title=f"Save {report.title}", report=report, save_form=form),
        status=400,
    )  # fmt: skip


def saved_run(request, pk: int):
    """Run a saved report: its filters validated again by the report's filter set (the books,
    employers or rules may have changed since it was saved), then its page."""
    saved = saved_selectors.saved_report_for(request.user, pk)
    report = framework.get(saved.report)
    form = report.form(saved.filters, user=request.user)
    if not form.is_valid():
        return TemplateResponse(
            request, "reports/saved_invalid.html",
            _context(request, title=saved.name, saved=saved, report=report, form=form),
            status=400,
        )  # fmt: skip
    query = urlencode({**saved.query, "saved": saved.pk}, doseq=True)
    return redirect(reverse("admin:reports_report", args=[report.slug]) + f"?{query}")
