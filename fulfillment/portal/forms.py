"""Time-log form pieces shared by the member's and the supervisor's pages: the four times of a
shift (the datetimes are wall-clock times of the hall's time zone) and a short text box."""

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import from_current_timezone
from django.utils import timezone

from fulfillment.models import Times
from unioncore.portal.forms import PortalForm

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


# A date-and-time field is a day (a list) and a time (typed): two Tab stops. Chromium's
# datetime-local takes seven (month, day, year, hour, minute, AM/PM, the picker), a date + time pair
# eight (issue 25, item 7; decision 0056). The list offers the hall's days back this far, to
# tomorrow (a night shift); an older day still parses when posted.
DAYS_OFFERED = 35
WALL_TIME = re.compile(r"^(?P<hour>\d{1,2})(?:[:.h]?(?P<minute>\d{2}))?\s*(?:(?P<half>[ap])\.?\s*m?\.?)?$", re.I)


def parse_wall_time(text: str) -> datetime.time | None:
    """A time as people type it: 7:30 AM, 7:30am, 7 pm, 19:30, 0730, 7.30 — None if it is not one."""
    match = WALL_TIME.match(text.strip())
    if match is None:
        return None
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    if match["half"]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match["half"].lower() == "p" else 0)
    if hour > 23 or minute > 59:
        return None
    return datetime.time(hour, minute)


def wall_time_label(value: datetime.time) -> str:
    return value.strftime("%I:%M %p").lstrip("0")


class DayAndTimeInput(forms.MultiWidget):
    """The hall's day (a select) and a time typed (7:30 AM). A single value posted the old way
    (2026-12-05T07:30, a datetime-local's) is still read."""

    def __init__(self, attrs=None):
        day = forms.Select(attrs={"class": "day"})
        time = forms.TextInput(attrs={"class": "time", "autocomplete": "off", "placeholder": "7:30 AM", "size": 8})
        super().__init__([day, time], attrs)

    # A label (for the day's list), not a fieldset: so Django ties the field's help and errors to
    # both controls (aria-describedby), which it leaves out in a fieldset; each control has its name.
    use_fieldset = False

    def id_for_label(self, id_):
        # The day's list: what the field's label and the error summary's link lead to.
        return f"{id_}_0" if id_ else id_

    def decompress(self, value):
        if isinstance(value, datetime.datetime):
            local = timezone.localtime(value) if timezone.is_aware(value) else value
            return [local.date().isoformat(), wall_time_label(local.time())]
        return [None, None]

    def value_from_datadict(self, data, files, name):
        single = data.get(name)
        if single and "T" in single:
            day, _, time = single.partition("T")
            return [day, time]
        return super().value_from_datadict(data, files, name)

    def get_context(self, name, value, attrs):
        today = timezone.localdate()
        days = [today + datetime.timedelta(days=1 - n) for n in range(DAYS_OFFERED + 2)]
        chosen = value[0] if isinstance(value, list | tuple) else self.decompress(value)[0]
        choices = [("", "Day")] + [(day.isoformat(), day.strftime("%a %b %-d")) for day in days]
        if chosen and chosen not in {key for key, _ in choices}:
            choices.append((chosen, chosen))  # an older day of the shift itself
        self.widgets[0].choices = choices
        return super().get_context(name, value, attrs)


class DayAndTimeField(forms.MultiValueField):
    """A moment of the hall's day: the day and the wall-clock time, in the hall's time zone
    (America/Los_Angeles); a time that does not exist or happens twice that day (the clocks
    changing) is refused, as Django's DateTimeField does."""

    widget = DayAndTimeInput

    def __init__(self, *, label: str, **kwargs):
        fields = (forms.DateField(), forms.CharField())
        super().__init__(fields, label=label, require_all_fields=True, **kwargs)
        # Each control named for itself (a group's legend does not name them).
        self.widget.widgets[0].attrs["aria-label"] = f"{label}: day"
        self.widget.widgets[1].attrs["aria-label"] = f"{label}: time, as 7:30 AM"

    def compress(self, data_list):
        if not data_list:
            return None
        day, text = data_list
        time = parse_wall_time(text)
        if time is None:
            raise ValidationError("Enter a time like 7:30 AM or 15:30.", code="invalid_time")
        try:
            return from_current_timezone(datetime.datetime.combine(day, time))
        except ValidationError:
            raise ValidationError(
                f"The clocks change that night: {wall_time_label(time)} on {day:%a %b %-d} happens twice or not at "
                "all. Give a time outside the hour of the change.",
                code="clocks_change",
            ) from None


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

    clock_in = DayAndTimeField(label="Start")
    clock_out = DayAndTimeField(label="End")
    break_minutes = minutes_field("Break (minutes)")
    lunch_minutes = minutes_field("Lunch (minutes)")

    @classmethod
    def initial_from(cls, times: Times | None) -> dict:
        if times is None:
            return {}
        return {name: getattr(times, name) for name in TIME_FIELDS}

    def times(self) -> dict:
        return {name: self.cleaned_data[name] for name in TIME_FIELDS}
