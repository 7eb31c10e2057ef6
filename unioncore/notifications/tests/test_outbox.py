"""The kernel's outbox on both databases (decision 0045): the PostgreSQL writes are one
hand-written statement each (rows and history), the SQLite branch of `make run` is the ORM. Both
must write the same rows, skip a step already written, copy each new row to the history once,
and queue the sending after commit. Marked `sqlite`: `make test` runs this file on SQLite too."""

import datetime

import pytest
import time_machine
from django.core import mail

from unioncore.notifications import catalogue, sms, tasks
from unioncore.notifications import services as outbox
from unioncore.notifications.enums import Channel, NotificationStatus
from unioncore.notifications.models import Notification
from unioncore.testing import at
from unioncore.tests.factories import UserFactory

pytestmark = [pytest.mark.sqlite, pytest.mark.django_db, pytest.mark.usefixtures("sms_outbox")]


@pytest.fixture(autouse=True)
def daytime():
    """A Monday morning in the hall: outside the quiet hours."""
    with time_machine.travel(at(datetime.date(2026, 12, 7), 10), tick=False) as traveller:
        yield traveller


@pytest.fixture
def member():
    return UserFactory(phone="+12065550101", email="member@example.org")


@pytest.fixture
def by_email():
    return UserFactory(phone=None, email="no-phone@example.org")


@pytest.fixture
def queued(monkeypatch):
    """What the outbox hands to Celery after commit: ("wave",) or ("batch", ids) or ("one", id)."""
    handed = []
    monkeypatch.setattr(tasks.send_pending_notifications, "delay", lambda *a: handed.append(("wave",)))
    monkeypatch.setattr(tasks.send_pending_notifications, "apply_async", lambda **o: handed.append(("wave",)))
    monkeypatch.setattr(tasks.send_notifications, "delay", lambda ids: handed.append(("batch", ids)))
    monkeypatch.setattr(tasks.send_notification, "delay", lambda pk: handed.append(("one", pk)))
    return handed


def test_a_message_goes_by_phone_else_by_email_else_not_at_all(
    member, by_email, queued, django_capture_on_commit_callbacks
):
    unreachable = UserFactory(phone=None, email="")
    with django_capture_on_commit_callbacks(execute=True):
        rows = outbox.write(
            outbox.rows_for([member, by_email, unreachable, member], kind="test_notice", body="Hello", about_id=7)
        )
    assert [(n.recipient, n.channel) for n in rows] == [(member, Channel.SMS), (by_email, Channel.EMAIL)]
    stored = Notification.objects.order_by("pk")
    assert [(n.pk, n.recipient, n.channel, n.about_id, n.status) for n in stored] == [
        (rows[0].pk, member, Channel.SMS, 7, NotificationStatus.PENDING),
        (rows[1].pk, by_email, Channel.EMAIL, 7, NotificationStatus.PENDING),
    ]
    assert Notification.history.filter(history_type="+").count() == 2, "each row once in the history"
    assert queued == [("wave",)], "one wave task after commit, not one per row"


def test_a_step_already_written_is_not_written_or_copied_to_the_history_again(
    member, queued, django_capture_on_commit_callbacks
):
    first = outbox.notify(user=member, kind="test_notice", body="Hello", about_id=7, cycle=1)
    with django_capture_on_commit_callbacks(execute=True):
        again = outbox.notify(user=member, kind="test_notice", body="Hello again", about_id=7, cycle=1)
    assert len(first) == 1
    assert again == []
    assert queued == [], "nothing new: nothing queued"
    assert Notification.objects.get().body == "Hello"
    assert Notification.history.count() == 1
    next_cycle = outbox.notify(user=member, kind="test_notice", body="Next", about_id=7, cycle=2)
    assert len(next_cycle) == 1, "the same step of another cycle is another message"


def test_a_batch_is_one_write_with_its_history_and_one_task(
    member, by_email, queued, django_capture_on_commit_callbacks
):
    outbox.notify(user=member, kind="test_notice", body="earlier", about_id=1)  # the batch's first step exists
    rows = [
        (about_id, user.pk, channel, "test_notice", 0, f"Notice {about_id}", "")
        for about_id in (1, 2, 3)
        for user, channel in ((member, Channel.SMS), (by_email, Channel.EMAIL))
    ]
    with django_capture_on_commit_callbacks(execute=True):
        ids = outbox.write_batch(rows)
    assert len(ids) == 5, "the step already written is skipped"
    assert queued == [("batch", ids)]
    written = Notification.objects.filter(pk__in=ids).order_by("pk")
    assert [(n.about_id, n.recipient, n.channel, n.body) for n in written] == [
        (1, by_email, Channel.EMAIL, "Notice 1"),
        (2, member, Channel.SMS, "Notice 2"), (2, by_email, Channel.EMAIL, "Notice 2"),
        (3, member, Channel.SMS, "Notice 3"), (3, by_email, Channel.EMAIL, "Notice 3"),
    ]  # fmt: skip
    assert all(n.status == NotificationStatus.PENDING and n.created_at is not None for n in written)
    assert Notification.history.filter(id__in=ids, history_type="+").count() == 5
    assert Notification.objects.get(about_id=1, recipient=member).body == "earlier"
    assert outbox.write_batch(rows) == [], "run twice, it writes nothing"


def test_sending_delivers_once_and_a_failed_sms_goes_once_by_email(member, sms_outbox):
    [row] = outbox.notify(user=member, kind="test_notice", body="Hello")
    sms.failing["all"] = True
    assert outbox.send_notification(notification_id=row.pk) == NotificationStatus.FAILED
    assert outbox.send_notification(notification_id=row.pk) == NotificationStatus.FAILED, "sent once only"
    assert [m.to for m in mail.outbox] == [["member@example.org"]], "one email copy"
    assert Notification.objects.get(fallback_of=row).status == NotificationStatus.SENT
    sms.failing["all"] = False
    [other] = outbox.notify(user=member, kind="test_notice", body="Bye", about_id=2)
    assert tasks.send_notifications.apply(args=[[other.pk, other.pk]]).get() == [NotificationStatus.SENT] * 2
    assert [(m.to, m.body) for m in sms_outbox] == [("+12065550101", "Bye")]


def test_the_app_owning_a_kind_may_cancel_it_before_it_goes(member, sms_outbox):
    catalogue.register(
        "tests", [catalogue.MessageKind("test_moot", "UnionCore: moot")], cancel_reason=lambda n: f"moot {n.about_id}"
    )
    [row] = outbox.notify(user=member, kind="test_moot", body="Too late", about_id=5)
    assert outbox.send_notification(notification_id=row.pk) == NotificationStatus.CANCELLED
    assert Notification.objects.get().error == "moot 5"
    assert sms_outbox == []


def test_a_critical_alert_goes_both_ways_and_keeps_no_copy_of_its_link(member, sms_outbox):
    link = "http://127.0.0.1:8000/portal/login/link/secret-token/"
    rows = outbox.notify_critical(user=member, kind="magic_link", body="Your link:", link=link)
    for row in rows:
        outbox.send_notification(notification_id=row.pk)
    assert [m.body for m in sms_outbox] == [f"Your link: {link}"]
    assert [(m.subject, link in m.body) for m in mail.outbox] == [("Your UnionCore sign-in link", True)]
    assert not Notification.objects.filter(body__contains="secret-token").exists()
    assert not Notification.history.filter(body__contains="secret-token").exists()


def test_a_message_written_in_the_quiet_hours_waits_and_a_critical_one_does_not(member, sms_outbox, daytime):
    catalogue.register("tests", [catalogue.MessageKind("test_urgent", "UnionCore: urgent", critical=True)])
    daytime.move_to(at(datetime.date(2026, 12, 7), 21))
    [notice] = outbox.notify(user=member, kind="test_notice", body="Tomorrow")
    [urgent] = outbox.notify(user=member, kind="test_urgent", body="Now")
    assert notice.not_before == at(datetime.date(2026, 12, 8), 7)
    assert urgent.not_before is None
    assert outbox.pending_notification_ids() == [urgent.pk], "the wave passes the held one by"
    assert outbox.send_notification(notification_id=notice.pk) == "held"
    assert outbox.send_notification(notification_id=urgent.pk) == NotificationStatus.SENT
    daytime.move_to(at(datetime.date(2026, 12, 8), 7))
    assert outbox.pending_notification_ids() == [notice.pk]
    assert outbox.send_notification(notification_id=notice.pk) == NotificationStatus.SENT
    assert [m.body for m in sms_outbox] == ["Now", "Tomorrow"]


def test_a_batch_written_in_the_quiet_hours_waits_too(member, daytime):
    daytime.move_to(at(datetime.date(2026, 12, 7), 23))
    ids = outbox.write_batch([(1, member.pk, Channel.SMS, "test_notice", 0, "Tomorrow", "")])
    assert Notification.objects.get(pk=ids[0]).not_before == at(datetime.date(2026, 12, 8), 7)
    assert outbox.held_until("test_notice", at(datetime.date(2026, 12, 8), 6)) == at(datetime.date(2026, 12, 8), 7)
    assert outbox.held_until("test_notice", at(datetime.date(2026, 12, 8), 7)) is None
