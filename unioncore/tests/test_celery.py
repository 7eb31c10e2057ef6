"""A real Celery worker against the real Redis broker."""

import pytest
from celery.contrib.testing.worker import start_worker

from members.models import Member
from members.tasks import expire_exemptions
from members.tests.factories import MemberFactory
from unioncore.celery import app


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_task_sent_through_redis_runs_on_a_worker_and_acts_as_system():
    member = MemberFactory(is_exempt=True, exempt_reason="jury_duty", exempt_until="2021-06-30")
    with start_worker(app, perform_ping_check=False, pool="solo", shutdown_timeout=10):
        # Results are ignored by default (settings); this test asks for its one.
        assert expire_exemptions.apply_async(ignore_result=False).get(timeout=20) == 1
    member = Member.objects.get(pk=member.pk)
    assert member.is_exempt is False
    assert member.history.first().history_user.username == "system"


def test_sending_a_task_subscribes_to_nothing():
    """A web process sends a task per clock-in: it must not listen for a result nobody reads
    (the Redis result backend subscribes the sender to the task's result channel otherwise)."""
    from unioncore.notifications.tasks import send_notification

    queue = "unioncore-test-discard"  # no worker reads it; emptied below
    try:
        subscribed = app.backend.result_consumer.subscribed_to
        result = send_notification.apply_async((0,), queue=queue)
        assert app.backend.get_key_for_task(result.id) not in subscribed
        kept = send_notification.apply_async((0,), queue=queue, ignore_result=False)
        assert app.backend.get_key_for_task(kept.id) in subscribed, "the check itself would see a subscription"
    finally:
        with app.connection_for_write() as connection:
            client = connection.default_channel.client
            client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")


def test_the_beat_schedule_names_registered_tasks():
    app.loader.import_default_modules()
    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in app.tasks, entry["task"]


def test_the_beat_schedule_sweeps_background_exports_well_within_their_silence_limit(settings):
    entry = app.conf.beat_schedule["reports-sweep-exports"]
    assert entry["task"] == "reports.tasks.sweep_exports"
    assert entry["schedule"] <= settings.REPORTS_EXPORT_STALE_MINUTES * 60 / 2
    assert entry["options"]["expires"] < entry["schedule"]  # a late run is dropped, not stacked
