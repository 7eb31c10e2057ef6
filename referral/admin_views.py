"""The cut-over rehearsal in the staff console (Books → "Next nightly run"): what the nightly
book maintenance of a day would do — who rolls off which book and why, which exemptions end —
read from `selectors.maintenance_plan`, the very plan the run applies. It changes nothing."""

import csv
import datetime

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from referral import selectors
from referral.models import ReferralBook
from unioncore.spreadsheets import neutralise

RANGE = datetime.timedelta(days=366)
CSV_COLUMNS = (
    "run_on", "run_of_book", "book", "member", "card_number", "apn", "action", "reason", "due", "due_is",
    "registration_id",
)  # fmt: skip


class RehearsalForm(forms.Form):
    day = forms.DateField(
        label="Run of",
        required=False,
        help_text="The nightly run of this day (blank: the next business day's). YYYY-MM-DD.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean_day(self):
        day = self.cleaned_data["day"]
        today = timezone.localdate()
        if day is not None and not today - RANGE <= day <= today + RANGE:
            raise forms.ValidationError(f"Choose a day within a year of today ({today:%Y-%m-%d}).")
        return day or selectors.next_maintenance_day(today=today)


def write_plan_csv(plan: selectors.MaintenancePlan, out) -> None:
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    # A member's name is opened in a spreadsheet: never as a formula (issue 20).
    writer.writerows({column: neutralise(value) for column, value in row.items()} for row in plan.rows())


def maintenance_rehearsal(request, model_admin):
    """GET only: the plan of the chosen day, book by book (counts per reason, then every
    registration the run would touch); `?format=csv` downloads the same rows."""
    if not request.user.has_perm("referral.view_bookregistration"):
        raise PermissionDenied
    form = RehearsalForm(request.GET or None)
    plan = None
    if not request.GET or form.is_valid():
        day = form.cleaned_data["day"] if form.is_bound else selectors.next_maintenance_day(today=timezone.localdate())
        plan = selectors.maintenance_plan(day=day)
        if not form.is_bound:
            form = RehearsalForm(initial={"day": day})
        if request.GET.get("format") == "csv":
            response = HttpResponse(content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="nightly-run-{day:%Y-%m-%d}.csv"'
            write_plan_csv(plan, response)
            return response
    steps = list(selectors.MAINTENANCE_STEPS)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": ReferralBook._meta,
        "title": "Next nightly run (cut-over rehearsal)",
        "form": form,
        "plan": plan,
        "steps": [(step, selectors.STEP_LABELS[step]) for step in steps],
        "summary": (summary := _summary(plan, steps) if plan is not None else []),
        "totals": [sum(column) for column in zip(*(row["counts"] for row in summary), strict=True)],
        "next_day": selectors.next_maintenance_day(today=timezone.localdate()),
    }
    return TemplateResponse(request, "admin/referral/maintenance_rehearsal.html", context)


def _summary(plan: selectors.MaintenancePlan, steps: list[str]) -> list[dict]:
    rows = []
    for book_plan in plan.books:
        counts = book_plan.counts()
        rows.append(
            {
                "plan": book_plan,
                "counts": [counts[selectors.MAINTENANCE_STEPS[step]] for step in steps],
                "roll_offs": len(book_plan.roll_offs),
            }
        )
    return rows
