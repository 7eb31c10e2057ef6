from django.db import models

from members.enums import ExemptReason  # one list of reasons for member and registration


class BookType(models.TextChoices):
    INSIDE_WIREPERSON = "inside_wireperson", "Inside Wireperson"
    TRADESHOW = "tradeshow", "Tradeshow"
    STOCKPERSON = "stockperson", "Stockperson"
    TECHNICIAN = "technician", "Technician"
    UTILITY_WORKER = "utility_worker", "Utility Worker"
    TERO_APPRENTICE_WIRE = "tero_apprentice_wire", "TERO Apprentice Wire"
    SCHOOL_DISTRICT = "school_district", "Seattle School District"


class BookRegion(models.TextChoices):
    SEATTLE = "seattle", "Seattle"
    BREMERTON = "bremerton", "Bremerton"
    PORT_ANGELES = "port_angeles", "Port Angeles"


class RegistrationStatus(models.TextChoices):
    REGISTERED = "registered", "Registered (out of work)"
    DISPATCHED = "dispatched", "Dispatched"
    SHORT_CALL = "short_call", "On a short call"
    RESIGNED = "resigned", "Resigned (left the book)"
    ROLLED_OFF = "rolled_off", "Rolled off"
    REMOVED = "removed", "Removed by staff"


class WorkStatus(models.TextChoices):
    """LaborPower's STATUS column, the same for a person on every book (decision 0028): what the
    registration's state and exemption say, in the words of the hall's Registration List."""

    UNEMPLOYED = "UNEMPLOYED", "Unemployed"
    WORKING = "WORKING", "Working"
    SHORT_CALL = "SHORT CALL", "Short call"
    TRAVELING = "TRAVELING", "Traveling"
    SALTING = "SALTING", "Salting"
    SICK_LIST = "SICK LIST", "Sick list"
    UNDERSCALE = "UNDERSCALE", "Under scale"
    EXEMPT = "EXEMPT", "Exempt"  # UnionCore's other exemptions (military, union business, jury duty)


# LaborPower's exempt statuses and the exemption reason each one is (and back).
EXEMPT_WORK_STATUS = {
    WorkStatus.TRAVELING: ExemptReason.TRAVELING,
    WorkStatus.SALTING: ExemptReason.SALTING,
    WorkStatus.SICK_LIST: ExemptReason.MEDICAL,
    WorkStatus.UNDERSCALE: ExemptReason.UNDER_SCALE,
}
WORK_STATUS_OF_EXEMPTION = {reason: status for status, reason in EXEMPT_WORK_STATUS.items()}


# A registration in one of these holds its APN on the book; the others are closed for good.
ACTIVE_STATUSES = (RegistrationStatus.REGISTERED, RegistrationStatus.DISPATCHED, RegistrationStatus.SHORT_CALL)


class RegistrationAction(models.TextChoices):
    REGISTER = "register", "Registered"
    RE_SIGN = "re_sign", "Re-signed"
    CHECK_MARK = "check_mark", "Check mark"
    NO_CHECK_MARK = "no_check_mark", "Passed a call, no check mark"
    CHECK_MARK_RESTORED = "check_mark_restored", "Check mark restored"
    DISPATCH = "dispatch", "Dispatched"
    SHORT_CALL = "short_call", "Dispatched on a short call"
    SHORT_CALL_RETURN = "short_call_return", "Back from a short call"
    RETURN_TO_BOOK = "return_to_book", "Back on the book"
    RESIGN = "resign", "Resigned"
    ROLL_OFF = "roll_off", "Rolled off"
    REMOVE = "remove", "Removed"
    EXEMPT_ON = "exempt_on", "Exempt"
    EXEMPT_EXTENDED = "exempt_extended", "Exemption extended"
    EXEMPT_OFF = "exempt_off", "Exemption ended"


class RollOffReason(models.TextChoices):
    RE_SIGN_MISSED = "re_sign_missed", "Dropped due to re-sign"
    CHECK_MARKS = "check_marks", "Third check mark"
    LONG_CALL = "long_call", "Dispatched over the book's limit (long call)"
    QUIT = "quit", "Quit a job"
    DISCHARGE = "discharge", "Discharged by the employer"
    LATE_RE_REGISTRATION = "late_re_registration", "Did not re-register by the end of the next working day"
    NO_CHECK_IN = "no_check_in", "Did not check in with the employer by 3 PM"
    RESTORATIONS_USED = "restorations_used", "Short call ended; both restorations used"
    STAFF = "staff", "By staff"


class ReRegistrationCause(models.TextChoices):
    """Why a job's end holds the member's APN until they re-register by the end of the next
    working day (the 2024 procedure, rule 4; decision 0034)."""

    SHORT_CALL = "short_call", "Short call ended"
    UNDER_SCALE = "under_scale", "Under-scale job ended"
    NINETY_DAY_RULE = "ninety_day_rule", "Laid off within the 90 Day Rule"
    TURNAROUND = "turnaround", "Turnaround ended"


class NoCheckMarkReason(models.TextChoices):
    """A passed call that costs no check mark (the seed's and Local 46's procedure's list)."""

    SPECIALTY_SKILL = "specialty_skill", "Specialty skill not in the agreement"
    MOU_SITE = "mou_site", "MOU job site"
    EARLY_START = "early_start", "Start before 6 AM"
    UNDER_SCALE = "under_scale", "Under-scale recovery job"
    VARIOUS_LOCATIONS = "various_locations", "Various-location request"
    SHORT_CALL = "short_call", "Short call"
    EMPLOYER_REJECTION = "employer_rejection", "Rejected by the employer"
    MEDICAL = "medical", "Medical (documented)"


class RegistrationRequestStatus(models.TextChoices):
    """A registration received on a working day before the Inside Wireperson Book 1 referral was
    complete (the 2024 procedure, rule 3; decision 0033)."""

    HELD = "held", "Held until the referral is complete"
    PROCESSED = "processed", "Processed (on the book)"
    REFUSED = "refused", "Refused when processed"
