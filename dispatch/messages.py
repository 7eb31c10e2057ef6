"""Dispatch's message catalogue: what the hall texts a member about offers, bids and the day of
a dispatch (decision 0045). Registered with the kernel's catalogue when the app is ready;
`tell_member` fills a text in and hands it to the outbox in the caller's transaction (sent
after commit). The member's roll-offs are Referral's messages (`referral/messages.py`)."""

from django.conf import settings
from django.utils import timezone

from dispatch import rules
from members import services as member_services
from unioncore.notifications import services as outbox
from unioncore.notifications.catalogue import MessageKind, register

HALL = "IBEW Local 46"

MESSAGES = {
    m.kind: m
    for m in [
        MessageKind(
            "offer", "A job offer",
            HALL + ": job offer — {employer}, {worksite}, starts {start}. Answer by {answer_by}: {link}",
        ),
        MessageKind(
            "bid_accepted", "Your bid was accepted",
            HALL + ": your bid was accepted — {employer}, {worksite}, starts {start}. Accept or decline the job "
            "by {answer_by}: {link}",
        ),
        MessageKind(
            "bid_not_accepted", "Your bid was not taken",
            HALL + ": your bid on request {request} ({employer}) was not taken: {reason}. You keep your place "
            "on the book.",
        ),
        MessageKind(
            "no_show_warning", f"Check in by {rules.CHECK_IN_WORDS}",
            HALL + ": you have not checked in with {employer} today. Check in by " + rules.CHECK_IN_WORDS
            + " or you are rolled off every book you are on.",
        ),
    ]
}  # fmt: skip


def register_messages() -> None:
    register("dispatch", MESSAGES.values())


def _link(path: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def _start(request) -> str:
    return f"{request.start_date:%a %b %-d} at {request.report_time:%-I:%M %p}"


def tell_member(member, kind: str, *, about_id: int, **fields) -> list:
    """Write `kind`'s message to the member: by text, or by email when they have no phone or
    texted STOP. A member who never signed in gets a portal account for it (members'
    `member_portal_account`); one with no phone or email on record: nothing. Once per
    (about_id, kind)."""
    user = member_services.member_to_tell(member)
    if user is None:
        return []
    return outbox.notify(user=user, kind=kind, body=MESSAGES[kind].text.format(**fields), about_id=about_id)


def tell_offer(dispatch) -> list:
    """The offer (or the accepted bid) with its answer-by time and the link to answer it."""
    request = dispatch.job_request
    answer_by = timezone.localtime(dispatch.offered_at + rules.OFFER_ANSWER_WITHIN)
    return tell_member(
        dispatch.member, "bid_accepted" if dispatch.bid_id else "offer", about_id=dispatch.pk,
        employer=dispatch.employer, worksite=request.worksite, start=_start(request),
        answer_by=f"{answer_by:%-I:%M %p}", link=_link(f"/portal/me/dispatches/{dispatch.pk}/"),
    )  # fmt: skip


def tell_bid_not_taken(bid, reason: str) -> list:
    request = bid.job_request
    return tell_member(bid.member, "bid_not_accepted", about_id=bid.pk, request=request.pk,
                       employer=request.employer, reason=reason)  # fmt: skip


def tell_no_show_warning(dispatch) -> list:
    return tell_member(dispatch.member, "no_show_warning", about_id=dispatch.pk, employer=dispatch.employer)
