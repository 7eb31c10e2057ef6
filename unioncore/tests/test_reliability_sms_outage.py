"""The SMS provider down for a whole day (issue #11): exactly one email per failed message, and
no ladder step written or sent twice.

fulfillment/tests/test_notifications.py checks one failed SMS (one email, however often its task
runs) and the ladders run twice. Here the provider refuses every message of a day of three
shifts: the clock-in ladders (nobody acknowledges), the end-of-shift ladders up to the urgent
warning, the auto-approval messages; the escalations run every five minutes from 7:00 until the
sweep, and every send task is delivered three times (at-least-once delivery, a late worker).
"""

from collections import Counter

import pytest
import time_machine
from django.core import mail

from fulfillment.services import notifications, timelogs
from fulfillment.tests.test_notifications import SUBMITTED, M, make_world, t
from unioncore.audit import system_user
from unioncore.notifications import sms, tasks
from unioncore.notifications.enums import Channel, NotificationStatus
from unioncore.notifications.models import Notification

pytestmark = pytest.mark.django_db

SHIFTS = 3
DELIVERIES = 3  # each send task runs this many times


def deliver_pending_repeatedly() -> None:
    pending = list(Notification.objects.filter(status=NotificationStatus.PENDING).values_list("pk", flat=True))
    for _ in range(DELIVERIES):
        for pk in pending:
            tasks.send_notification.apply(args=[pk]).get()


def test_a_day_with_the_sms_provider_down_sends_one_email_per_message_and_no_step_twice():
    sms.reset()
    sms.failing["all"] = True
    try:
        with time_machine.travel(t(6), tick=False) as clock:
            worlds = [make_world() for _ in range(SHIFTS)]
            clock.move_to(t(7))
            logs = [timelogs.timelog_clock_in(dispatch_id=w.dispatch.pk, by=w.worker) for w in worlds]
            now = t(7)
            while now <= SUBMITTED + 250 * M:
                clock.move_to(now)
                if now == t(15, 30):
                    for w, log in zip(worlds, logs, strict=True):
                        timelogs.timelog_stop_work(timelog_id=log.pk, by=w.worker, at=now)
                if now == SUBMITTED:
                    for w, log in zip(worlds, logs, strict=True):
                        timelogs.timelog_submit(timelog_id=log.pk, by=w.worker)
                if now == SUBMITTED + 245 * M:  # the 4-hour timers ran out
                    assert timelogs.auto_approve_due(now=now, by=system_user()) == SHIFTS
                notifications.run_escalations(now=now)
                deliver_pending_repeatedly()
                now += 5 * M
    finally:
        sms.reset()

    texts = Notification.objects.filter(channel=Channel.SMS)
    emails = Notification.objects.filter(channel=Channel.EMAIL)
    steps = Counter(texts.values_list("about_id", "recipient_id", "kind", "cycle"))
    kinds = Counter(k for _, _, k, _ in steps)
    figures = f"{texts.count()} SMS failed, {emails.count()} emails, {len(mail.outbox)} sent"
    print(f"\n{figures}; steps {dict(kinds)}", end="")

    assert set(kinds) >= {"clock_in_t0", "clock_in_t15", "clock_in_t25", "verify_t0", "verify_t60", "verify_t3h",
                          "auto_approved"}, kinds  # fmt: skip
    assert set(steps.values()) == {1}, "a ladder step written twice"
    assert set(texts.values_list("status", flat=True)) == {NotificationStatus.FAILED}
    assert set(texts.values_list("attempts", flat=True)) == {1}, "a failed SMS was tried again"
    assert emails.count() == texts.count(), f"{emails.count()} emails for {texts.count()} failed messages"
    assert emails.filter(fallback_of__isnull=True).count() == 0
    assert len(set(emails.values_list("fallback_of", flat=True))) == texts.count(), "one email per message"
    assert set(emails.values_list("status", flat=True)) == {NotificationStatus.SENT}
    assert len(mail.outbox) == texts.count()
    assert sms.outbox == []
