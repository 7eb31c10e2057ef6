"""Referral's message catalogue: what the hall texts a member about their place on the books
(decision 0045). Registered with the kernel's catalogue when the app is ready; `tell_member`
fills a text in and hands it to the outbox, in the caller's transaction (sent after commit)."""

import datetime

from django.conf import settings

from members import services as member_services
from unioncore.notifications import services as outbox
from unioncore.notifications.catalogue import MessageKind, register

HALL = "IBEW Local 46"

MESSAGES = {
    m.kind: m
    for m in [
        MessageKind(
            "re_sign_open", "Re-sign now",
            HALL + ": re-sign on {book} now, by the end of {last_day}, or you are rolled off the book. "
            "Re-sign in the portal: {link}",
        ),
        MessageKind(
            "re_sign_roll_off_soon", "3 days to re-sign",
            HALL + ": you have not re-signed on {book}. Re-sign by the end of {last_day} or you are rolled off "
            "on {roll_off_day}: {link}",
        ),
        MessageKind(
            "rolled_off", "Rolled off a book",
            HALL + ": you have been rolled off {book} (reason: {reason}). To be referred again, register at "
            "the hall.",
        ),
        MessageKind(
            "rolled_off_all_books", "Rolled off the books",
            HALL + ": you have been rolled off every book you were on ({books}). Reason: {reason}. To be "
            "referred again, register at the hall.",
        ),
        MessageKind(
            "check_mark", "A check mark",
            HALL + ": a check mark on {book}: {reason}. You have {marks} of the {allowed} allowed; the next one "
            "rolls you off the book.",
        ),
    ]
}  # fmt: skip


def register_messages() -> None:
    register("referral", MESSAGES.values())


def portal_link() -> str:
    return f"{settings.SITE_URL.rstrip('/')}/portal/me/"


def tell_member(member, kind: str, *, about_id: int | None = None, cycle: int = 0, **fields) -> list:
    """Write `kind`'s message to the member, filled with `fields`: by text, or by email when
    they have no phone or texted STOP. A member who never signed in gets a portal account for it
    (members' `member_portal_account`); one with no phone or email on record: nothing (the
    console's lists name them). One message per (about_id, kind, cycle)."""
    user = member_services.member_to_tell(member)
    if user is None:
        return []
    body = MESSAGES[kind].text.format(link=portal_link(), **fields)
    return outbox.notify(user=user, kind=kind, body=body, about_id=about_id, cycle=cycle)


def day(value: datetime.date) -> str:
    return f"{value:%a %b %-d}"
