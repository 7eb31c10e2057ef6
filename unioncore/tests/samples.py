"""The LaborPower sample files (fixtures/laborpower) and the admin page they are uploaded to, for
the import tests."""

from pathlib import Path

from django.urls import reverse

SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "laborpower"
UPLOAD = reverse("admin:unioncore_importjob_add")


def sample(kind: str) -> bytes:
    return (SAMPLES / f"{kind}.csv").read_bytes()
