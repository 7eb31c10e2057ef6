"""The member's time-log forms (the times themselves: fulfillment/portal/forms.py)."""

from django import forms

from fulfillment.portal import forms as shared
from unioncore.portal.forms import PortalForm


class TimesForm(shared.TimesForm):
    break_minutes = shared.minutes_field("Breaks (minutes)")


class RetroactiveForm(TimesForm):
    dispatch = forms.TypedChoiceField(label="Job", coerce=int)
    note = shared.text_field(
        "What happened", required=False, max_length=1000, help_text="For example: no signal on site, phone lost."
    )

    field_order = ["dispatch", "clock_in", "clock_out", "break_minutes", "lunch_minutes", "note"]

    def __init__(self, *args, dispatches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dispatch"].choices = [
            (d.pk, f"{d.employer.name} — {d.job_request.worksite} (from {d.start_date:%b %-d})") for d in dispatches
        ]


class CorrectionForm(TimesForm):
    """The right times of a verified shift: a new time log, verified like a manual entry."""

    violation_fields = {**TimesForm.violation_fields, "note_required": "note"}

    note = shared.text_field(
        "What was wrong", max_length=1000, help_text="Your supervisor sees this beside the corrected times."
    )


class RejectForm(PortalForm):
    comment = shared.text_field(
        "Why do you reject the change?", help_text="Your supervisor sees this and answers within 4 hours."
    )


class DisputeMessageForm(PortalForm):
    violation_fields = {"body_required": "body"}

    body = shared.text_field("Your message", max_length=4000)
