"""The staff dashboards' figures: out-of-work counts by book, dispatches per day, time logs
waiting by employer and deadline. Each is one aggregate query, whatever the size of the hall."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Min, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from dispatch.models import Dispatch
from fulfillment.enums import SUPERVISOR_WAITS, TIMED_STATUSES
from fulfillment.models import TimeLog
from referral.enums import RegistrationStatus
from referral.models import ReferralBook

# Time left before auto-approval, in the buckets the dashboard shows (the timer runs 4 hours).
DEADLINE_BUCKETS = (("due", "Overdue"), ("h1", "< 1 h"), ("h2", "1–2 h"), ("h3", "2–3 h"), ("h4", "3–4 h"))


@dataclass
class BookCount:
    book: ReferralBook
    out_of_work: int
    exempt: int


def out_of_work_by_book() -> list[BookCount]:
    """Every active book with the members on it who are out of work (status registered), in the
    books' own order (classification, region, tier), empty books included."""
    registered = Q(registrations__status=RegistrationStatus.REGISTERED)
    books = ReferralBook.objects.filter(is_active=True).annotate(
        out_of_work=Count("registrations", filter=registered),
        exempt=Count("registrations", filter=registered & Q(registrations__is_exempt=True)),
    )
    return [BookCount(book, book.out_of_work, book.exempt) for book in books]


def dispatches_per_day(*, days: int = 30, today: datetime.date | None = None) -> list[tuple[datetime.date, int]]:
    """Dispatches offered on each of the last `days` days of the hall's calendar (local dates),
    today included, days without one as 0."""
    today = today or timezone.localdate()
    first = today - datetime.timedelta(days=days - 1)
    zone = timezone.get_current_timezone()
    since = datetime.datetime.combine(first, datetime.time.min, tzinfo=zone)
    counts = dict(
        Dispatch.objects.filter(offered_at__gte=since)
        .annotate(day=TruncDate("offered_at", tzinfo=zone))
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    return [(day, counts.get(day, 0)) for day in (first + datetime.timedelta(days=i) for i in range(days))]


@dataclass
class EmployerWaiting:
    employer_id: int
    employer: str
    waiting: int
    on_supervisor: int
    on_worker: int
    buckets: dict[str, int]
    next_deadline: datetime.datetime | None


def timelogs_waiting_by_employer(*, now: datetime.datetime | None = None) -> list[EmployerWaiting]:
    """Per employer, the time logs whose 4-hour timer runs: how many, on whom they wait, how much
    time is left (buckets), and the next deadline; the most urgent employer first."""
    now = now or timezone.now()
    hour = datetime.timedelta(hours=1)
    deadline = "auto_approval_time"
    buckets = {
        "due": Q(**{f"{deadline}__lte": now}),
        "h1": Q(**{f"{deadline}__gt": now, f"{deadline}__lte": now + hour}),
        "h2": Q(**{f"{deadline}__gt": now + hour, f"{deadline}__lte": now + 2 * hour}),
        "h3": Q(**{f"{deadline}__gt": now + 2 * hour, f"{deadline}__lte": now + 3 * hour}),
        "h4": Q(**{f"{deadline}__gt": now + 3 * hour}),
    }
    rows = (
        TimeLog.objects.filter(status__in=TIMED_STATUSES)
        .values("dispatch__employer_id", "dispatch__employer__name")
        .annotate(
            waiting=Count("id"),
            on_supervisor=Count("id", filter=Q(status__in=SUPERVISOR_WAITS)),
            next_deadline=Min(deadline),
            **{f"bucket_{key}": Count("id", filter=q) for key, q in buckets.items()},
        )
        .order_by("next_deadline", "dispatch__employer__name")
    )
    return [
        EmployerWaiting(
            employer_id=row["dispatch__employer_id"],
            employer=row["dispatch__employer__name"],
            waiting=row["waiting"],
            on_supervisor=row["on_supervisor"],
            on_worker=row["waiting"] - row["on_supervisor"],
            buckets={key: row[f"bucket_{key}"] for key, _ in DEADLINE_BUCKETS},
            next_deadline=row["next_deadline"],
        )
        for row in rows
    ]
