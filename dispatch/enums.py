from django.db import models


class ContractCode(models.TextChoices):
    """The 8 contract codes of Local 46's signatory employers (RESIDENTIAL is the 8th)."""

    WIREPERSON = "WIREPERSON", "Wireperson"
    S_AND_C = "S&C", "Sound & Communication"
    STOCKPERSON = "STOCKPERSON", "Stockperson"
    LFM = "LFM", "Light Fixture Maintenance"
    MARINE = "MARINE", "Marine"
    TV_AND_APPL = "TV&APPL", "TV & Appliance"
    MARKET_RECOVERY = "MARKET RECOVERY", "Market Recovery"
    RESIDENTIAL = "RESIDENTIAL", "Residential"


# LaborPower's name of each contract group (the employer list of that group is headed with it,
# and the LIST column of a combined export spells it so) -> our contract code. Decision 0027.
LABORPOWER_GROUPS = {
    "WIREPERSON": ContractCode.WIREPERSON,
    "SOUND & COMM": ContractCode.S_AND_C,
    "STOCKPERSON": ContractCode.STOCKPERSON,
    "LT FXT MAINT": ContractCode.LFM,
    "# GROUP MARINE": ContractCode.MARINE,
    "# GROUP TV & APPL": ContractCode.TV_AND_APPL,
    "MARKET RECOVERY": ContractCode.MARKET_RECOVERY,
    "RESIDENTIAL": ContractCode.RESIDENTIAL,
}


class EmployerStatus(models.TextChoices):
    ACTIVE = "active", "Signatory"
    INACTIVE = "inactive", "Inactive"
    SUSPENDED = "suspended", "Suspended (no referrals)"


class EmployerRole(models.TextChoices):
    SUPERVISOR = "supervisor", "Supervisor"
    MANAGER = "manager", "Manager"
    ADMIN = "admin", "Admin"


class RequestCategory(models.TextChoices):
    NORMAL = "normal", "Normal"
    TERO = "tero", "TERO (tribal employment)"
    PLA = "pla", "PLA (project labor agreement)"
    CWA = "cwa", "CWA (community workforce agreement)"


class JobRequestStatus(models.TextChoices):
    # An employer's order from the portal waits for a dispatcher to accept it (decision 0044).
    SUBMITTED = "submitted", "Submitted by the employer (to accept)"
    OPEN = "open", "Open"
    FILLED = "filled", "Filled"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired"


class JobClass(models.TextChoices):
    JOURNEYMAN = "journeyman", "Journeyman"
    APPRENTICE = "apprentice", "Apprentice"
    FOREMAN = "foreman", "Foreman"
    GENERAL_FOREMAN = "general_foreman", "General foreman"


class DispatchType(models.TextChoices):
    NORMAL = "normal", "Normal"
    SHORT_CALL = "short_call", "Short call"
    EMERGENCY = "emergency", "Emergency"
    BY_NAME = "by_name", "By name"


class DispatchStatus(models.TextChoices):
    PENDING = "pending", "Offered (pending)"
    ACCEPTED = "accepted", "Accepted (on the job)"
    DECLINED = "declined", "Declined"
    COMPLETED = "completed", "Completed"
    TERMINATED = "terminated", "Terminated"


# A dispatch in one of these holds the member and a place on the request.
OPEN_DISPATCH_STATUSES = (DispatchStatus.PENDING, DispatchStatus.ACCEPTED)
# These count towards a request's workers (a terminated one is filled again).
FILLING_DISPATCH_STATUSES = (DispatchStatus.PENDING, DispatchStatus.ACCEPTED, DispatchStatus.COMPLETED)


class DeclineKind(models.TextChoices):
    DECLINED = "declined", "Member declined"
    NO_ANSWER = "no_answer", "No answer"
    EMPLOYER_REJECTION = "employer_rejection", "Rejected by the employer"


class EndReason(models.TextChoices):
    LAID_OFF = "laid_off", "Laid off / reduction in force"
    QUIT = "quit", "Quit"
    DISCHARGED = "discharged", "Discharged for cause"
    COMPLETED = "completed", "Job completed"


class BidStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    EXPIRED = "expired", "Expired"
    WITHDRAWN = "withdrawn", "Withdrawn"


class BiddingState(models.TextChoices):
    """What the open-jobs list says of a request's bidding window now (issue 22, item 7)."""

    NONE = "none", "No online bids"
    NOT_OPEN_YET = "not_open_yet", "Opens later"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class CandidateOutcome(models.TextChoices):
    SELECTED = "selected", "Referred"
    SKIPPED = "skipped", "Skipped (not eligible)"


class SkipReason(models.TextChoices):
    ALREADY_DISPATCHED = "already_dispatched", "Already dispatched"
    MEMBER_NOT_ACTIVE = "member_not_active", "Member not in good standing"
    REFERRAL_SUSPENDED = "referral_suspended", "Referral suspended"
    MISSING_SKILL = "missing_skill", "Lacks a required skill"
    NOT_TRIBAL_MEMBER = "not_tribal_member", "TERO: not an enrolled tribal member"
    OUTSIDE_PRIORITY_AREA = "outside_priority_area", "PLA/CWA: home ZIP code outside the priority-hire area"
    BARRED_BY_EMPLOYER = "barred_by_employer", "Barred from this employer"
    ALREADY_OFFERED = "already_offered", "Already offered this request"
    RECENT_QUIT_OR_DISCHARGE = "recent_quit_or_discharge", "By name: quit or discharged within the hall's by-name bar"
    NOT_ON_BOOK = "not_on_book", "By name: not out of work on a book of this request"
    NO_BID = "no_bid", "Internet-bid request: no bid placed"
    RE_SIGN_OVERDUE = "re_sign_overdue", "Re-sign overdue (rolled off at the next nightly run)"
    NOT_QUALIFIED_FOR_CLASS = "not_qualified_for_class", "Not qualified for the request's job class (foreman)"


class SuspensionKind(models.TextChoices):
    REFERRAL = "referral", "Referral"
    BIDDING = "bidding", "Online bidding"
