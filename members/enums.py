from django.db import models


class Classification(models.TextChoices):
    """The member's trade classification (what they are, not which book they sign)."""

    INSIDE_WIREPERSON = "inside_wireperson", "Inside Wireperson (Journeyman)"
    APPRENTICE_WIREPERSON = "apprentice_wireperson", "Apprentice Wireperson"
    RESIDENTIAL_WIREPERSON = "residential_wireperson", "Residential Wireperson"
    TECHNICIAN = "technician", "Limited Energy Technician"
    TRADESHOW = "tradeshow", "Tradeshow"
    STOCKPERSON = "stockperson", "Stockperson"
    UTILITY_WORKER = "utility_worker", "Utility Worker"


class MemberStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    DROPPED = "dropped", "Dropped (non-payment)"
    WITHDRAWN = "withdrawn", "Withdrawal card"
    RETIRED = "retired", "Retired"
    DECEASED = "deceased", "Deceased"


class Region(models.TextChoices):
    """An area of the local's jurisdiction (LaborPower's REGION: a member's preferred area)."""

    SEATTLE = "seattle", "Seattle"
    BREMERTON = "bremerton", "Bremerton"
    PORT_ANGELES = "port_angeles", "Port Angeles"
    SILVERDALE = "silverdale", "Silverdale"


class ExemptReason(models.TextChoices):
    """Why a member is excused from re-signing and check marks and keeps their place (Local 46's
    referral procedure). Shared by the member's global flag and the per-book override."""

    MILITARY = "military", "Military service"
    UNION_BUSINESS = "union_business", "Union business"
    SALTING = "salting", "Salting / organizing"
    MEDICAL = "medical", "Medically unfit"
    JURY_DUTY = "jury_duty", "Jury duty"
    UNDER_SCALE = "under_scale", "Working under scale"
    TRAVELING = "traveling", "Traveling (working in another local)"


class TransactionKind(models.TextChoices):
    DUES = "dues", "Dues"
    ASSESSMENT = "assessment", "Assessment"
    FEE = "fee", "Fee"
    PAYMENT = "payment", "Payment"
    ADJUSTMENT = "adjustment", "Adjustment"


# Charges raise what the member owes; a payment lowers it; an adjustment carries its own sign.
CHARGE_KINDS = (TransactionKind.DUES, TransactionKind.ASSESSMENT, TransactionKind.FEE)


class TransactionSource(models.TextChoices):
    LABORPOWER = "laborpower", "LaborPower import"
    MANUAL = "manual", "Entered by staff"


class Gender(models.TextChoices):
    """As the EEO-1 report counts (decision 0049); "not disclosed" is an answer, blank is none."""

    FEMALE = "female", "Female"
    MALE = "male", "Male"
    ANOTHER = "another", "Another gender"
    NOT_DISCLOSED = "not_disclosed", "Not disclosed"


class Race(models.TextChoices):
    """The EEO-1 race/ethnicity categories (Hispanic or Latino first, as the form asks)."""

    HISPANIC = "hispanic", "Hispanic or Latino"
    WHITE = "white", "White"
    BLACK = "black", "Black or African American"
    PACIFIC_ISLANDER = "pacific_islander", "Native Hawaiian or Other Pacific Islander"
    ASIAN = "asian", "Asian"
    NATIVE_AMERICAN = "native_american", "American Indian or Alaska Native"
    TWO_OR_MORE = "two_or_more", "Two or more races"
    NOT_DISCLOSED = "not_disclosed", "Not disclosed"


class LetterKind(models.TextChoices):
    TRAVEL_LETTER = "travel_letter", "Travel Letter"
    LETTER_OF_INTRODUCTION = "letter_of_introduction", "Letter of Introduction"
