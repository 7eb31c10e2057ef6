"""The message catalogue: every kind of message the apps send, with its subject, its text
template and whether it is critical. Each app registers its own kinds when it is ready
(`register`), so the texts stay with the app that writes them and the kernel can still list
them all (the console's message page) and ask the owning app whether a message is still due."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class MessageKind:
    """One kind of message. `critical`: sent even to a member who texted STOP, and at once in
    quiet hours (sign-in links, recalls, the verification ladders that run on a 4-hour timer)."""

    kind: str
    subject: str  # the email's subject, as written
    text: str = ""  # the template, as staff read it ({fields} filled in by the sending app)
    critical: bool = False
    app: str = ""


_kinds: dict[str, MessageKind] = {}
# kind -> the owning app's check "why is this message no longer worth sending" ("" = send it).
_cancel_checks: dict[str, Callable] = {}


def register(app: str, kinds: Iterable[MessageKind], *, cancel_reason: Callable | None = None) -> None:
    """Add `app`'s kinds (again on a reload: the same kind from the same app replaces itself)."""
    for message in kinds:
        known = _kinds.get(message.kind)
        if known is not None and known.app != app:
            raise ValueError(f"Message kind {message.kind!r} is already {known.app}'s")
        _kinds[message.kind] = MessageKind(message.kind, message.subject, message.text, message.critical, app)
        if cancel_reason is not None:
            _cancel_checks[message.kind] = cancel_reason


def kind(name: str) -> MessageKind | None:
    return _kinds.get(name)


def kinds() -> list[MessageKind]:
    """Every registered kind, by app then kind."""
    return sorted(_kinds.values(), key=lambda message: (message.app, message.kind))


def is_critical(name: str) -> bool:
    message = _kinds.get(name)
    return message is not None and message.critical


def subject(name: str) -> str:
    message = _kinds.get(name)
    return message.subject if message else f"UnionCore: {name.replace('_', ' ')}"


def cancel_reason(notification) -> str:
    """Why `notification` is no longer worth sending, as the app that owns its kind sees it."""
    check = _cancel_checks.get(notification.kind)
    return check(notification) if check is not None else ""
