"""The member's time-log forms: the datetimes are wall-clock times of the hall's time zone."""

from django import forms

from unioncore.portal.forms import PortalForm

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
MINUTES_WIDGET = forms.NumberInput(attrs={"inputmode": "numeric", "min": "0", "step": "1"})

# Rules that name no field, placed beside the field they are about.
TIME_RULE_FIELDS = {
    "breaks_too_long": "break_minutes",
    "negative_break": "break_minutes",
    "times_required": "clock_in",
    "in_the_future": "clock_out",
    "overlaps_final": "clock_in",
    "overlaps_several": "clock_in",
}


class TimesForm(PortalForm):
    violation_fields = TIME_RULE_FIELDS

    clock_in = forms.DateTimeField(label="Start", widget=DATETIME_WIDGET)
    clock_out = forms.DateTimeField(label="End", widget=DATETIME_WIDGET)
    break_minutes = forms.IntegerField(label="Breaks (minutes)", min_value=0, max_value=24 * 60, initial=0,
                                       widget=MINUTES_WIDGET)  # fmt: skip
    lunch_minutes = forms.IntegerField(label="Lunch (minutes)", min_value=0, max_value=24 * 60, initial=0,
                                       widget=MINUTES_WIDGET)  # fmt: skip

    @classmethod
    def initial_from(cls, times) -> dict:
        if times is None:
            return {}
        return {
            "clock_in": times.clock_in,
            "clock_out": times.clock_out,
            "break_minutes": times.break_minutes,
            "lunch_minutes": times.lunch_minutes,
        }

    def times(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("clock_in", "clock_out", "break_minutes", "lunch_minutes")}


class RetroactiveForm(TimesForm):
    dispatch = forms.TypedChoiceField(label="Job", coerce=int)
    note = forms.CharField(
        label="What happened",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: no signal on site, phone lost.",
    )

    field_order = ["dispatch", "clock_in", "clock_out", "break_minutes", "lunch_minutes", "note"]

    def __init__(self, *args, dispatches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dispatch"].choices = [
            (d.pk, f"{d.employer.name} — {d.job_request.worksite} (from {d.start_date:%b %-d})") for d in dispatches
        ]


class RejectForm(PortalForm):
    comment = forms.CharField(
        label="Why do you reject the change?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Your supervisor sees this and answers within 4 hours.",
    )


class DisputeMessageForm(PortalForm):
    violation_fields = {"body_required": "body"}

    body = forms.CharField(label="Your message", max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
