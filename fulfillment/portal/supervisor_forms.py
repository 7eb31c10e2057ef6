"""The supervisor's forms (the times themselves: fulfillment/portal/forms.py). They check the
shape of the input; the rules are the services' (a RuleViolation lands on the form with
`add_violation`, in place, like a field error)."""

import datetime

from django import forms
from django.core import signing

from fulfillment.portal.forms import DayAndTimeField, TimesForm, text_field
from unioncore.errors import RuleViolation

KIOSK_STOP_SALT = "fulfillment.kiosk-stop"
KIOSK_STOP_MAX_AGE = datetime.timedelta(minutes=15)


class EditForm(TimesForm):
    """The supervisor's own times for the shift, with a note the worker reads."""

    note = text_field("Note for the worker", help_text="Required: say what you changed and why.")


class KioskStopForm(EditForm):
    """The kiosk's "Stop with changes": the card's edit form, and the moment the page offered as
    the end of the shift (`stop`, signed by the server when it showed the form). The shift is
    stopped at that moment, so times sent back unchanged are the clock's: no edit, verified at
    once. A form older than KIOSK_STOP_MAX_AGE, or a `stop` not signed for this time log, stops
    the shift when it is sent instead (`stop_at()` is None): the service then compares the
    times with the clock's at that moment."""

    stop = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, timelog_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.timelog_id = timelog_id

    @staticmethod
    def stop_token(*, timelog_id: int, at: datetime.datetime) -> str:
        return signing.dumps([timelog_id, at.isoformat()], salt=KIOSK_STOP_SALT)

    def stop_at(self) -> datetime.datetime | None:
        try:
            token = self.cleaned_data.get("stop") or ""
            timelog_id, moment = signing.loads(token, salt=KIOSK_STOP_SALT, max_age=KIOSK_STOP_MAX_AGE)
            moment = datetime.datetime.fromisoformat(moment)
        except (signing.BadSignature, ValueError, TypeError):
            return None
        return moment if timelog_id == self.timelog_id and moment.tzinfo is not None else None


class EjectForm(forms.Form):
    """Send a clocked-in worker off the site (within 25 minutes of the clock-in)."""

    reason = text_field("Why the worker is sent off", help_text="The worker and the hall read this.")


class ForceClockOutForm(forms.Form):
    """End a shift the worker forgot to stop, at the time it really ended."""

    clock_out = DayAndTimeField(label="When the shift ended")
    reason = text_field("Why you clock the worker out", help_text="The worker reads this.")


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
