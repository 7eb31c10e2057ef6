"""What a member's portal shows of their books."""

from dataclasses import dataclass

from django.utils import timezone

from referral import selectors
from referral.enums import RegistrationStatus
from referral.models import BookRegistration, RegistrationActivity
from referral.services import re_sign_window


@dataclass
class BookLine:
    registration: BookRegistration
    re_sign_opens: object = None
    re_sign_closes: object = None  # the roll-off day (no longer accepted)
    can_re_sign: bool = False

    @property
    def due_now(self) -> bool:
        """The member must act on it: re-sign now, or re-register after a short call."""
        registration = self.registration
        return self.can_re_sign or bool(
            registration.status == RegistrationStatus.SHORT_CALL and registration.re_register_by
        )

    @property
    def last_re_sign_day(self):
        import datetime

        return self.re_sign_closes - datetime.timedelta(days=1) if self.re_sign_closes else None


def book_line(registration: BookRegistration) -> BookLine:
    line = BookLine(registration)
    if registration.status == RegistrationStatus.REGISTERED and registration.re_sign_due:
        line.re_sign_opens, line.re_sign_closes = re_sign_window(registration)
        line.can_re_sign = line.re_sign_opens <= timezone.localdate() < line.re_sign_closes
    return line


def member_books(*, member_id: int) -> list[BookLine]:
    """My registrations still on a book, with my place and my re-sign window."""
    return [book_line(r) for r in selectors.member_registrations(member_id=member_id)]


@dataclass
class HomeBooks:
    """My books as my home shows them: those I must act on now (re-sign, re-register) first."""

    due: list[BookLine]
    rest: list[BookLine]


def member_home_books(*, member_id: int) -> HomeBooks:
    lines = member_books(member_id=member_id)
    return HomeBooks(due=[line for line in lines if line.due_now], rest=[line for line in lines if not line.due_now])


def member_book(*, member_id: int, registration_id: int) -> BookLine | None:
    registration = selectors.member_registrations(member_id=member_id).filter(pk=registration_id).first()
    return book_line(registration) if registration is not None else None


def member_activity(*, member_id: int):
    """What happened on my registrations, newest first (the member-visible history)."""
    return (
        RegistrationActivity.objects.filter(registration__member_id=member_id)
        .select_related("registration__book")
        .order_by("-at", "-id")
    )
