"""Audit (issue #11): every transition of every state machine, taken through the services, leaves
a history row of its row in the new state naming the person (or the system) who acted.

The transitions are enumerated by django-fsm's introspection (every FSMField of every model:
registrations, held registrations, job requests, dispatches, bids, time logs), so a transition
added later without a path here fails this test. One scenario takes each of them the way the hall
does — bids and referral, held registrations, offers, acceptance, the end of jobs, short calls,
the book, the shift, the negotiation loop, a force clock-out, disputes, a manual entry, the sweep
— while django-fsm's post_transition signal records every transition taken; then each recorded
transition must have its history row.
UPDATE/DELETE on history tables rejected by PostgreSQL: unioncore/tests/test_audit.py.
"""

import datetime

import pytest
import time_machine
from django.apps import apps
from django_fsm import FSMField
from django_fsm.signals import post_transition

from dispatch import services as dispatch_services
from dispatch.enums import EndReason
from dispatch.models import Dispatch
from dispatch.tests.factories import EmployerFactory
from fulfillment.services import timelogs as fulfillment_services
from fulfillment.tests.factories import ReachableStaffFactory, SiteUserFactory, WorkerFactory, on_the_job
from referral import services as referral_services
from unioncore.audit import system_user
from unioncore.testing import at
from unioncore.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

FRIDAY = datetime.date(2026, 12, 4)  # a request taken Friday 10:00 is referred Monday 8:30
SUNDAY = datetime.date(2026, 12, 6)
MONDAY = datetime.date(2026, 12, 7)
TUESDAY = MONDAY + datetime.timedelta(days=1)
H = datetime.timedelta(hours=1)
M = datetime.timedelta(minutes=1)

# Transitions that no service takes (so no person can, and no history row can show one): none.
# (JobRequest.reopen was one; nothing in the seeds reopens a filled request, so it was removed.)
NO_PATH: dict[str, str] = {}


def all_transitions() -> set[str]:
    found = set()
    for model in apps.get_models():
        if model.__name__.startswith("Historical"):
            continue
        for field in model._meta.get_fields():
            if isinstance(field, FSMField):
                found |= {f"{model._meta.label}.{t.name}" for t in field.get_all_transitions(model)}
    return found


@pytest.fixture
def taken():
    """Every transition taken while the test runs: (label, instance, target state)."""
    seen = []

    def record(sender, instance, name, source, target, **kwargs):
        seen.append((f"{sender._meta.label}.{name}", instance, target))

    post_transition.connect(record, weak=False, dispatch_uid="reliability-audit")
    yield seen
    post_transition.disconnect(dispatch_uid="reliability-audit")


def request_for(employer, dispatcher, **overrides):
    fields = {
        "employer_id": employer.pk, "book_classification": "inside_wireperson", "region": "seattle",
        "workers_wanted": 1, "start_date": TUESDAY, "report_time": datetime.time(7), "worksite": "Pier 91",
        "wage_rate": "58.50", "taken_at": at(FRIDAY, 10),
    }  # fmt: skip
    return dispatch_services.job_request_create(by=dispatcher, **{**fields, **overrides})


def bids_and_referral(book, register, dispatcher, employer):
    """Three bidders: one withdraws, one is taken (bid accepted), one is not (bid expires); the one
    taken rejects the job (dispatch declined, bid declined, a quit: off the book)."""
    with time_machine.travel(at(FRIDAY, 10), tick=False):
        request = request_for(employer, dispatcher)
    winner, loser, quitter = (register(book, apn=f"46000.0{n}") for n in (1, 2, 3))
    with time_machine.travel(at(SUNDAY, 20), tick=False):
        for registration in (winner, loser, quitter):
            dispatch_services.bid_place(job_request_id=request.pk, member_id=registration.member_id, by=dispatcher)
        dispatch_services.bid_withdraw(job_request_id=request.pk, member_id=quitter.member_id, by=dispatcher)
    with time_machine.travel(at(MONDAY, 8).replace(minute=30), tick=False):
        dispatch_services.bids_take(job_request_id=request.pk, by=dispatcher)
    with time_machine.travel(at(MONDAY, 9), tick=False):
        offer = Dispatch.objects.get(job_request=request, member_id=winner.member_id)
        dispatch_services.dispatch_decline(dispatch_id=offer.pk, by=dispatcher)


def jobs_and_the_book(book, register, dispatcher, employer):
    """Offers accepted (the request filled), a layoff inside the short-call period (the APN
    held), the member back on the book; a quit (off every book); a short call; a resignation, a
    removal; a request cancelled, another expired; an employer's order accepted."""
    with time_machine.travel(at(MONDAY, 9), tick=False):
        laid_off, quitting, short, resigning, removed = (register(book) for _ in range(5))
        for registration, end in ((laid_off, EndReason.LAID_OFF), (quitting, EndReason.QUIT)):
            request = request_for(employer, dispatcher)
            offer = dispatch_services.dispatch_offer(  # the member named, whoever is ahead: an officer's
                job_request_id=request.pk,
                registration_id=registration.pk,
                by=StaffFactory(groups=["officer"]),
                override_reason="Named for the audit",
            )
            dispatch_services.dispatch_accept(dispatch_id=offer.pk, by=dispatcher)
            dispatch_services.dispatch_end(
                dispatch_id=offer.pk, by=dispatcher, end_reason=end, end_date=TUESDAY + datetime.timedelta(days=1)
            )
        referral_services.registration_return_to_book(registration_id=laid_off.pk, by=dispatcher)
        referral_services.registration_dispatch(registration_id=short.pk, by=dispatcher, short_call=True)
        referral_services.registration_resign(registration_id=resigning.pk, by=dispatcher, reason="Moved away")
        referral_services.registration_remove(registration_id=removed.pk, by=dispatcher, reason="Registered twice")
        dispatch_services.job_request_cancel(
            job_request_id=request_for(employer, dispatcher).pk, by=dispatcher, reason="Job called off"
        )
        request_for(employer, dispatcher)
        # An employer's order from the portal, accepted by the dispatcher (decision 0044).
        order = dispatch_services.job_order_submit(
            by=employer.users.first().user, book_classification="inside_wireperson", region="seattle",
            workers_wanted=1, start_date=TUESDAY + datetime.timedelta(days=1), report_time=datetime.time(7),
            worksite="Pier 91",  # sent Monday: referred Tuesday 8:30, so a start Wednesday (rule L2c)
        )  # fmt: skip
        dispatch_services.job_order_accept(job_request_id=order.pk, by=dispatcher)
    with time_machine.travel(at(TUESDAY + datetime.timedelta(days=1), 0), tick=False):
        assert dispatch_services.job_requests_expire(today=TUESDAY + datetime.timedelta(days=1), by=system_user()) >= 1


def held_registrations(book, dispatcher):
    """Two registrations received Monday 8:05, held for the morning referral: one is put on the
    book when it is complete, the other refused (the member was signed on meanwhile)."""
    from members.tests.factories import MemberFactory

    members = MemberFactory.create_batch(2)
    with time_machine.travel(at(MONDAY, 8) + 5 * M, tick=False):
        for member in members:
            referral_services.registration_receive(member_id=member.pk, book_id=book.pk, by=dispatcher)
    with time_machine.travel(at(MONDAY, 8) + 40 * M, tick=False):
        referral_services.registration_register(member_id=members[1].pk, book_id=book.pk, by=dispatcher)
        referral_services.morning_referral_complete(by=dispatcher)


def shifts(dispatcher):
    """On the job from Monday: a shift with a break, lunch and travel, submitted, edited by the
    supervisor, rejected by the worker, verified; a force clock-out, disputed and resolved; a
    manual entry; a shift auto-approved by the sweep then disputed by its deadline."""
    day = MONDAY
    employer = EmployerFactory()
    supervisor = SiteUserFactory(employer=employer).user
    officer = StaffFactory(groups=["officer"])
    worker = WorkerFactory()
    with time_machine.travel(at(day, 6), tick=False) as clock:
        dispatch = on_the_job(worker=worker, employer=employer, by=ReachableStaffFactory(), day=day)
        me, fs = worker.user, fulfillment_services

        clock.move_to(at(day, 7))
        log = fs.timelog_clock_in(dispatch_id=dispatch.pk, by=me)
        for n, kind in enumerate(("break", "lunch", "travel")):
            fs.timelog_segment_start(timelog_id=log.pk, by=me, kind=kind, at=at(day, 9 + n))
            fs.timelog_segment_end(timelog_id=log.pk, by=me, kind=kind, at=at(day, 9 + n) + 10 * M)
        fs.timelog_stop_work(timelog_id=log.pk, by=me, at=at(day, 15))
        clock.move_to(at(day, 15) + 5 * M)
        fs.timelog_submit(timelog_id=log.pk, by=me)
        fs.timelog_edit(timelog_id=log.pk, by=supervisor, clock_in=at(day, 7), clock_out=at(day, 14), note="Left at 2")
        fs.timelog_reject_edit(timelog_id=log.pk, by=me, comment="I stayed till 3")
        fs.timelog_verify(timelog_id=log.pk, by=supervisor)

        day += datetime.timedelta(days=1)
        clock.move_to(at(day, 7))
        log = fs.timelog_clock_in(dispatch_id=dispatch.pk, by=me)
        clock.move_to(at(day, 16))
        fs.timelog_force_clock_out(timelog_id=log.pk, by=supervisor, at=at(day, 15), reason="Forgot to clock out")
        fs.timelog_dispute(timelog_id=log.pk, by=supervisor, reason="Not on site after noon")
        fs.timelog_resolve_dispute(timelog_id=log.pk, by=officer, clock_in=at(day, 7), clock_out=at(day, 12),
                                   note="Gate log: left at noon")  # fmt: skip

        day += datetime.timedelta(days=1)
        clock.move_to(at(day, 18))
        fs.timelog_retroactive_submit(dispatch_id=dispatch.pk, by=me, clock_in=at(day, 7), clock_out=at(day, 15),
                                      note="Phone died")  # fmt: skip

        day += datetime.timedelta(days=1)
        clock.move_to(at(day, 7))
        log = fs.timelog_clock_in(dispatch_id=dispatch.pk, by=me)
        fs.timelog_stop_work(timelog_id=log.pk, by=me, at=at(day, 15))
        clock.move_to(at(day, 15) + 5 * M)
        log = fs.timelog_submit(timelog_id=log.pk, by=me)
        deadline = log.auto_approval_time
        clock.move_to(deadline + M)
        assert fs.auto_approve_due(now=deadline + M, by=system_user()) >= 1


def test_every_transition_of_every_state_machine_leaves_a_history_row_naming_who_acted(
    taken, book, register, dispatcher
):
    employer = EmployerFactory()
    SiteUserFactory(employer=employer)
    bids_and_referral(book, register, dispatcher, employer)
    held_registrations(book, dispatcher)
    jobs_and_the_book(book, register, dispatcher, employer)
    shifts(dispatcher)

    transitions = all_transitions()
    covered = {label for label, _, _ in taken}
    missing = transitions - covered - set(NO_PATH)
    without_history = sorted(
        {
            label
            for label, instance, target in taken
            if not type(instance).history.filter(id=instance.pk, status=target, history_user__isnull=False).exists()
        }
    )
    print(f"\n{len(covered)} of {len(transitions)} transitions taken, {len(NO_PATH)} with no path", end="")
    assert len(transitions) >= 30, sorted(transitions)
    assert not missing, f"{len(missing)} transitions without a path in this test: {sorted(missing)}"
    assert not without_history, f"transitions with no history row naming the actor: {without_history}"
    assert set(NO_PATH) <= transitions, "a transition listed as without a path no longer exists"
    assert not set(NO_PATH) & covered, "a transition listed as without a path was taken: remove it from NO_PATH"
