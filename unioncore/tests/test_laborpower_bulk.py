"""The imports write in bulk: as many queries for a long file as for a short one, and the
member-visible registration activity (sign-up, re-sign, check marks, exemption) comes across
with the rows."""

from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from bench import laborpower_import as bench
from referral.enums import RegistrationAction as A
from referral.models import BookRegistration
from unioncore import imports
from unioncore.imports import CHANGE_REASON

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "laborpower"


def sample(kind: str) -> bytes:
    return (SAMPLES / f"{kind}.csv").read_bytes()


def queries_per_kind(size: int, by) -> dict[str, int]:
    """Queries of each kind's import of the generated cut-over set, in a savepoint undone after."""
    files = bench.make_files(size)
    counts = {}
    with transaction.atomic():
        for kind in bench.KINDS:
            with CaptureQueriesContext(connection) as queries:
                report = imports.run(kind, files[kind], by=by)
            assert report.ok, (kind, report.errors[:3])
            counts[kind] = len(queries)
        transaction.set_rollback(True)
    return counts


@pytest.mark.postgresql_only(reason="counts the statements of the COPY path")
def test_a_file_four_times_as_long_takes_as_many_queries(system_user):
    short, long = queries_per_kind(200, system_user), queries_per_kind(800, system_user)
    assert short == long, f"{short} for 200 dispatches, {long} for 800"


@pytest.fixture
def registered(system_user, dispatcher):
    assert imports.run("members", sample("members"), by=system_user).ok
    assert imports.run("registrations", sample("registrations"), by=dispatcher).ok


def actions(card: str, book: str = "WIRE_SEA_1") -> list[str]:
    registration = BookRegistration.objects.get(member__card_number=card, book__code=book)
    return sorted(registration.activities.values_list("action", flat=True))


def test_imported_registrations_carry_their_activity(registered, dispatcher):
    assert actions("0012345") == [A.REGISTER]
    assert actions("0012348") == sorted([A.REGISTER, A.RE_SIGN]), "re-signed 03/01/2025"
    assert actions("0012352") == sorted([A.REGISTER, A.CHECK_MARK, A.CHECK_MARK])
    assert actions("0012349") == sorted([A.REGISTER, A.EXEMPT_ON])
    registration = BookRegistration.objects.get(member__card_number="0012346", book__code="WIRE_SEA_1")
    signed_up = registration.activities.get(action=A.REGISTER)
    assert (signed_up.actor, signed_up.reason, signed_up.at) == (dispatcher, CHANGE_REASON, registration.registered_at)
    assert signed_up.apn == registration.apn


def test_changed_check_marks_and_exemption_add_activity(registered, system_user):
    changed = (
        sample("registrations")
        .replace(b"45810.02,06/04/2025 08:31,,1,", b"45810.02,06/04/2025 08:31,,2,")
        .replace(b"46001.01,2025-11-12,,2,", b"46001.01,2025-11-12,,0,")
        .replace(b"45810.1,06/04/2025 09:02,,0,Y,military,12/31/2025", b"45810.1,06/04/2025 09:02,,0,N,,")
        .replace(b"45809.99,06/03/2025,,0,N,,", b"45809.99,06/03/2025,,0,Y,jury_duty,01/31/2026")
    )
    report = imports.run("registrations", changed, by=system_user)
    assert report.updated == 4, report.errors
    assert actions("0012346").count(A.CHECK_MARK) == 2  # one imported, one added now
    assert actions("0012352").count(A.CHECK_MARK_RESTORED) == 2
    assert A.EXEMPT_OFF in actions("0012349")
    assert A.EXEMPT_ON in actions("0012345")
    assert BookRegistration.objects.get(member__card_number="0012345", book__code="WIRE_SEA_1").exempt_reason == (
        "jury_duty"
    )
