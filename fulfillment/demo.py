"""Demo time logs for `manage.py seed_demo`: hours waiting on a supervisor (the first one edited
by its worker, so the card shows the badge and the diff; its supervisor's login is printed), and
one shift still running. Everything goes through the services, as the members themselves
would; the auto-approval deadlines run from the moment of the seed.

Idempotent: once those dispatches have time logs, nothing more is added."""

import datetime

from django.utils import timezone

from dispatch.enums import DispatchStatus
from dispatch.models import Dispatch, EmployerUser
from fulfillment.enums import SegmentKind
from fulfillment.models import TimeLog
from fulfillment.services import timelogs
from unioncore.models import User

H = datetime.timedelta(hours=1)
M = datetime.timedelta(minutes=1)


def seed(*, by: User) -> list[tuple[str, str, str]]:
    from dispatch.demo import EMPLOYER_PASSWORD

    on_the_job = list(
        Dispatch.objects.filter(
            status=DispatchStatus.ACCEPTED, member__user__isnull=False, employer__users__isnull=False
        )
        .select_related("member__user", "employer")
        .distinct()
        .order_by("employer__code", "pk")[:3]
    )
    if not on_the_job:
        return []
    employer = on_the_job[0].employer
    supervisor = EmployerUser.objects.filter(employer=employer).select_related("user").order_by("pk").first().user
    login = (f"employer ({employer.name}, hours waiting)", supervisor.username, EMPLOYER_PASSWORD)
    if TimeLog.objects.filter(dispatch__in=on_the_job).exists():
        return [login]
    now = timezone.now()
    for i, dispatch in enumerate(on_the_job):
        worker = dispatch.member.user
        if i == 2:  # the third is still on site: a running shift (staff dashboards, that crew's kiosk)
            timelogs.timelog_clock_in(dispatch_id=dispatch.pk, by=worker, at=now - 2 * H)
            continue
        start = now - 9 * H - i * 20 * M
        log = timelogs.timelog_clock_in(dispatch_id=dispatch.pk, by=worker, at=start)
        timelogs.timelog_segment_start(timelog_id=log.pk, by=worker, kind=SegmentKind.LUNCH, at=start + 4 * H)
        timelogs.timelog_segment_end(timelog_id=log.pk, by=worker, kind=SegmentKind.LUNCH, at=start + 4 * H + 30 * M)
        timelogs.timelog_stop_work(timelog_id=log.pk, by=worker, at=now - 15 * M)
        if i == 0:  # forgot to clock in on arrival: the worker moves the start 15 minutes earlier
            timelogs.timelog_draft_edit(
                timelog_id=log.pk, by=worker, clock_in=start - 15 * M, clock_out=now - 15 * M, lunch_minutes=30
            )
        timelogs.timelog_submit(timelog_id=log.pk, by=worker)
    return [login]
