"""SMS backends. One interface: `send(to, body) -> provider message id`, raising
`SmsDeliveryError` when the message cannot be delivered (the caller falls back to email).

`settings.SMS_BACKEND` names the class: the console backend in development, the in-memory one
in tests, `TwilioSmsBackend` in production."""

import base64
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsDeliveryError(Exception):
    """The provider refused or could not take the message."""


class SmsBackend:
    def send(self, to: str, body: str) -> str:
        """Send `body` to `to` (E.164); return the provider's message id."""
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    """Development: the message goes to the log."""

    def send(self, to: str, body: str) -> str:
        message_id = f"console-{uuid.uuid4().hex[:12]}"
        logger.info("SMS to %s (%s): %s", to, message_id, body)
        return message_id


@dataclass(frozen=True)
class SentSms:
    to: str
    body: str
    message_id: str


# The in-memory backend's state, for tests: what was sent, and the switches that make it fail.
outbox: list[SentSms] = []
failing = {"all": False, "numbers": set()}


def reset() -> None:
    """Empty the in-memory outbox and turn failures off (a test fixture calls it)."""
    outbox.clear()
    failing["all"] = False
    failing["numbers"] = set()


class InMemorySmsBackend(SmsBackend):
    """Tests: messages land in `unioncore.notifications.sms.outbox`. Set `failing["all"] = True`, or put a
    number in `failing["numbers"]`, to make sends raise `SmsDeliveryError`."""

    def send(self, to: str, body: str) -> str:
        if failing["all"] or to in failing["numbers"]:
            raise SmsDeliveryError(f"Undeliverable to {to} (test switch)")
        message_id = f"mem-{len(outbox) + 1}"
        outbox.append(SentSms(to=to, body=body, message_id=message_id))
        return message_id


class TwilioSmsBackend(SmsBackend):
    """Twilio's Messages API over plain HTTPS (no SDK). Settings: TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN, and TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID.

    Only the provider's answer to the request counts here: a later carrier failure (Twilio's
    "undelivered" status callback) is not tracked."""

    API = "https://api.twilio.com/2010-04-01/Accounts/{sid}/Messages.json"

    def __init__(self, *, account_sid=None, auth_token=None, from_number=None, messaging_service_sid=None, timeout=10):
        self.account_sid = account_sid or getattr(settings, "TWILIO_ACCOUNT_SID", "")
        self.auth_token = auth_token or getattr(settings, "TWILIO_AUTH_TOKEN", "")
        self.from_number = from_number or getattr(settings, "TWILIO_FROM_NUMBER", "")
        self.messaging_service_sid = messaging_service_sid or getattr(settings, "TWILIO_MESSAGING_SERVICE_SID", "")
        self.timeout = timeout
        if not (self.account_sid and self.auth_token):
            raise ImproperlyConfigured("TwilioSmsBackend needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN.")
        if not (self.from_number or self.messaging_service_sid):
            raise ImproperlyConfigured("TwilioSmsBackend needs TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID.")

    def request(self, to: str, body: str) -> urllib.request.Request:
        fields = {"To": to, "Body": body}
        if self.messaging_service_sid:
            fields["MessagingServiceSid"] = self.messaging_service_sid
        else:
            fields["From"] = self.from_number
        credentials = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return urllib.request.Request(
            self.API.format(sid=urllib.parse.quote(self.account_sid, safe="")),
            data=urllib.parse.urlencode(fields).encode(),
            method="POST",
            headers={
                "Authorization": f"Basic {credentials}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
        )

    def send(self, to: str, body: str) -> str:
        try:
            with urllib.request.urlopen(self.request(to, body), timeout=self.timeout) as response:
                payload = json.load(response)
        except urllib.error.HTTPError as error:
            detail = _twilio_error(error)
            raise SmsDeliveryError(f"Twilio refused the message ({error.code}): {detail}") from error
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as error:
            raise SmsDeliveryError(f"Twilio could not be reached: {error}") from error
        if payload.get("status") == "failed" or payload.get("error_code"):
            raise SmsDeliveryError(
                f"Twilio failed the message: {payload.get('error_code')} {payload.get('error_message')}"
            )
        return payload["sid"]


def _twilio_error(error: urllib.error.HTTPError) -> str:
    try:
        payload = json.loads(error.read() or b"{}")
    except (ValueError, OSError):
        return error.reason or ""
    return f"{payload.get('code', '')} {payload.get('message', '')}".strip()


def get_backend() -> SmsBackend:
    """The backend named by `settings.SMS_BACKEND` (a dotted path)."""
    return import_string(getattr(settings, "SMS_BACKEND", "unioncore.notifications.sms.ConsoleSmsBackend"))()


def twilio_signature(auth_token: str, url: str, params) -> str:
    """Twilio's `X-Twilio-Signature` of a form-encoded webhook (its documented algorithm, as its
    SDKs' RequestValidator computes it, without the SDK): the full URL Twilio called, then each
    POST parameter's name and value, by name (a repeated name's values sorted, once each),
    HMAC-SHA1 keyed by the account's auth token, base64."""
    signed = url
    for name in sorted(set(params.keys())):
        values = params.getlist(name) if hasattr(params, "getlist") else [params[name]]
        signed += "".join(name + value for value in sorted(set(values)))
    return base64.b64encode(hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1).digest()).decode()


def twilio_request_is_signed(request, auth_token: str) -> bool:
    """The request carries Twilio's signature of itself (compared in constant time)."""
    given = request.headers.get("X-Twilio-Signature", "")
    expected = twilio_signature(auth_token, request.build_absolute_uri(), request.POST)
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())
