"""Business days of the hall: Monday to Friday, less the holidays in the Holiday table."""

import datetime

from referral.models import Holiday

ONE_DAY = datetime.timedelta(days=1)


class BusinessCalendar:
    """Holidays read once per use; cheap to build, exact for the span it is asked about."""

    def __init__(self, start: datetime.date, end: datetime.date):
        self.holidays = set(Holiday.objects.filter(date__range=(start, end)).values_list("date", flat=True))
        self.start, self.end = start, end

    def is_business_day(self, day: datetime.date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    def add_business_days(self, day: datetime.date, count: int) -> datetime.date:
        """The count-th business day strictly after `day`."""
        while count > 0:
            day += ONE_DAY
            if self.is_business_day(day):
                count -= 1
        return day

    def nth_business_day_back(self, day: datetime.date, count: int) -> datetime.date:
        """Counting `day` itself as the first when it is a business day."""
        while True:
            if self.is_business_day(day):
                count -= 1
                if count <= 0:
                    return day
            day -= ONE_DAY


def calendar_around(day: datetime.date, days: int = 60) -> BusinessCalendar:
    span = datetime.timedelta(days=days)
    return BusinessCalendar(day - span, day + span)


def roll_off_day(*, re_sign_due: datetime.date, grace_period_days: int) -> datetime.date:
    """The business day at whose start a member who missed `re_sign_due` is rolled off."""
    return calendar_around(re_sign_due).add_business_days(re_sign_due, max(grace_period_days, 1))
