"""Project photos (issue 19, item 6): the clock-in and the offline sync accept a photo, checked
by Pillow (JPEG, PNG or WebP, at most TIMELOG_PHOTO_MAX_BYTES), stored under MEDIA_ROOT and shown
to the supervisor on the card; a bad photo is a 400 in the error format; a photo never changes
the time log."""

import base64
import io
import uuid

import pytest
from django.urls import reverse
from PIL import Image

from fulfillment.enums import TimeLogStatus as S
from fulfillment.models import ProjectPhoto, TimeLog, TimeLogOfflineSync
from fulfillment.portal.supervisor_selectors import card_path
from fulfillment.tests.conftest import MONDAY
from unioncore.testing import at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def picture(kind="JPEG", size=(64, 48)) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, format=kind)
    return base64.b64encode(buffer.getvalue()).decode()


def clock_in(shift, **extra) -> dict:
    return {"dispatch": shift.dispatch.pk, "client_uuid": str(uuid.uuid4()),
            "device_time": at(MONDAY, 7).isoformat(), **extra}  # fmt: skip


def test_a_clock_in_with_a_photo_keeps_it_beside_the_shift_and_changes_nothing_else(shift, api_as, clock, media):
    response = api_as(shift.worker).post(
        "/api/v1/timelogs/clock-in/", clock_in(shift, photo="data:image/jpeg;base64," + picture()), format="json"
    )
    assert response.status_code == 201, response.content
    log = TimeLog.objects.get()
    photo = ProjectPhoto.objects.get()
    assert (photo.time_log, photo.event, photo.content_type, photo.width, photo.height) == (
        log, "clock_in", "image/jpeg", 64, 48,
    )  # fmt: skip
    assert photo.image.path.startswith(str(media))
    assert (log.status, log.history.count()) == (S.WORKING, 1), "the photo is no change of the time log"
    assert TimeLogOfflineSync.objects.get().payload["photo"]["length"] > 0, "the row keeps a fingerprint, not bytes"


BAD = {
    "not base64": ("@@@not base64@@@", "invalid_photo"),
    "not an image": (base64.b64encode(b"%PDF-1.4 this is a document").decode(), "invalid_photo"),
    "a GIF": (None, "invalid_photo"),
    "too large": (None, "photo_too_large"),
}


@pytest.mark.parametrize("case", BAD)
def test_a_bad_photo_is_a_400_naming_the_photo_and_nothing_is_clocked(shift, api_as, clock, settings, case):
    data, _code = BAD[case]
    if case == "a GIF":
        data = picture("GIF")
    if case == "too large":
        settings.TIMELOG_PHOTO_MAX_BYTES = 200
        data = picture(size=(400, 400))
    response = api_as(shift.worker).post("/api/v1/timelogs/clock-in/", clock_in(shift, photo=data), format="json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert list(error["fields"]) == ["photo"]
    assert not TimeLog.objects.exists()
    assert not ProjectPhoto.objects.exists()


def test_an_offline_clock_out_carries_a_photo_once_however_often_it_is_sent(shift, api_as, clock):
    worker = api_as(shift.worker)
    log_id = worker.post("/api/v1/timelogs/clock-in/", clock_in(shift), format="json").json()["time_log"]["id"]
    clock.move_to(at(MONDAY, 16))
    batch = {"events": [{"type": "clock_out", "client_uuid": str(uuid.uuid4()), "timelog": log_id,
                         "device_time": at(MONDAY, 15).isoformat(), "payload": {"photo": picture("PNG")}}]}  # fmt: skip
    first = worker.post("/api/v1/sync/", batch, format="json")
    again = worker.post("/api/v1/sync/", batch, format="json")
    assert [r["status"] for r in first.json()["results"] + again.json()["results"]] == ["synced", "duplicate"]
    photo = ProjectPhoto.objects.get()
    assert (photo.event, photo.content_type, photo.time_log_id) == ("clock_out", "image/png", log_id)
    assert TimeLog.objects.get().status == S.PENDING_VERIFICATION


def test_a_sync_batch_with_a_bad_photo_is_a_400_naming_the_event(shift, api_as, clock):
    events = [{"type": "clock_in", "client_uuid": str(uuid.uuid4()), "dispatch": shift.dispatch.pk,
               "device_time": at(MONDAY, 7).isoformat(), "payload": {"photo": "bm90IGEgcGhvdG8="}}]  # fmt: skip
    response = api_as(shift.worker).post("/api/v1/sync/", {"events": events}, format="json")
    assert response.status_code == 400, response.content
    assert list(response.json()["error"]["fields"]["events"]) == ["0"]
    assert not TimeLog.objects.exists()
    assert not TimeLogOfflineSync.objects.exists()


def test_the_supervisor_sees_the_photo_on_the_card_and_nobody_else_gets_it(client, shift, api_as, clock):
    api_as(shift.worker).post("/api/v1/timelogs/clock-in/", clock_in(shift, photo=picture()), format="json")
    photo = ProjectPhoto.objects.get()
    url = reverse("portal:timelog-photo", args=[photo.pk])
    client.force_login(shift.supervisor)
    card = client.get(card_path(photo.time_log)).content.decode()
    assert url in card
    served = client.get(url)
    assert (served.status_code, served["Content-Type"]) == (200, "image/jpeg")
    assert b"".join(served.streaming_content)[:2] == b"\xff\xd8"
    client.force_login(shift.other_employer_supervisor)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login
