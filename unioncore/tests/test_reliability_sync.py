"""Offline sync over a real connection that breaks (issue #11): 0 duplicates, 0 lost events.

The service-level cases (a batch replayed 3×, the first events of a batch applied and their
answer lost, four deliveries at once) are in fulfillment/tests/test_sync.py. Here the batch goes
through gunicorn and the network, and the break is real:
- the phone's connection drops half-way through sending the body: nothing is written;
- the server process dies (SIGKILL) half-way through applying a batch of 200 events: the events
  already applied stay (each commits on its own), the phone never gets an answer, sends the same
  batch again three times, and ends with every event applied exactly once.
"""

import datetime
import http.client
import json
import os
import signal
import socket
import time
import uuid
from collections import Counter

import pytest
from django.utils import timezone

from bench import api_throughput as api
from fulfillment.enums import SyncStatus, TimeLogStatus
from fulfillment.models import TimeLog, TimeLogOfflineSync, TimeSegment

# gunicorn (another process) keeps the real clock; a shifted run's device times would be a year ahead of it
pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.real_clock]

BREAKS = 99  # break_start + break_end each: with the clock-in and the clock-out, 200 events


@pytest.fixture
def phone():
    """A member on an accepted dispatch, with a device token."""
    world = api.make_world(rows=0, writers=1)
    [(dispatch, token)] = world.writers
    return {"dispatch": dispatch, "token": token}


@pytest.fixture
def port():
    with api.server(workers=1, threads=1) as port:
        yield port


def offline_shift(dispatch: int, breaks: int = BREAKS) -> list[dict]:
    """Clock in 9 hours ago, `breaks` one-minute breaks two minutes apart, clock out."""
    start = timezone.now() - datetime.timedelta(hours=9)

    def event(kind: str, minutes: int) -> dict:
        moment = (start + datetime.timedelta(minutes=minutes)).isoformat()
        return {"client_uuid": str(uuid.uuid4()), "type": kind, "device_time": moment, "dispatch": dispatch}

    events = [event("clock_in", 0)]
    for n in range(breaks):
        events += [event("break_start", 10 + 2 * n), event("break_end", 11 + 2 * n)]
    return [*events, event("clock_out", 10 + 2 * breaks + 60)]


def body(events: list[dict]) -> bytes:
    return json.dumps({"events": events, "sent_at": timezone.now().isoformat()}).encode()


def headers(phone, length: int) -> dict:
    return {"Authorization": f"Token {phone['token']}", "Content-Type": "application/json",
            "Content-Length": str(length)}  # fmt: skip


def sync(port: int, phone, events: list[dict]) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    payload = body(events)
    conn.request("POST", "/api/v1/sync/", body=payload, headers=headers(phone, len(payload)))
    response = conn.getresponse()
    answer = json.loads(response.read())
    assert response.status == 200, answer
    return answer


def applied() -> int:
    return TimeLogOfflineSync.objects.exclude(status=SyncStatus.PENDING).count()


def assert_each_event_applied_once(events: list[dict]) -> None:
    rows = Counter(str(u) for u in TimeLogOfflineSync.objects.values_list("client_uuid", flat=True))
    sent = {e["client_uuid"] for e in events}
    assert set(rows) == sent, f"{len(sent - set(rows))} events lost, {len(set(rows) - sent)} unknown"
    assert set(rows.values()) == {1}, "an event stored twice"
    assert set(TimeLogOfflineSync.objects.values_list("status", flat=True)) == {SyncStatus.SYNCED}
    time_log = TimeLog.objects.get()  # one shift
    assert time_log.status == TimeLogStatus.PENDING_VERIFICATION
    assert TimeSegment.objects.filter(time_log=time_log).count() == BREAKS
    assert time_log.worker_break_minutes == BREAKS


def test_a_body_cut_half_way_writes_nothing_and_the_whole_batch_then_applies_200_events_once(port, phone):
    events = offline_shift(phone["dispatch"])
    payload = body(events)
    with socket.create_connection(("127.0.0.1", port)) as raw:
        head = "".join(f"{k}: {v}\r\n" for k, v in headers(phone, len(payload)).items())
        raw.sendall(f"POST /api/v1/sync/ HTTP/1.1\r\nHost: 127.0.0.1\r\n{head}\r\n".encode())
        raw.sendall(payload[: len(payload) // 2])
        raw.shutdown(socket.SHUT_WR)  # the signal is gone
        raw.settimeout(30)
        raw.recv(4096)  # whatever the server makes of it, it answers or closes
    assert TimeLogOfflineSync.objects.count() == 0
    assert TimeLog.objects.count() == 0

    results = sync(port, phone, events)["results"]
    assert Counter(r["status"] for r in results) == {"synced": len(events)}
    assert_each_event_applied_once(events)


def test_the_server_killed_mid_batch_of_200_then_3_replays_lose_nothing_and_double_nothing(port, phone):
    events = offline_shift(phone["dispatch"])
    payload = body(events)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("POST", "/api/v1/sync/", body=payload, headers=headers(phone, len(payload)))
    deadline = time.monotonic() + 60
    while applied() < 20:
        assert time.monotonic() < deadline, "the batch did not start"
        time.sleep(0.01)
    for pid in api.worker_pids(port):
        os.kill(pid, signal.SIGKILL)  # gunicorn's master starts another worker
    at_kill = applied()
    with pytest.raises((http.client.HTTPException, ConnectionError)):
        conn.getresponse().read()  # the phone never hears back
    assert 0 < at_kill < len(events), f"{at_kill} of {len(events)} applied at the kill"
    print(f"\n{len(events)} events, {at_kill} applied when the server died", end="")

    replies = [sync(port, phone, events)["results"] for _ in range(3)]

    first = Counter(r["status"] for r in replies[0])
    assert first["duplicate"] >= at_kill, first
    assert first["duplicate"] + first["synced"] == len(events), first
    assert all(r["status"] == "duplicate" for r in replies[1]), "a replay applies nothing"
    assert replies[2] == replies[1], "and answers the same each time"
    assert_each_event_applied_once(events)
