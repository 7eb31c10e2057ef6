"""The phone API as an app team meets it (issue 21, decision 0042): a client generated from the
served schema by openapi-python-client carries the whole journey against a live server — login,
dispatches, clock-in and its replay, a break, clock-out, the supervisor's partial edit, the
worker's accept, an offline batch and its replay — with typed answers all the way."""

import datetime
import importlib
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests

from unioncore.testing import at
from unioncore.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

MONDAY = datetime.date(2026, 12, 7)
TUESDAY = MONDAY + datetime.timedelta(days=1)
CLIENT = "unioncore_phone_client"


def t(hour: int, minute: int = 0, day: datetime.date = MONDAY) -> datetime.datetime:
    return at(day, hour) + datetime.timedelta(minutes=minute)


@pytest.fixture
def generated(live_server, tmp_path, monkeypatch):
    """The client package generated from the schema the live server serves, imported."""
    schema = requests.get(f"{live_server.url}/api/schema/", timeout=30)
    assert schema.status_code == 200
    (tmp_path / "schema.yaml").write_bytes(schema.content)
    tools = Path(sys.executable).parent  # the generator, and ruff which it formats the package with
    command = [tools / "openapi-python-client", "generate", "--path", tmp_path / "schema.yaml",
               "--output-path", tmp_path / CLIENT, "--meta", "none"]  # fmt: skip
    path = f"{tools}{os.pathsep}{os.environ['PATH']}"
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env={**os.environ, "PATH": path})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Warning" not in done.stdout + done.stderr, done.stdout + done.stderr
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [name for name in sys.modules if name.startswith(CLIENT)]:
        del sys.modules[name]
    yield tmp_path / CLIENT
    for name in [name for name in sys.modules if name.startswith(CLIENT)]:
        del sys.modules[name]


def _module(name: str):
    return importlib.import_module(f"{CLIENT}.{name}")


def _login(live_server, username: str):
    client, models = _module("client"), _module("models")
    login = _module("api.auth.login")
    anonymous = client.Client(base_url=live_server.url, raise_on_unexpected_status=True)
    answer = login.sync(client=anonymous, body=models.LoginApiInputRequest(username=username, password=PASSWORD))
    assert isinstance(answer, models.LoginApiOutput), answer
    return client.AuthenticatedClient(
        base_url=live_server.url, token=answer.token, prefix="Token", raise_on_unexpected_status=True
    )


def test_a_generated_client_carries_the_whole_journey_with_typed_answers(generated, live_server, shift, clock):
    package = generated
    # No anonymous models: every sync event and result, every version of the times, is a class.
    anonymous = sorted(path.name for path in (package / "models").glob("*_item.py"))
    assert anonymous == []
    models = _module("models")
    timelogs = "api.timelogs."
    worker = _login(live_server, shift.worker.username)
    supervisor = _login(live_server, shift.supervisor.username)

    page = _module("api.me.list_my_dispatches").sync(client=worker)
    assert isinstance(page, models.PaginatedDispatchOutput)
    [dispatch] = page.results
    assert isinstance(dispatch, models.DispatchOutput)
    assert (dispatch.id, dispatch.actions) == (shift.dispatch.pk, [])

    body = models.ClockInApiInputRequest(dispatch=dispatch.id, client_uuid=uuid.uuid4(), device_time=t(7))
    clock_in = _module(timelogs + "clock_in")
    first = clock_in.sync_detailed(client=worker, body=body)
    assert first.status_code == 201
    assert isinstance(first.parsed, models.EventResult)
    log = first.parsed.time_log
    assert isinstance(log, models.TimeLogOutput)
    assert log.status == models.TimeLogStatusEnum.WORKING
    assert [action.value for action in log.actions] == ["break_start", "lunch_start", "travel_start", "clock_out"]
    replay = clock_in.sync_detailed(client=worker, body=body)
    assert (replay.status_code, replay.headers.get("Idempotent-Replayed")) == (201, "true")
    assert replay.parsed.time_log.id == log.id

    record = _module(timelogs + "record_timelog_event")
    kinds = models.TimeLogEventApiInputTypeEnum
    for kind, moment in ((kinds.BREAK_START, t(10)), (kinds.BREAK_END, t(10, 15)), (kinds.CLOCK_OUT, t(15, 30))):
        clock.move_to(moment + datetime.timedelta(minutes=1))
        event = models.TimeLogEventApiInputRequest(type_=kind, client_uuid=uuid.uuid4(), device_time=moment)
        answer = record.sync(log.id, client=worker, body=event)
        assert isinstance(answer, models.EventResult), (kind, answer)
    assert answer.time_log.status == models.TimeLogStatusEnum.PENDING_VERIFICATION
    assert isinstance(answer.time_log.worker_times, models.TimesOutput)
    assert answer.time_log.worker_times.break_minutes == 15

    # The supervisor's partial edit: the clock-out alone; the worker's break stands. The client
    # sends only what was set (UNSET fields are left out of the body).
    edit = models.TimeLogEditApiInputRequest(note="Left at three", clock_out=t(15))
    assert edit.to_dict().keys() == {"note", "clock_out"}
    edited = _module(timelogs + "edit_timelog").sync(log.id, client=supervisor, body=edit)
    assert isinstance(edited, models.TimeLogOutput), edited
    assert edited.status == models.TimeLogStatusEnum.PENDING_WORKER_REVIEW
    assert (edited.supervisor_times.break_minutes, edited.supervisor_times.clock_out) == (15, t(15))
    assert [action.value for action in edited.actions] == ["dispute", "acknowledge"]

    accepted = _module(timelogs + "accept_timelog_edit").sync(log.id, client=worker)
    assert isinstance(accepted, models.TimeLogOutput), accepted
    assert accepted.status == models.TimeLogStatusEnum.VERIFIED
    assert accepted.final_times.billable_minutes == 8 * 60 - 15
    assert accepted.amount == "465.00"

    # Tuesday, offline: the day's events sent as one batch when the signal is back, then again.
    clock.move_to(t(16, day=TUESDAY))
    events = [
        models.SyncClockInRequest(type_=models.SyncClockInTypeEnum.CLOCK_IN, client_uuid=uuid.uuid4(),
                                  device_time=t(7, day=TUESDAY), dispatch=dispatch.id),
        models.SyncShiftEventRequest(type_=models.SyncShiftEventTypeEnum.LUNCH_START, client_uuid=uuid.uuid4(),
                                     device_time=t(12, day=TUESDAY), dispatch=dispatch.id),
        models.SyncShiftEventRequest(type_=models.SyncShiftEventTypeEnum.LUNCH_END, client_uuid=uuid.uuid4(),
                                     device_time=t(12, 30, day=TUESDAY), dispatch=dispatch.id),
        models.SyncClockOutRequest(type_=models.SyncClockOutTypeEnum.CLOCK_OUT, client_uuid=uuid.uuid4(),
                                   device_time=t(15, 30, day=TUESDAY), dispatch=dispatch.id),
    ]  # fmt: skip
    batch = models.SyncApiInputRequest(events=events, sent_at=t(16, day=TUESDAY))
    sync_events = _module("api.sync.sync_events")
    synced = sync_events.sync(client=worker, body=batch)
    assert isinstance(synced, models.SyncApiOutput), synced
    assert [type(result).__name__ for result in synced.results] == ["SyncSynced"] * 4
    tuesday_log = synced.results[0].time_log
    again = sync_events.sync(client=worker, body=batch)
    assert [type(result).__name__ for result in again.results] == ["SyncDuplicate"] * 4
    assert [type(result.first_result).__name__ for result in again.results] == ["SyncSynced"] * 4
    assert {result.time_log for result in again.results} == {tuesday_log}

    page = _module(timelogs + "list_timelogs").sync(
        client=supervisor, status=models.ListTimelogsStatus("pending_verification")
    )
    assert isinstance(page, models.PaginatedTimeLogOutput)
    [waiting] = page.results
    assert (waiting.id, waiting.worker_times.lunch_minutes) == (tuesday_log, 30)
    assert [action.value for action in waiting.actions] == ["verify", "edit", "dispute", "acknowledge"]
