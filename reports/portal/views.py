"""Staff dashboards in the portal: tables first (they are the data, and work without
JavaScript), each with a Chart.js chart beside it drawn from the same figures."""

from django.shortcuts import render
from django.utils import timezone

from reports.portal import selectors
from unioncore.portal.access import staff_required


@staff_required
def dashboards(request):
    now = timezone.now()
    books = selectors.out_of_work_by_book()
    days = selectors.dispatches_per_day(days=30)
    waiting = selectors.timelogs_waiting_by_employer(now=now)
    charts = {
        "books": {
            "labels": [row.book.code for row in books],
            "series": [{"label": "Out of work", "data": [row.out_of_work for row in books]}],
        },
        "days": {
            "labels": [day.strftime("%b %-d") for day, _ in days],
            "series": [{"label": "Dispatches", "data": [n for _, n in days]}],
        },
        "waiting": {
            "labels": [row.employer for row in waiting[:15]],
            "series": [
                {"label": title, "data": [row.buckets[key] for row in waiting[:15]]}
                for key, title in selectors.DEADLINE_BUCKETS
            ],
        },
    }
    context = {
        "books": books,
        "books_total": sum(row.out_of_work for row in books),
        "days": days,
        "days_total": sum(n for _, n in days),
        "waiting": waiting,
        "waiting_total": sum(row.waiting for row in waiting),
        "buckets": selectors.DEADLINE_BUCKETS,
        "charts": charts,
        "now": now,
    }
    return render(request, "portal/staff/dashboards.html", context)
