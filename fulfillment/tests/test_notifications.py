"""The outbox, the escalation ladders and the SMS → email fallback (seed: Escalation Protocol,
SMS Delivery Failure Handling). Real PostgreSQL; the clock moves with time-machine."""

import datetime
import urllib.parse
from dataclasses import dataclass

import pytest
import time_machine
from django.core import mail, signing
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dispatch.enums import EmployerRole
from dispatch.models import Dispatch
from dispatch.tests.factories import EmployerFactory
from fulfillment import tasks
from fulfillment.enums import AcknowledgementMethod, TimeLogStatus
from fulfillment.models import AUTO_APPROVAL_SETTLE, ClockInAcknowledgement, TimeLog
from fulfillment.services import notifications, timelogs
from fulfillment.services import notifications as notifications_services
from fulfillment.tests.factories import (
    ReachableStaffFactory,
    SiteUserFactory,
    WorkerFactory,
    on_the_job,
)
from unioncore.audit import system_user
from unioncore.errors import RuleViolation
from unioncore.models import User
from unioncore.notifications import services as outbox
from unioncore.notifications import sms
from unioncore.notifications import tasks as outbox_tasks
from unioncore.notifications.enums import Channel, NotificationStatus
from unioncore.notifications.models import Notification
from unioncore.testing import at, run_concurrently

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sms_outbox")]

S = TimeLogStatus
MONDAY = datetime.date(2026, 12, 7)
M = datetime.timedelta(minutes=1)
H = datetime.timedelta(hours=1)
SUBMITTED = at(MONDAY, 15).replace(minute=35)  # T+0 of the end-of-shift ladder in these tests


def t(hour, minute=0):
    return at(MONDAY, hour).replace(minute=minute)


@dataclass
class World:
    dispatch: Dispatch
    worker: User
    site_contact: User
    borrowing_admin: User
    lending_admin: User


def make_world(**worker_user) -> World:
    employer = EmployerFactory()
    site_contact = SiteUserFactory(employer=employer)  # the employer's first user: the site contact
    borrowing_admin = SiteUserFactory(employer=employer, role=EmployerRole.ADMIN)
    lending_admin = ReachableStaffFactory()
    worker = WorkerFactory(**{f"user__{k}": v for k, v in worker_user.items()})
    dispatch = on_the_job(worker=worker, employer=employer, by=lending_admin, day=MONDAY)
    return World(dispatch, worker.user, site_contact.user, borrowing_admin.user, lending_admin)


@pytest.fixture
def world(hall_clock) -> World:
    return make_world()


def clock_in(world, hall_clock, when=None) -> TimeLog:
    hall_clock.move_to(when or t(7))
    return timelogs.timelog_clock_in(dispatch_id=world.dispatch.pk, by=world.worker)


def submit(world, hall_clock, when=SUBMITTED) -> TimeLog:
    """Clock in at 7:00, stop at 15:30 (8 h 30), submit at `when`: the 4-hour timer starts."""
    time_log = clock_in(world, hall_clock)
    timelogs.timelog_stop_work(timelog_id=time_log.pk, by=world.worker, at=t(15, 30))
    hall_clock.move_to(when)
    return timelogs.timelog_submit(timelog_id=time_log.pk, by=world.worker)


def escalate(hall_clock, when) -> int:
    hall_clock.move_to(when)
    return notifications_services.run_escalations()


def written(**filters) -> list[tuple]:
    """The outbox as (kind, recipient, channel), oldest first."""
    rows = Notification.objects.filter(**filters).order_by("pk")
    return [(n.kind, n.recipient, n.channel) for n in rows.select_related("recipient")]


def deliver() -> dict[int, str]:
    """Run the send task on every pending row, as the workers would after commit."""
    pending = Notification.objects.filter(status=NotificationStatus.PENDING).order_by("pk")
    return {pk: outbox_tasks.send_notification.apply(args=[pk]).get() for pk in pending.values_list("pk", flat=True)}


def texted(sms_outbox) -> list[tuple[str, str]]:
    return [(message.to, message.body.split(":")[0]) for message in sms_outbox]


# --- Clock-in ladder: T+0 site contact, T+15m borrowing admin, T+25m lending admin ---


def test_the_clock_in_ladder_goes_to_the_site_contact_then_the_borrowing_then_the_lending_admin(
    world, hall_clock, sms_outbox
):
    w = world
    clock_in(w, hall_clock)
    assert written() == [("clock_in_t0", w.site_contact, Channel.SMS)]
    assert escalate(hall_clock, t(7, 14)) == 0
    assert escalate(hall_clock, t(7, 15)) == 1
    assert written()[-1] == ("clock_in_t15", w.borrowing_admin, Channel.SMS)
    assert escalate(hall_clock, t(7, 24)) == 0
    assert escalate(hall_clock, t(7, 25)) == 1
    assert written()[-1] == ("clock_in_t25", w.lending_admin, Channel.SMS)
    assert escalate(hall_clock, t(9)) == 0, "the ladder ends at the lending admin"

    deliver()
    assert [m.to for m in sms_outbox] == [str(u.phone) for u in (w.site_contact, w.borrowing_admin, w.lending_admin)]
    assert sms_outbox[0].body.startswith("Clock-in: ")
    assert "/portal/timelogs/" in sms_outbox[0].body
    assert "tacit approval" in sms_outbox[2].body


def test_an_acknowledgement_stops_the_clock_in_ladder(world, hall_clock):
    time_log = clock_in(world, hall_clock)
    hall_clock.move_to(t(7, 10))
    notifications_services.timelog_acknowledge(
        timelog_id=time_log.pk, by=world.site_contact, method=AcknowledgementMethod.DEEP_LINK_CLICKED
    )
    assert escalate(hall_clock, t(7, 15)) == 0
    assert escalate(hall_clock, t(7, 25)) == 0
    assert [k for k, *_ in written()] == ["clock_in_t0"]
    ack = ClockInAcknowledgement.objects.get()
    assert (ack.time_log_id, ack.user, ack.acknowledged_at, ack.method) == (
        time_log.pk, world.site_contact, t(7, 10), "deep_link_clicked",
    )  # fmt: skip


def test_an_acknowledgement_after_the_first_escalation_cancels_what_is_left(world, hall_clock, sms_outbox):
    time_log = clock_in(world, hall_clock)
    deliver()
    escalate(hall_clock, t(7, 15))  # written, not yet sent
    hall_clock.move_to(t(7, 16))
    notifications_services.timelog_acknowledge(timelog_id=time_log.pk, by=world.borrowing_admin, method="app_opened")
    deliver()
    t15 = Notification.objects.get(kind="clock_in_t15")
    assert t15.status == NotificationStatus.CANCELLED
    assert t15.error == "The clock-in was acknowledged."
    assert escalate(hall_clock, t(7, 25)) == 0
    assert len(sms_outbox) == 1, "only the T+0 clock-in message went out"


def test_the_clock_in_ladder_stops_when_the_shift_ends(world, hall_clock):
    time_log = clock_in(world, hall_clock)
    hall_clock.move_to(t(7, 10))
    timelogs.timelog_stop_work(timelog_id=time_log.pk, by=world.worker)
    assert escalate(hall_clock, t(7, 30)) == 0


def test_only_the_employers_users_and_union_staff_acknowledge_a_clock_in(world, hall_clock):
    time_log = clock_in(world, hall_clock)
    outsider = SiteUserFactory().user  # a supervisor of another employer
    for user in (world.worker, outsider):
        with pytest.raises(RuleViolation) as refused:
            notifications_services.timelog_acknowledge(timelog_id=time_log.pk, by=user, method="app_opened")
        assert refused.value.code == "not_allowed"
    with pytest.raises(RuleViolation) as refused:
        notifications_services.timelog_acknowledge(timelog_id=time_log.pk, by=world.site_contact, method="phoned")
    assert refused.value.code == "bad_method"
    notifications_services.timelog_acknowledge(
        timelog_id=time_log.pk, by=world.lending_admin, method="deep_link_clicked"
    )
    notifications_services.timelog_acknowledge(timelog_id=time_log.pk, by=world.site_contact, method="app_opened")
    assert ClockInAcknowledgement.objects.count() == 2, "every acknowledgement is kept"


# --- End-of-shift ladder: T+0 site contact, T+60m and T+3h site contact & borrowing admin ---


def test_the_end_of_shift_ladder_at_0_60_minutes_and_3_hours(world, hall_clock, sms_outbox):
    w = world
    submit(w, hall_clock)
    assert written(kind__startswith="verify") == [("verify_t0", w.site_contact, Channel.SMS)]
    assert escalate(hall_clock, SUBMITTED + 59 * M) == 0
    assert escalate(hall_clock, SUBMITTED + 60 * M) == 2
    assert escalate(hall_clock, SUBMITTED + 3 * H - M) == 0
    assert escalate(hall_clock, SUBMITTED + 3 * H) == 2
    assert escalate(hall_clock, SUBMITTED + 4 * H - M) == 0
    assert written(kind__startswith="verify") == [
        ("verify_t0", w.site_contact, Channel.SMS),
        ("verify_t60", w.site_contact, Channel.SMS),
        ("verify_t60", w.borrowing_admin, Channel.SMS),
        ("verify_t3h", w.site_contact, Channel.SMS),
        ("verify_t3h", w.borrowing_admin, Channel.SMS),
    ]
    deliver()
    bodies = [m.body for m in sms_outbox if m.to == str(w.site_contact.phone)]
    assert bodies[-3].startswith("Verify hours: ")
    assert "8h30" in bodies[-3]
    assert bodies[-2].startswith("Reminder, verify hours: ")
    assert bodies[-1].startswith("URGENT: ")
    assert "Mon 7:35 PM" in bodies[-1], "the deadline, in the hall's time"


def test_a_late_run_sends_the_urgent_warning_not_a_stale_reminder(world, hall_clock):
    submit(world, hall_clock)
    assert escalate(hall_clock, SUBMITTED + 3 * H + 10 * M) == 2
    assert {k for k, *_ in written(kind__startswith="verify_t")} == {"verify_t0", "verify_t3h"}


def test_no_step_is_written_once_the_deadline_has_passed(world, hall_clock):
    submit(world, hall_clock)
    assert escalate(hall_clock, SUBMITTED + 4 * H) == 0


def test_verification_cancels_the_rest_of_the_ladder(world, hall_clock, sms_outbox):
    time_log = submit(world, hall_clock)
    deliver()
    escalate(hall_clock, SUBMITTED + 60 * M)  # the reminders are written, not yet sent
    hall_clock.move_to(SUBMITTED + 61 * M)
    timelogs.timelog_verify(timelog_id=time_log.pk, by=world.borrowing_admin)
    deliver()
    reminders = Notification.objects.filter(kind="verify_t60")
    assert {n.status for n in reminders} == {NotificationStatus.CANCELLED}
    assert reminders[0].error == "The time log is now verified."
    assert escalate(hall_clock, SUBMITTED + 3 * H) == 0
    assert [body for _, body in texted(sms_outbox)] == [
        "Clock-in", "Verify hours", "Your hours for Mon Dec 7 at Pier 91 are verified",
    ]  # fmt: skip
    assert sms_outbox[-1].to == str(world.worker.phone)


def test_running_the_ladders_twice_writes_each_step_once(world, hall_clock):
    time_log = clock_in(world, hall_clock)
    for _ in range(2):
        escalate(hall_clock, t(7, 25))
    timelogs.timelog_stop_work(timelog_id=time_log.pk, by=world.worker, at=t(15, 30))
    hall_clock.move_to(SUBMITTED)
    timelogs.timelog_submit(timelog_id=time_log.pk, by=world.worker)
    counts = [escalate(hall_clock, SUBMITTED + 60 * M) for _ in range(2)]
    counts += [escalate(hall_clock, SUBMITTED + 3 * H) for _ in range(2)]
    assert counts == [2, 0, 2, 0]
    assert sorted(k for k, *_ in written()) == sorted(
        ["clock_in_t0", "clock_in_t15", "clock_in_t25", "verify_t0"] + ["verify_t60", "verify_t3h"] * 2
    )


def test_a_new_timer_cycle_restarts_the_ladder(world, hall_clock, sms_outbox):
    w = world
    time_log = submit(w, hall_clock)
    escalate(hall_clock, SUBMITTED + 60 * M)
    edited = SUBMITTED + 70 * M
    hall_clock.move_to(edited)
    timelogs.timelog_edit(
        timelog_id=time_log.pk, by=w.site_contact, clock_in=t(7), clock_out=t(15), note="Left at three."
    )
    assert written()[-1] == ("review_t0", w.worker, Channel.SMS)
    assert escalate(hall_clock, edited + 59 * M) == 0
    assert escalate(hall_clock, edited + 60 * M) == 1
    assert written()[-1] == ("review_t60", w.worker, Channel.SMS), "the worker is the one the timer waits on"
    rejected = edited + 90 * M
    hall_clock.move_to(rejected)
    timelogs.timelog_reject_edit(timelog_id=time_log.pk, by=w.worker, comment="I was there until 3:30.")
    assert written()[-1] == ("reevaluate_t0", w.site_contact, Channel.SMS)
    assert escalate(hall_clock, rejected + 60 * M) == 2
    cycles = sorted(set(Notification.objects.filter(kind="verify_t60").values_list("cycle", flat=True)))
    assert cycles == [1, 3], "the reminder of the first cycle and again in the third"

    deliver()  # what belongs to an earlier cycle is no longer sent
    stale = Notification.objects.filter(status=NotificationStatus.CANCELLED)
    assert sorted(stale.values_list("kind", "cycle")) == [
        ("review_t0", 2), ("review_t60", 2), ("verify_t0", 1), ("verify_t60", 1), ("verify_t60", 1),
    ]  # fmt: skip
    rejection = next(m.body for m in sms_outbox if m.body.startswith("Worker rejected your edit: "))
    assert '"I was there until 3:30."' in rejection


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.postgresql_only(
    reason="threads racing on their own connections; SQLite's in-memory test database is one connection, one writer"
)
def test_two_runs_at_once_write_each_step_once(monkeypatch):
    monkeypatch.setattr(outbox_tasks.send_notification, "delay", lambda pk: None)
    with time_machine.travel(t(6), tick=False) as hall_clock:
        w = make_world()
        time_log = submit(w, hall_clock)
        hall_clock.move_to(SUBMITTED + 60 * M)
        results = run_concurrently(*[notifications_services.run_escalations for _ in range(4)])
    assert all(isinstance(r, int) for r in results), results
    assert sum(results) == 2, f"{sum(results)} reminders written by four runs"
    assert Notification.objects.filter(about_id=time_log.pk, kind="verify_t60").count() == 2


def test_the_ladders_take_a_constant_number_of_queries_per_batch(hall_clock):
    worlds = [make_world() for _ in range(4)]
    submit(worlds[0], hall_clock, when=SUBMITTED)
    for w in worlds[1:]:
        submit(w, hall_clock, when=SUBMITTED + 10 * M)
    hall_clock.move_to(SUBMITTED + 60 * M)
    with CaptureQueriesContext(connection) as one:
        assert notifications_services.run_escalations() == 2
    hall_clock.move_to(SUBMITTED + 70 * M)
    with CaptureQueriesContext(connection) as three:
        assert notifications_services.run_escalations() == 6
    assert len(three) == len(one), f"{len(one)} queries for one time log, {len(three)} for three"


# --- Sending: SMS, the email fallback, critical alerts ---


def test_a_failed_sms_goes_once_by_email(world, hall_clock, sms_outbox):
    sms.failing["all"] = True
    submit(world, hall_clock)
    verify_t0 = Notification.objects.get(kind="verify_t0")
    assert outbox_tasks.send_notification.apply(args=[verify_t0.pk]).get() == NotificationStatus.FAILED
    for _ in range(2):  # a redelivered task, a late worker
        outbox_tasks.send_notification.apply(args=[verify_t0.pk]).get()
    escalate(hall_clock, SUBMITTED + 10 * M)

    verify_t0.refresh_from_db()
    assert verify_t0.status == NotificationStatus.FAILED
    assert "test switch" in verify_t0.error
    assert verify_t0.fallback.channel == Channel.EMAIL
    assert verify_t0.fallback.status == NotificationStatus.SENT
    assert len(mail.outbox) == 1, f"{len(mail.outbox)} emails for one failed SMS"
    assert mail.outbox[0].to == [world.site_contact.email]
    assert mail.outbox[0].subject == "UnionCore: Verify hours"
    assert mail.outbox[0].body.startswith("Verify hours: ")
    assert sms_outbox == []


def test_a_failed_sms_to_a_user_without_email_sends_nothing_else(world, hall_clock):
    User.objects.filter(pk=world.site_contact.pk).update(email="")
    sms.failing["numbers"].add(str(world.site_contact.phone))
    submit(world, hall_clock)
    deliver()
    assert Notification.objects.get(kind="verify_t0").status == NotificationStatus.FAILED
    assert Notification.objects.filter(channel=Channel.EMAIL).count() == 0
    assert mail.outbox == []


def test_no_phone_means_email_and_neither_means_no_message(hall_clock, sms_outbox):
    w = make_world(phone=None, email="")
    User.objects.filter(pk=w.site_contact.pk).update(phone=None)
    time_log = submit(w, hall_clock)
    assert written() == [("clock_in_t0", w.site_contact, Channel.EMAIL), ("verify_t0", w.site_contact, Channel.EMAIL)]
    hall_clock.move_to(SUBMITTED + 5 * M)
    timelogs.timelog_verify(timelog_id=time_log.pk, by=w.site_contact)
    assert not Notification.objects.filter(recipient=w.worker).exists(), "the worker has no phone and no email"
    deliver()
    assert [m.subject for m in mail.outbox] == ["UnionCore: Clock-in"]  # the verify request is moot by now
    assert sms_outbox == []


def test_a_critical_alert_goes_by_sms_and_email_at_once(world, hall_clock, sms_outbox):
    link = "http://127.0.0.1:8000/portal/login/secret-token/"
    rows = outbox.notify_critical(user=world.worker, kind="magic_link", body="Your sign-in link:", link=link)
    assert [(n.channel, n.fallback_of_id) for n in rows] == [(Channel.SMS, None), (Channel.EMAIL, rows[0].pk)]
    sms.failing["all"] = True  # a failed SMS does not send a second email: one already went
    deliver()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Your UnionCore sign-in link"
    assert link in mail.outbox[0].body
    stored = Notification.objects.filter(kind="magic_link")
    assert {n.status for n in stored} == {NotificationStatus.FAILED, NotificationStatus.SENT}
    assert not any(link in n.body or n.link for n in stored), "no copy of the key is kept"
    assert not Notification.history.filter(body__contains="secret-token").exists()


@pytest.fixture
def waves(monkeypatch):
    """The wave tasks scheduled (their options), instead of sent to the broker; no wave open."""
    cache.delete(outbox.WAVE_KEY)
    scheduled = []
    wave_task = outbox_tasks.send_pending_notifications
    monkeypatch.setattr(wave_task, "apply_async", lambda **options: scheduled.append(options))
    yield scheduled
    cache.delete(outbox.WAVE_KEY)


def test_a_message_is_sent_by_a_task_scheduled_after_commit(
    world, hall_clock, waves, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        clock_in(world, hall_clock)
    assert waves == [], "nothing is queued before the commit"
    for callback in callbacks:
        callback()
    assert waves == [{"countdown": outbox.WAVE_DELAY_SECONDS}]


def test_a_wave_of_messages_is_one_task_which_sends_them_all(
    world, hall_clock, waves, sms_outbox, django_capture_on_commit_callbacks
):
    other = make_world()
    with django_capture_on_commit_callbacks(execute=True):
        clock_in(world, hall_clock)
    with django_capture_on_commit_callbacks(execute=True):
        clock_in(other, hall_clock)  # within the wave: its row is committed before the task runs
    assert len(waves) == 1

    assert outbox_tasks.send_pending_notifications.apply().get() == 2
    assert sorted(m.to for m in sms_outbox) == sorted(str(w.site_contact.phone) for w in (world, other))
    assert set(Notification.objects.values_list("status", flat=True)) == {NotificationStatus.SENT}
    assert outbox_tasks.send_pending_notifications.apply().get() == 0, "a second run sends nothing again"
    assert len(sms_outbox) == 2

    cache.delete(outbox.WAVE_KEY)  # the wave's second is over
    time_log = TimeLog.objects.get(worker=world.worker)
    timelogs.timelog_stop_work(timelog_id=time_log.pk, by=world.worker, at=t(15, 30))
    with django_capture_on_commit_callbacks(execute=True):
        timelogs.timelog_submit(timelog_id=time_log.pk, by=world.worker)
    assert len(waves) == 2, "the next message opens the next wave"


def test_a_large_wave_is_fanned_out_to_send_tasks_and_carried_on_past_the_limit(
    world, hall_clock, monkeypatch, sms_outbox
):
    monkeypatch.setattr(outbox, "WAVE_CHUNK", 1)
    monkeypatch.setattr(outbox, "SEND_PENDING_LIMIT", 2)
    chunks, continued = [], []
    monkeypatch.setattr(outbox_tasks.send_notifications, "delay", chunks.append)
    monkeypatch.setattr(outbox_tasks.send_pending_notifications, "delay", continued.append)
    for n in range(3):
        clock_in(make_world(), hall_clock, t(7, n))
    first, second, third = Notification.objects.order_by("pk").values_list("pk", flat=True)

    assert outbox_tasks.send_pending_notifications.apply().get() == 2
    assert len(sms_outbox) == 1, "the first chunk is sent by the wave task itself"
    assert chunks == [[second]], "the rest goes to the workers, a chunk a task"
    assert continued == [second], "past the limit the next wave task carries on after the last id"

    outbox_tasks.send_notifications.apply(args=[chunks[0]]).get()
    assert outbox_tasks.send_pending_notifications.apply(args=[continued[0]]).get() == 1
    assert len(sms_outbox) == 3
    assert Notification.objects.get(pk=third).status == NotificationStatus.SENT
    assert set(Notification.objects.values_list("status", flat=True)) == {NotificationStatus.SENT}
    assert first < second < third


def test_a_row_whose_task_was_lost_is_queued_again(world, hall_clock, monkeypatch, django_capture_on_commit_callbacks):
    queued = []
    monkeypatch.setattr(outbox_tasks.send_notification, "delay", queued.append)
    clock_in(world, hall_clock)  # its on-commit callback is dropped here: as if the broker had been down
    hall_clock.move_to(t(7, 1))
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox_tasks.requeue_pending.apply().get() == 0
    assert queued == []
    hall_clock.move_to(t(7, 2))
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox_tasks.requeue_pending.apply().get() == 1
    assert queued == [Notification.objects.get(kind="clock_in_t0").pk]


# --- Messages of the loop ---


def test_auto_approval_tells_the_worker_and_the_site_contact(world, hall_clock, sms_outbox):
    submit(world, hall_clock)
    deliver()
    hall_clock.move_to(SUBMITTED + 4 * H + AUTO_APPROVAL_SETTLE)
    assert timelogs.auto_approve_due(by=system_user()) == 1
    assert written(kind="auto_approved") == [
        ("auto_approved", world.worker, Channel.SMS), ("auto_approved", world.site_contact, Channel.SMS),
    ]  # fmt: skip
    deliver()
    assert sms_outbox[-1].body.startswith(
        "Timesheet auto-approved after 4 hours. Supervisor did not verify within required timeframe."
    )


def test_a_manual_entry_asks_the_supervisor_to_verify(world, hall_clock, sms_outbox):
    hall_clock.move_to(t(18))
    timelogs.timelog_retroactive_submit(
        dispatch_id=world.dispatch.pk, by=world.worker, clock_in=t(7), clock_out=t(15), note="Phone died."
    )
    assert written() == [("retroactive_t0", world.site_contact, Channel.SMS)]
    deliver()
    assert sms_outbox[0].body.startswith("Worker submitted manual timesheet entry. Please verify.")


def test_the_deep_link_is_signed_and_names_the_time_log(world, hall_clock):
    time_log = clock_in(world, hall_clock)
    link = Notification.objects.get().link
    assert link.startswith("http://127.0.0.1:8000/portal/timelogs/")
    token = urllib.parse.unquote(link.rstrip("/").rsplit("/", 1)[1])
    assert notifications_services.card_link_timelog_id(token) == time_log.pk
    with pytest.raises(signing.BadSignature):
        notifications_services.card_link_timelog_id(token.replace(str(time_log.pk), str(time_log.pk + 1), 1))
    hall_clock.move_to(t(7) + datetime.timedelta(days=15))
    with pytest.raises(signing.SignatureExpired):
        notifications_services.card_link_timelog_id(token)


def test_the_links_of_a_batch_are_the_tokens_djangos_signer_makes(hall_clock):
    hall_clock.move_to(t(7))
    links = notifications.card_links([7, 12345])
    for pk in (7, 12345):
        token = signing.TimestampSigner(salt=notifications.LINK_SALT).sign(str(pk))
        assert links[pk] == f"http://127.0.0.1:8000/portal/timelogs/{token}/"
        assert notifications_services.card_link_timelog_id(token) == pk


def test_the_escalation_task_runs_the_ladders(world, hall_clock):
    submit(world, hall_clock)
    hall_clock.move_to(SUBMITTED + 60 * M)
    assert tasks.run_escalations.apply().get() == 2


# --- Backends ---


def test_the_backend_comes_from_settings_and_the_twilio_one_builds_its_request(settings):
    assert isinstance(sms.get_backend(), sms.InMemorySmsBackend)
    settings.TWILIO_ACCOUNT_SID = ""
    with pytest.raises(ImproperlyConfigured):
        sms.TwilioSmsBackend()
    backend = sms.TwilioSmsBackend(account_sid="AC123", auth_token="secret", from_number="+12065550100")
    request = backend.request("+12065550123", "Verify hours")
    assert request.full_url == "https://api.twilio.com/2010-04-01/Accounts/AC123/Messages.json"
    assert request.get_method() == "POST"
    assert request.headers["Authorization"] == "Basic QUMxMjM6c2VjcmV0"
    assert urllib.parse.parse_qs(request.data.decode()) == {
        "To": ["+12065550123"], "Body": ["Verify hours"], "From": ["+12065550100"],
    }  # fmt: skip


def test_in_the_quiet_hours_the_ladder_still_goes_at_once_and_an_outcome_waits_until_7(world, hall_clock, sms_outbox):
    """Seed: the T+0 "Verify hours" is critical and bypasses quiet hours (decision 0045: every
    step of a ladder on a timer is); "your hours are verified" is not, and waits until 07:00."""
    late = t(22)
    time_log = clock_in(world, hall_clock, t(14))
    timelogs.timelog_stop_work(timelog_id=time_log.pk, by=world.worker, at=t(21, 30))
    hall_clock.move_to(late)
    timelogs.timelog_submit(timelog_id=time_log.pk, by=world.worker)
    deliver()
    assert Notification.objects.get(kind="verify_t0").status == NotificationStatus.SENT
    hall_clock.move_to(late + 10 * M)
    timelogs.timelog_verify(timelog_id=time_log.pk, by=world.site_contact)
    verified = Notification.objects.get(kind="verified")
    assert verified.not_before == at(MONDAY + datetime.timedelta(days=1), 7)
    deliver()
    assert Notification.objects.get(pk=verified.pk).status == NotificationStatus.PENDING, "held"
    hall_clock.move_to(at(MONDAY + datetime.timedelta(days=1), 7))
    assert outbox.requeue_stale() == 1
    deliver()
    assert sms_outbox[-1].body.startswith("Your hours for Mon Dec 7")
