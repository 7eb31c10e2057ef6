"""Project photos (seed: "a project photo may be attached"): sent by the phone with a clock-in or
an offline event, as base64 text (the API is JSON), checked to be a real image of a kind and size
the hall accepts, stored beside the time log. A photo never changes the time log: not its times,
not its status, not its `updated_at` (which the auto-approval sweep reads). Decision 0036."""

import base64
import binascii
import datetime
import hashlib
import io
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction

from fulfillment.errors import FulfillmentError
from fulfillment.models import ProjectPhoto, TimeLog
from unioncore.errors import CommonError, RuleViolation
from unioncore.models import User

__all__ = ["PHOTO_TYPES", "photo_reference", "read_photo", "timelog_photo_add"]

# Pillow's format name → the content type stored and served; what a phone camera writes.
PHOTO_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
MAX_PIXELS = 50_000_000  # a 50-megapixel frame: more is no phone photo (and a decompression bomb)


def read_photo(data) -> ContentFile:
    """The photo of a payload (base64 text, optionally a `data:image/…;base64,` URL) as a file
    ready to store, or a RuleViolation (`invalid_photo`, `photo_too_large`) naming `photo`."""
    if not isinstance(data, str) or not data:
        raise _invalid("The photo must be base64 text.")
    if data.startswith("data:"):
        data = data.partition(",")[2]
    limit = settings.TIMELOG_PHOTO_MAX_BYTES
    if len(data) > limit * 4 // 3 + 4:  # refused before decoding a huge text
        raise _too_large(limit)
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise _invalid("The photo is not valid base64.") from None
    if len(raw) > limit:
        raise _too_large(limit)
    kind = _image_kind(raw)
    photo = ContentFile(raw, name=f"{uuid.uuid4().hex}.{kind.lower().replace('jpeg', 'jpg')}")
    photo.content_type = PHOTO_TYPES[kind]
    return photo


def _image_kind(raw: bytes) -> str:
    """Pillow reads the header and checks the file (`verify`): a renamed PDF, a truncated upload
    or a pixel bomb is refused here, not stored."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(raw)) as image:
            kind, (width, height) = image.format, image.size
            if width * height > MAX_PIXELS:
                raise _invalid("The photo has too many pixels.")
            image.verify()
    except RuleViolation:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _invalid("The photo is not an image Pillow can read.") from None
    if kind not in PHOTO_TYPES:
        raise _invalid(f"A photo is a JPEG, PNG or WebP image, not {kind}.")
    return kind


def _invalid(message: str) -> RuleViolation:
    return RuleViolation(FulfillmentError.INVALID_PHOTO, message, fields={"photo": message})


def _too_large(limit: int) -> RuleViolation:
    message = f"The photo is larger than {limit // (1024 * 1024)} MB."
    return RuleViolation(FulfillmentError.PHOTO_TOO_LARGE, message, fields={"photo": message})


def photo_reference(payload):
    """A payload as the offline-sync row keeps it: the photo's bytes are stored as a file, so the
    row holds its fingerprint instead of megabytes of base64."""
    if not isinstance(payload, dict) or not isinstance(payload.get("photo"), str):
        return payload
    text = payload["photo"]
    return {**payload, "photo": {"sha256": hashlib.sha256(text.encode()).hexdigest(), "length": len(text)}}


@transaction.atomic
def timelog_photo_add(
    *, timelog_id: int, by: User, photo: ContentFile, taken_at: datetime.datetime, event: str
) -> ProjectPhoto:
    """Keep the worker's project photo beside their time log (the time log itself untouched)."""
    time_log = TimeLog.objects.filter(pk=timelog_id).only("worker_id").first()
    if time_log is None:
        raise RuleViolation(CommonError.NOT_FOUND, "No such time log.")
    if time_log.worker_id != by.pk:
        raise RuleViolation(CommonError.NOT_ALLOWED, "Only the worker of this time log adds its photos.")
    row = ProjectPhoto(
        time_log_id=timelog_id, content_type=photo.content_type, size=photo.size, taken_at=taken_at,
        event=event[:24], uploaded_by=by,
    )  # fmt: skip
    row.image.save(photo.name, photo, save=False)
    row._history_user = by
    row.save()
    return row
