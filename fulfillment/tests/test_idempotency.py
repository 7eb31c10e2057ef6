"""A phone's write applied once (issue 23, item 5; decision 0051): `idempotent(key, body, run)`
runs the service once per key, the API's clock-in calls the clock-in service through it, and the
location is checked by the service, for every caller."""

import datetime
import uuid
from decimal import Decimal

import pytest

from fulfillment.errors import FulfillmentError
from fulfillment.models import TimeLog, TimeLogOfflineSync
from fulfillment.services import idempotency, timelogs
from unioncore.errors import RuleViolation
from unioncore.testing import at

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 12, 7)


def test_the_run_is_applied_once_per_key_and_a_second_body_is_refused(shift):
    """A replay may run again (the key is claimed by writing it last), but all it wrote is
    rolled back: one time log, one stored event."""

    def run(row):
        return timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker, at=row.device_time)

    key = idempotency.EventKey(worker=shift.worker, client_uuid=uuid.uuid4())
    body = idempotency.EventBody(type="clock_in", device_time=at(MONDAY, 7), dispatch=shift.dispatch.pk)
    first, time_log = idempotency.idempotent(key, body, run)
    assert (first["status"], first["time_log"], time_log.clock_in_at) == ("synced", time_log.pk, at(MONDAY, 7))
    # The same body in another offset is the same body: the first answer again, nothing run.
    same = idempotency.EventBody(
        type="clock_in", device_time=at(MONDAY, 7).astimezone(datetime.UTC), dispatch=shift.dispatch.pk
    )
    again, nothing = idempotency.idempotent(key, same, run)
    assert (again["status"], again["first_result"], nothing) == ("duplicate", first, None)
    other = idempotency.EventBody(type="clock_in", device_time=at(MONDAY, 8), dispatch=shift.dispatch.pk)
    reused, _ = idempotency.idempotent(key, other, run)
    assert reused["reused"]
    assert reused["error"]["code"] == FulfillmentError.IDEMPOTENCY_KEY_REUSED
    assert TimeLog.objects.count() == TimeLogOfflineSync.objects.count() == 1


def test_a_refusal_is_the_answer_stored_for_the_key_and_undoes_the_run(shift):
    key = idempotency.EventKey(worker=shift.worker, client_uuid=uuid.uuid4())
    body = idempotency.EventBody(type="clock_in", device_time=at(MONDAY, 7), dispatch=shift.dispatch.pk)

    def run(row):
        timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker, at=row.device_time)
        raise RuleViolation(FulfillmentError.INVALID_PAYLOAD, "Refused after the clock-in.")

    answer, time_log = idempotency.idempotent(key, body, run, several_writes=True)
    assert (answer["status"], answer["error"]["code"], time_log) == ("failed", "invalid_payload", None)
    assert not TimeLog.objects.exists(), "the clock-in the run made is undone with it"
    assert TimeLogOfflineSync.objects.get().result == answer


@pytest.mark.parametrize(("latitude", "longitude", "field"), [(91, 0, "latitude"), (47.6, "NaN", "longitude")])
def test_the_clock_in_service_refuses_a_location_off_the_earth_from_any_caller(shift, latitude, longitude, field):
    with pytest.raises(RuleViolation) as refused:
        timelogs.timelog_clock_in(
            dispatch_id=shift.dispatch.pk, by=shift.worker, latitude=latitude, longitude=longitude
        )
    assert refused.value.error is FulfillmentError.INVALID_LOCATION
    assert set(refused.value.fields) == {field}
    assert not TimeLog.objects.exists()


def test_the_clock_in_service_keeps_the_location_to_the_micro_degree(shift):
    time_log = timelogs.timelog_clock_in(
        dispatch_id=shift.dispatch.pk, by=shift.worker, latitude=47.63184449, longitude="-122.3857"
    )
    time_log.refresh_from_db()
    assert (time_log.latitude, time_log.longitude) == (Decimal("47.631844"), Decimal("-122.385700"))


def test_the_api_names_a_latitude_off_the_earth_and_stores_nothing(shift, api_as):
    body = {"dispatch": shift.dispatch.pk, "client_uuid": str(uuid.uuid4()),
            "device_time": at(MONDAY, 7).isoformat(), "lat": 95.0, "lng": -122.33}  # fmt: skip
    response = api_as(shift.worker).post("/api/v1/timelogs/clock-in/", body, format="json")
    assert response.status_code == 400, response.content
    assert set(response.json()["error"]["fields"]) == {"lat"}
    assert not TimeLogOfflineSync.objects.exists()
    assert not TimeLog.objects.exists()
