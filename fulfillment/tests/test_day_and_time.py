"""A date-and-time field of the portal is a day and a time typed (two Tab stops, not seven): the
time is read as people type it, the moment is the hall's (Los Angeles), a time the clocks skip
or repeat is refused, and the old single value (a datetime-local's) is still read (issue 25,
item 7; decision 0056)."""

import datetime
import zoneinfo

import pytest
import time_machine
from django import forms

from fulfillment.portal.forms import DAYS_OFFERED, DayAndTimeField, parse_wall_time

LA = zoneinfo.ZoneInfo("America/Los_Angeles")


class ShiftEnd(forms.Form):
    clock_out = DayAndTimeField(label="End")


@pytest.mark.parametrize(
    ("typed", "time"),
    [
        ("7:30 AM", datetime.time(7, 30)), ("7:30am", datetime.time(7, 30)), ("7:30 a.m.", datetime.time(7, 30)),
        ("7 pm", datetime.time(19, 0)), ("12:15 AM", datetime.time(0, 15)), ("12:15 pm", datetime.time(12, 15)),
        ("19:30", datetime.time(19, 30)), ("0730", datetime.time(7, 30)), ("730", datetime.time(7, 30)),
        ("7.30", datetime.time(7, 30)), (" 07:05 ", datetime.time(7, 5)), ("0:00", datetime.time(0, 0)),
    ],
)  # fmt: skip
def test_a_time_is_read_as_people_type_it(typed, time):
    assert parse_wall_time(typed) == time


@pytest.mark.parametrize("typed", ["", "noon", "24:00", "7:60", "13 pm", "0 am", "7:3", "7:30 xm", "12345"])
def test_what_is_not_a_time_is_refused(typed):
    assert parse_wall_time(typed) is None


def test_the_day_and_the_time_are_the_halls():
    form = ShiftEnd({"clock_out_0": "2026-12-05", "clock_out_1": "3:45 PM"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["clock_out"] == datetime.datetime(2026, 12, 5, 15, 45, tzinfo=LA)
    assert form.cleaned_data["clock_out"].utcoffset() == datetime.timedelta(hours=-8)
    summer = ShiftEnd({"clock_out_0": "2027-07-01", "clock_out_1": "23:30"})
    assert summer.is_valid()
    assert summer.cleaned_data["clock_out"] == datetime.datetime(2027, 7, 2, 6, 30, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("day", "typed", "why"),
    [
        ("2027-03-14", "2:30 AM", "The clocks change that night: 2:30 AM on Sun Mar 14"),  # the clocks skip 2:00-3:00
        ("2027-11-07", "1:30 AM", "happens twice or not at all"),  # 1:00-2:00 happens twice
        ("2026-12-05", "25:00", "Enter a time like 7:30 AM"),
        ("2026-13-40", "7:30 AM", "Enter a valid date"),
    ],
)
def test_a_time_the_hall_does_not_have_once_is_refused(day, typed, why):
    form = ShiftEnd({"clock_out_0": day, "clock_out_1": typed})
    assert not form.is_valid()
    assert why in str(form.errors["clock_out"])


@pytest.mark.parametrize(
    "data", [{"clock_out_0": "2026-12-05", "clock_out_1": ""}, {"clock_out_0": "", "clock_out_1": "7:30"}, {}]
)
def test_half_a_moment_is_a_missing_one(data):
    form = ShiftEnd(data)
    assert not form.is_valid()
    assert form.errors["clock_out"] == ["This field is required."]
    html = str(form["clock_out"])
    assert html.count('aria-describedby="id_clock_out_error"') == 2, "the day and the time both name the error"


def test_the_old_single_value_is_still_read():
    form = ShiftEnd({"clock_out": "2026-12-05T07:30"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["clock_out"] == datetime.datetime(2026, 12, 5, 7, 30, tzinfo=LA)


def test_the_field_offers_the_halls_recent_days_and_shows_the_value_as_typed():
    # 23:00 Pacific on Dec 31 is already Jan 1 in UTC: the days are the hall's.
    with time_machine.travel(datetime.datetime(2027, 12, 31, 23, 0, tzinfo=LA), tick=False):
        html = ShiftEnd(initial={"clock_out": datetime.datetime(2027, 12, 31, 7, 30, tzinfo=LA)}).as_p()
        older = ShiftEnd(initial={"clock_out": datetime.datetime(2027, 10, 1, 7, 0, tzinfo=LA)}).as_p()
    assert '<option value="2028-01-01">Sat Jan 1</option>' in html, "tomorrow (a night shift)"
    assert '<option value="2027-12-31" selected>Fri Dec 31</option>' in html
    oldest = datetime.date(2027, 12, 31) - datetime.timedelta(days=DAYS_OFFERED)
    assert f'value="{oldest.isoformat()}"' in html
    assert f'value="{(oldest - datetime.timedelta(days=1)).isoformat()}"' not in html
    assert 'value="7:30 AM"' in html
    assert 'aria-label="End: day"' in html
    assert ShiftEnd()["clock_out"].id_for_label == "id_clock_out_0", "the label and the error summary lead to the day"
    assert 'aria-label="End: time, as 7:30 AM"' in html
    assert '<option value="2027-10-01" selected>' in older, "an older shift's own day is offered"


def test_the_field_takes_two_tab_stops_in_chromium(browser):
    """Chromium's datetime-local took seven (issue 25); the day and the time take two."""
    html = f'<button id="before">Before</button>{ShiftEnd().as_p()}<button id="after">After</button>'
    tab = browser.new_page()
    try:
        tab.set_content(html)
        tab.focus("#before")
        stops = []
        while not stops or stops[-1] != "after":
            tab.keyboard.press("Tab")
            stops.append(tab.evaluate("() => document.activeElement.id"))
            assert len(stops) < 10, stops
    finally:
        tab.close()
    assert stops == ["id_clock_out_0", "id_clock_out_1", "after"]
