"""Time-log form pieces shared by the member's and the supervisor's pages: the four times of a
shift (the datetimes are wall-clock times of the hall's time zone) and a short text box."""

from django import forms

from fulfillment.models import Times
from unioncore.portal.forms import PortalForm

LOCAL_MINUTE = "%Y-%m-%dT%H:%M"
TIME_FIELDS = ("clock_in", "clock_out", "break_minutes", "lunch_minutes")

# Rules that name no field, placed beside the field they are about.
TIME_RULE_FIELDS = {
    "breaks_too_long": "break_minutes",
    "negative_break": "break_minutes",
    "times_required": "clock_in",
    "in_the_future": "clock_out",
    "overlaps_final": "clock_in",
    "overlaps_several": "clock_in",
}


class LocalDateTimeInput(forms.DateTimeInput):
    """A phone's date-and-time picker; the value is the hall's local time (America/Los_Angeles)."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format=LOCAL_MINUTE)


def minutes_field(label: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, min_value=0, max_value=24 * 60, initial=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": "0", "step": "1"}),
    )  # fmt: skip


def text_field(label: str, *, max_length: int = 2000, **kwargs) -> forms.CharField:
    """A few lines of text (a note, a reason, a message)."""
    return forms.CharField(label=label, max_length=max_length, widget=forms.Textarea(attrs={"rows": 3}), **kwargs)


class TimesForm(PortalForm):
    """Start, end, breaks and lunch of one shift."""

    violation_fields = TIME_RULE_FIELDS

    clock_in = forms.DateTimeField(label="Start", widget=LocalDateTimeInput())
    clock_out = forms.DateTimeField(label="End", widget=LocalDateTimeInput())
    break_minutes = minutes_field("Break (minutes)")
    lunch_minutes = minutes_field("Lunch (minutes)")

    @classmethod
    def initial_from(cls, times: Times | None) -> dict:
        if times is None:
            return {}
        return {name: getattr(times, name) for name in TIME_FIELDS}

    def times(self) -> dict:
        return {name: self.cleaned_data[name] for name in TIME_FIELDS}
