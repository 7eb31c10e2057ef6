"""The supervisor's forms (the times themselves: fulfillment/portal/forms.py). They check the
shape of the input; the rules are the services' (a RuleViolation lands on the form with
`add_violation`, in place, like a field error)."""

from django import forms

from fulfillment.portal.forms import TimesForm, text_field
from unioncore.errors import RuleViolation


class EditForm(TimesForm):
    """The supervisor's own times for the shift, with a note the worker reads."""

    note = text_field("Note for the worker", help_text="Required: say what you changed and why.")


class DisputeForm(forms.Form):
    reason = text_field(
        "Why you dispute these hours",
        help_text="The union reads this; the hours are frozen until it settles the dispute.",
    )


class MessageForm(forms.Form):
    body = text_field("Message")


def add_violation(form: forms.Form, violation: RuleViolation) -> None:
    """A service's refusal on the form: each named field's reason beside that field, and the
    message itself at the top of the form."""
    for field, message in violation.fields.items():
        if field in form.fields:
            form.add_error(field, message)
    form.add_error(None, violation.message)
