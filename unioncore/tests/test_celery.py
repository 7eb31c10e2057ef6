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
        assert expire_exemptions.delay().get(timeout=20) == 1
    member = Member.objects.get(pk=member.pk)
    assert member.is_exempt is False
    assert member.history.first().history_user.username == "system"


def test_the_beat_schedule_names_registered_tasks():
    app.loader.import_default_modules()
    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in app.tasks, entry["task"]


def test_the_beat_schedule_sweeps_background_exports_well_within_their_silence_limit(settings):
    entry = app.conf.beat_schedule["reports-sweep-exports"]
    assert entry["task"] == "reports.tasks.sweep_exports"
    assert entry["schedule"] <= settings.REPORTS_EXPORT_STALE_MINUTES * 60 / 2
    assert entry["options"]["expires"] < entry["schedule"]  # a late run is dropped, not stacked
