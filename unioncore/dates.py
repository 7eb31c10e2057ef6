"""Plausible dates (issue 20, decision 0037). A date typed or imported far outside the hall's
life — 12/31/9999, year 1 — is a mistake, and one that overflows the date arithmetic after it
(a re-sign due 30 days after 12/31/9999). Each date is checked against the range of its kind:

- RECORD: what happened or is booked — a registration, a re-sign, a ledger posting, a dispatch:
  from PLAUSIBLE_DATES_FROM to PLAUSIBLE_DAYS_AHEAD days after today;
- UNTIL: an end or an expiry — an exemption's end, a bond's, and a report's date filters: from
  PLAUSIBLE_DATES_FROM to PLAUSIBLE_YEARS_AHEAD years after today.

Hall settings, from the environment like every other (.env.example)."""

import datetime

from django.conf import settings
from django.utils import timezone

RECORD = "record"
UNTIL = "until"


def plausible_range(what: str = RECORD, *, today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The first and the last plausible day of a date of this kind, both inclusive."""
    today = today or timezone.localdate()
    if what == RECORD:
        latest = today + datetime.timedelta(days=settings.PLAUSIBLE_DAYS_AHEAD)
    else:
        year = min(today.year + settings.PLAUSIBLE_YEARS_AHEAD, datetime.MAXYEAR)
        latest = today.replace(year=year, day=28) if (today.month, today.day) == (2, 29) else today.replace(year=year)
    return settings.PLAUSIBLE_DATES_FROM, latest


def us_date(day: datetime.date) -> str:
    """03/15/2025, as LaborPower writes it — year 1 as 0001 (strftime would write 1)."""
    return f"{day.month:02d}/{day.day:02d}/{day.year:04d}"


def implausible(day: datetime.date, what: str = RECORD, *, today: datetime.date | None = None, show=us_date):
    """Why `day` is not plausible for its kind, or None when it is."""
    earliest, latest = plausible_range(what, today=today)
    if earliest <= day <= latest:
        return None
    return f"{show(day)} is not a plausible date: from {show(earliest)} to {show(latest)}."
