"""What may be done to a time log now, and by whom: the rules the services enforce, as plain
data and pure functions, so that the phone API lists a time log's `actions` from the very rule
that would refuse them (issue 21, decision 0042)."""

import datetime
from dataclasses import dataclass, field

from fulfillment.enums import DISPUTABLE, ON_SHIFT, OPEN_STATUSES, SUPERVISOR_WAITS, TimeLogStatus

S = TimeLogStatus

WORKER = "worker"  # the time log's own worker
SUPERVISOR = "supervisor"  # a supervisor, manager or admin of the employer, or the lending admin
EMPLOYER = "employer"  # any user of the employer, or union staff
STAFF = "staff"  # union staff with the console's change permission

# The clock-in ladder (seed), from the clock-in: the borrowing admin is told at T+15m, the
# lending admin at T+25m.
CLOCK_IN_TO_BORROWING_ADMIN = datetime.timedelta(minutes=15)
CLOCK_IN_TO_LENDING_ADMIN = datetime.timedelta(minutes=25)
# The site may send a worker off (eject) while the ladder runs: after its last step the
# attendance stands by tacit approval.
EJECT_WINDOW = CLOCK_IN_TO_LENDING_ADMIN

# The crew page lists the time logs auto-approved this long ago or less: the site contact's text
# for a crew (decision 0064) links there, and one written at night waits out the quiet hours.
AUTO_APPROVALS_LISTED_FOR = datetime.timedelta(hours=24)


@dataclass(frozen=True)
class Rule:
    party: str
    statuses: tuple[str, ...] | None  # None: any status
    verb: str  # "Cannot {verb} a time log that is …"
    settled_first: bool = False  # refused while an offline clock-out waits for a choice (decision 0035)


STOP_WORK = Rule(WORKER, ON_SHIFT, "stop work on")
SUBMIT = Rule(WORKER, (S.DRAFT,), "submit")
FORCE_CLOCK_OUT = Rule(SUPERVISOR, OPEN_STATUSES, "clock out")
# The kiosk's "Stop Shift": a running shift or a draft, as a forced clock-out.
STOP_SHIFT = Rule(SUPERVISOR, FORCE_CLOCK_OUT.statuses, "stop the shift of")
RESOLVE = Rule(STAFF, (S.DISPUTED,), "resolve")

# Action → its rule. The names are the API's (`actions` of a time log): an event type the worker
# records (`events/`), or the endpoint that does it.
TIMELOG_RULES: dict[str, Rule] = {
    "break_start": Rule(WORKER, (S.WORKING,), "start break on"),
    "break_end": Rule(WORKER, (S.BREAK,), "end break on"),
    "lunch_start": Rule(WORKER, (S.WORKING,), "start lunch on"),
    "lunch_end": Rule(WORKER, (S.LUNCH,), "end lunch on"),
    "travel_start": Rule(WORKER, (S.WORKING,), "start travel time on"),
    "travel_end": Rule(WORKER, (S.TRAVEL_TIME,), "end travel time on"),
    # Stops work (on shift) and submits; a draft is submitted as it stands.
    "clock_out": Rule(WORKER, (*STOP_WORK.statuses, *SUBMIT.statuses), "clock out of"),
    "edit_draft": Rule(WORKER, (S.DRAFT,), "edit"),
    "submit": SUBMIT,
    "accept": Rule(WORKER, (S.PENDING_WORKER_REVIEW,), "accept an edit on"),
    "reject": Rule(WORKER, (S.PENDING_WORKER_REVIEW,), "reject an edit on"),
    "verify": Rule(SUPERVISOR, SUPERVISOR_WAITS, "approve", settled_first=True),
    "edit": Rule(SUPERVISOR, (S.PENDING_VERIFICATION, S.PENDING_SUPERVISOR_REEVALUATION), "edit", settled_first=True),
    "dispute": Rule(SUPERVISOR, DISPUTABLE, "dispute"),
    "eject": Rule(SUPERVISOR, ON_SHIFT, "eject the worker of"),
    "force_clock_out": FORCE_CLOCK_OUT,
    "acknowledge": Rule(EMPLOYER, None, "acknowledge"),
}
TIMELOG_ACTIONS = tuple(TIMELOG_RULES)

# A time log's FSM transitions (fulfillment.models.TimeLog) → the rules the services check before
# calling them: the transition's `source=` is read here, so the service's check and the guard are
# one list. `verify` is not here: it ends every path (the supervisor, the worker's acceptance, the
# kiosk, the sweep), its source is theirs together; a test holds each of them within it.
TRANSITION_RULES: dict[str, tuple[Rule, ...]] = {
    "start_break": (TIMELOG_RULES["break_start"],),
    "start_lunch": (TIMELOG_RULES["lunch_start"],),
    "start_travel": (TIMELOG_RULES["travel_start"],),
    "back_to_work": (TIMELOG_RULES["break_end"], TIMELOG_RULES["lunch_end"], TIMELOG_RULES["travel_end"]),
    "stop_work": (STOP_WORK,),
    "submit": (SUBMIT,),
    "force_clock_out": (FORCE_CLOCK_OUT, STOP_SHIFT),
    "request_worker_review": (TIMELOG_RULES["edit"],),
    "reject_edit": (TIMELOG_RULES["reject"],),
    "dispute": (TIMELOG_RULES["dispute"],),
    "resolve": (RESOLVE,),
}


def source(transition: str) -> list[str]:
    """The `source=` of a time log's transition: the statuses its rules allow, each once."""
    return list(dict.fromkeys(status for rule in TRANSITION_RULES[transition] for status in rule.statuses))


@dataclass(frozen=True)
class Actor:
    """What the rules read of the acting user: who they are and for which employers they act."""

    user_id: int
    staff: bool = False
    lending_admin: bool = False  # union staff acting as the lending admin: verifies for every employer
    verifies_for: frozenset[int] = field(default_factory=frozenset)  # supervisor, manager or admin there
    works_for: frozenset[int] = field(default_factory=frozenset)  # any role

    def may_verify(self, employer_id: int) -> bool:
        """Seed: role-based — any supervisor, manager or admin of the dispatch's employer; and
        union staff acting as the lending admin."""
        return self.lending_admin or employer_id in self.verifies_for

    def may_acknowledge(self, employer_id: int) -> bool:
        return self.staff or employer_id in self.works_for

    def is_party(self, party: str, *, worker_id: int, employer_id: int) -> bool:
        if party == WORKER:
            return self.user_id == worker_id
        if party == SUPERVISOR:
            return self.may_verify(employer_id)
        return self.may_acknowledge(employer_id)


def in_status(action: str, status: str) -> bool:
    statuses = TIMELOG_RULES[action].statuses
    return statuses is None or status in statuses


def eject_window_open(*, clocked_in: datetime.datetime, now: datetime.datetime) -> bool:
    """The window runs from the server's record of the clock-in (not the phone's time)."""
    return now <= clocked_in + EJECT_WINDOW


def timelog_actions(
    *,
    actor: Actor,
    status: str,
    worker_id: int,
    employer_id: int,
    conflict_open: bool,
    created_at: datetime.datetime,
    now: datetime.datetime,
) -> list[str]:
    """The actions `actor` may take on a time log now, in TIMELOG_RULES' order: each one the
    service would not refuse for its party, status, an open offline conflict or the eject window."""
    allowed = []
    for action, rule in TIMELOG_RULES.items():
        if not actor.is_party(rule.party, worker_id=worker_id, employer_id=employer_id):
            continue
        if not in_status(action, status) or (rule.settled_first and conflict_open):
            continue
        if action == "eject" and not eject_window_open(clocked_in=created_at, now=now):
            continue
        allowed.append(action)
    return allowed


def actor_of(user) -> Actor:
    """The acting user's facts the rules read, in one query (the one read of this module), or none
    when the user came with their employer link (a user has at most one)."""
    from dispatch.enums import EmployerRole
    from dispatch.models import EmployerUser

    # `__class__`, not type(): a request's user is a lazy object, which answers its user's class.
    if user.__class__.employer_user.is_cached(user):  # read with the user (the API's token): no query
        link = getattr(user, "employer_user", None)  # None: cached as absent
        roles = [(link.employer_id, link.role)] if link is not None else []
    else:
        roles = list(EmployerUser.objects.filter(user_id=user.pk).values_list("employer_id", "role"))
    verifying = (EmployerRole.SUPERVISOR, EmployerRole.MANAGER, EmployerRole.ADMIN)
    return Actor(
        user_id=user.pk,
        staff=user.is_staff,
        lending_admin=user.is_staff and user.has_perm("fulfillment.act_as_lending_admin"),
        verifies_for=frozenset(employer for employer, role in roles if role in verifying),
        works_for=frozenset(employer for employer, _ in roles),
    )
