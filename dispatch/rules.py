"""Dispatch's fixed rules, each written once (issue 23, item 3; decision 0047): constants, and
pure rule functions. What may be done to a dispatch now, and by whom, as plain data, so that the
phone API lists a dispatch's `actions` from the very rule that would refuse them (issue 21,
decision 0042). What a hall may change is data: `dispatch.models.HallSettings` (the request
cut-off, the bid window, the short-call numbers, the by-name bar) and the books' own fields
(`referral.models.ReferralBook`)."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Q

from dispatch.enums import DispatchStatus, RequestCategory
from referral.enums import BookType

DS = DispatchStatus

# The 2024 procedure, rule 7: the member checks in with the employer by 3 PM of the dispatch
# day, or comes off the books (the beat's roll-off runs then: a test holds CELERY_BEAT_SCHEDULE to it).
CHECK_IN_BY = datetime.time(15, 0)


def clock_words(at: datetime.time) -> str:
    """A time of day as the hall writes it: 3 PM, 7:30 AM."""
    return f"{at:%-I %p}" if at.minute == 0 else f"{at:%-I:%M %p}"


CHECK_IN_WORDS = clock_words(CHECK_IN_BY)  # what the pages and messages say: the rule's own value
# Rule 9: a job reporting before 6 AM costs no check mark.
EARLY_START = datetime.time(6, 0)
# An offer is answered within the hour (the dispatcher records "No answer" after that); the
# answer-by time in the member's message is the offer's time plus this.
OFFER_ANSWER_WITHIN = datetime.timedelta(hours=1)


def book_classification_of(*, category: str, classification: str) -> str:
    """The books a request draws from: its trade's, but a TERO request always the TERO book."""
    return BookType.TERO_APPRENTICE_WIRE if category == RequestCategory.TERO else classification


def requests_drawing_from(*, classification: str, region: str) -> Q:
    """The requests drawing from a book of `classification` in `region` (the reverse of
    `book_classification_of`): the TERO book's are the TERO requests, of any trade."""
    if classification == BookType.TERO_APPRENTICE_WIRE:
        return Q(category=RequestCategory.TERO, region=region)
    return Q(book_classification=classification, region=region) & ~Q(category=RequestCategory.TERO)


MEMBER = "member"  # the dispatched member
EMPLOYER = "employer"  # a user of the dispatch's employer, or a dispatcher


@dataclass(frozen=True)
class Rule:
    party: str
    statuses: tuple[str, ...]


DISPATCH_RULES: dict[str, Rule] = {
    "accept": Rule(MEMBER, (DS.PENDING,)),
    "decline": Rule(MEMBER, (DS.PENDING,)),
    # Until the 3 PM roll-off: a member rolled off for not checking in cannot be checked in.
    "check_in": Rule(EMPLOYER, (DS.ACCEPTED,)),
}
DISPATCH_ACTIONS = tuple(DISPATCH_RULES)


@dataclass(frozen=True)
class Actor:
    """What the rules read of the acting user."""

    user_id: int
    dispatcher: bool = False  # union staff who may change dispatches (the console)
    works_for: frozenset[int] = field(default_factory=frozenset)  # employer ids, any role

    def may_check_in(self, employer_id: int) -> bool:
        """A dispatcher, or any user of the dispatch's employer (its supervisors)."""
        return self.dispatcher or employer_id in self.works_for


def in_status(action: str, status: str) -> bool:
    return status in DISPATCH_RULES[action].statuses


def dispatch_actions(
    *, actor: Actor, status: str, member_user_id: int | None, employer_id: int, no_show: bool
) -> list[str]:
    """The actions `actor` may take on a dispatch now, in DISPATCH_RULES' order."""
    allowed = []
    for action, rule in DISPATCH_RULES.items():
        party = actor.user_id == member_user_id if rule.party == MEMBER else actor.may_check_in(employer_id)
        if party and in_status(action, status) and not (action == "check_in" and no_show):
            allowed.append(action)
    return allowed


def actor_of(user) -> Actor:
    """The acting user's facts the rules read, in one query (the one read of this module)."""
    from dispatch.models import EmployerUser

    return Actor(
        user_id=user.pk,
        dispatcher=user.is_staff and user.has_perm("dispatch.change_dispatch"),
        works_for=frozenset(EmployerUser.objects.filter(user_id=user.pk).values_list("employer_id", flat=True)),
    )
