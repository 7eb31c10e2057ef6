"""The supervisor's forms. They check the shape of the input; the rules are the services'
(a RuleViolation lands on the form with `add_violation`, in place, like a field error)."""

from django import forms

from fulfillment.models import Times
from unioncore.errors import RuleViolation

LOCAL_MINUTE = "%Y-%m-%dT%H:%M"


class LocalDateTimeInput(forms.DateTimeInput):
    """A phone's date-and-time picker; the value is the hall's local time (America/Los_Angeles)."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format=LOCAL_MINUTE)


def _minutes(label: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, min_value=0, max_value=24 * 60, initial=0, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )


class TimesForm(forms.Form):
    clock_in = forms.DateTimeField(label="Start", widget=LocalDateTimeInput())
    clock_out = forms.DateTimeField(label="End", widget=LocalDateTimeInput())
    break_minutes = _minutes("Break (minutes)")
    lunch_minutes = _minutes("Lunch (minutes)")

    @classmethod
    def initial_from(cls, times: Times | None) -> dict:
        if times is None:
            return {}
        return {
            "clock_in": times.clock_in,
            "clock_out": times.clock_out,
            "break_minutes": times.break_minutes,
            "lunch_minutes": times.lunch_minutes,
        }

    def times_kwargs(self) -> dict:
        data = self.cleaned_data
        return {k: data[k] for k in ("clock_in", "clock_out", "break_minutes", "lunch_minutes")}


class EditForm(TimesForm):
    """The supervisor's own times for the shift, with a note the worker reads."""

    note = forms.CharField(
        label="Note for the worker", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required: say what you changed and why.",
    )  # fmt: skip


class DisputeForm(forms.Form):
    reason = forms.CharField(
        label="Why you dispute these hours", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The union reads this; the hours are frozen until it settles the dispute.",
    )  # fmt: skip


class MessageForm(forms.Form):
    body = forms.CharField(label="Message", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


def add_violation(form: forms.Form, violation: RuleViolation) -> None:
    """A service's refusal on the form: each named field's reason beside that field, and the
    message itself at the top of the form."""
    for field, message in violation.fields.items():
        if field in form.fields:
            form.add_error(field, message)
    form.add_error(None, violation.message)
