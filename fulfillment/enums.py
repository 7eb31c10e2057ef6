from django.db import models


class TimeLogStatus(models.TextChoices):
    """The seed's statuses (lower-case snake values, SPEC §6) plus `draft`: after "Stop Work" the
    worker sees the calculated times and may edit them before "Submit"."""

    WORKING = "working", "Working"
    BREAK = "break", "On a break"
    LUNCH = "lunch", "At lunch"
    TRAVEL_TIME = "travel_time", "Travel time"
    DRAFT = "draft", "Draft (stopped, not submitted)"
    PENDING_VERIFICATION = "pending_verification", "Waiting for the supervisor"
    PENDING_WORKER_REVIEW = "pending_worker_review", "Waiting for the worker (supervisor edited)"
    PENDING_SUPERVISOR_REEVALUATION = "pending_supervisor_reevaluation", "Waiting for the supervisor (worker rejected)"
    PENDING_SUPERVISOR_VERIFICATION = "pending_supervisor_verification", "Waiting for the supervisor (manual entry)"
    VERIFIED = "verified", "Verified"
    DISPUTED = "disputed", "Disputed"


S = TimeLogStatus
ON_SHIFT = (S.WORKING, S.BREAK, S.LUNCH, S.TRAVEL_TIME)
OPEN_STATUSES = (*ON_SHIFT, S.DRAFT)  # one open time log per dispatch
FROZEN_STATUSES = (S.VERIFIED, S.DISPUTED)  # no one's times change any more (a correction may follow)
# The statuses whose 4-hour timer runs (SPEC §6: pending_verification too).
TIMED_STATUSES = (
    S.PENDING_VERIFICATION,
    S.PENDING_WORKER_REVIEW,
    S.PENDING_SUPERVISOR_REEVALUATION,
    S.PENDING_SUPERVISOR_VERIFICATION,
)
DISPUTABLE = TIMED_STATUSES
# Waiting on the supervisor: theirs to approve (the verification card, the reminders).
SUPERVISOR_WAITS = (S.PENDING_VERIFICATION, S.PENDING_SUPERVISOR_REEVALUATION, S.PENDING_SUPERVISOR_VERIFICATION)


class SegmentKind(models.TextChoices):
    BREAK = "break", "Break"
    LUNCH = "lunch", "Lunch"
    TRAVEL = "travel", "Travel time"


SEGMENT_STATUS = {SegmentKind.BREAK: S.BREAK, SegmentKind.LUNCH: S.LUNCH, SegmentKind.TRAVEL: S.TRAVEL_TIME}


class FundsState(models.TextChoices):
    HELD = "held", "Held"
    RELEASED = "released", "Released"
    FROZEN = "frozen", "Frozen (disputed)"


class VerifiedBy(models.TextChoices):
    SUPERVISOR = "supervisor", "Supervisor approved"
    # A dispatcher or an officer acting as the lending admin (decision 0018): not the employer's.
    STAFF = "staff", "Union staff approved (lending admin)"
    KIOSK = "kiosk", "Supervisor stopped the shift (kiosk)"
    WORKER_ACCEPTED = "worker_accepted", "Worker accepted the supervisor's edit"
    AUTO_APPROVAL = "auto_approval", "Auto-approved after 4 hours"
    DISPUTE_RESOLUTION = "dispute_resolution", "Dispute resolved by the union"


class AcknowledgementMethod(models.TextChoices):
    DEEP_LINK_CLICKED = "deep_link_clicked", "Deep link clicked"
    APP_OPENED = "app_opened", "App opened"


class SyncStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SYNCED = "synced", "Synced"
    FAILED = "failed", "Failed"
    CONFLICT = "conflict", "Conflict"
