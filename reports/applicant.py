"""The reports of LaborPower's Applicant tab (issue 24; reports/laborpower.py lists them), each one
declaration registered here. reports/catalog.py imports this module. The tab's two letters
(Travel Letter, Letter of Introduction) are reports/letters.py."""

from django import forms

from dispatch.enums import BidStatus
from members.enums import Classification, MemberStatus, Region
from referral.enums import RegistrationStatus
from reports import people_selectors as people
from reports.catalog import CARD, NAME, MemberByCardField
from reports.framework import Column, DateRangeForm, Report, register


class MemberForm(forms.Form):
    member = MemberByCardField(required=False, help_text="Blank: every member")


class MemberRequiredForm(forms.Form):
    member = MemberByCardField(required=True)


class MemberDatesForm(DateRangeForm):
    max_days = None
    member = MemberByCardField(required=False, help_text="Blank: every member")


# AP-01
@register
class BasicInformationReport(Report):
    slug = "basic-information-report"
    title = "Basic Information Report"
    our_name = "A member's record"
    laborpower_ids = ("AP-01",)
    replaces = "Basic Information Report"
    description = "The member's record as the hall keeps it: classification, status, home local and how to reach them."
    filters = MemberForm
    selector = staticmethod(people.basic_information_rows)
    columns = (
        Column("card_number", "Card"),
        Column("name", "Name", sort="last_name"),
        Column("classification", "Classification", choices=Classification),
        Column("status", "Status", choices=MemberStatus),
        Column("home_local", "Local"),
        Column("phone", "Phone"),
        Column("email", "E-mail"),
        Column("address_line1", "Address"),
        Column("city", "City"),
        Column("state", "State"),
        Column("zip_code", "ZIP"),
        Column("preferred_region", "Region", choices=Region),
    )


# AP-04
@register
class CurrentRegistrations(Report):
    slug = "current-registrations"
    title = "Current Registrations"
    our_name = "The books a member is on now"
    laborpower_ids = ("AP-04",)
    replaces = "Current Registrations"
    description = (
        "The registrations held now (on the book: out of work, dispatched or on a short call), member by member; "
        "days to re-sign are negative when the re-sign is overdue."
    )
    filters = MemberForm
    selector = staticmethod(people.current_registration_rows)
    columns = (
        CARD,
        NAME,
        Column("book__name", "Book"),
        Column("book__book_number", "Tier", "int"),
        Column("apn", "APN", "apn"),
        Column("registered_at", "Registered", "datetime"),
        Column("re_sign_due", "Re-sign due", "date"),
        Column("days_to_re_sign", "Days to re-sign", "int"),
        Column("check_marks", "Check marks", "int", total=True),
        Column("status", "Status", choices=RegistrationStatus),
        Column("exempt", "Exempt", "bool"),
    )


# AP-05
@register
class TravelReport(Report):
    slug = "travel-report"
    title = "Travel Report"
    our_name = "Travel letters given to members"
    laborpower_ids = ("AP-05",)
    replaces = "Travel Report"
    description = "The travel letters the hall gave its members to work in another local's jurisdiction, newest first."
    filters = MemberDatesForm
    selector = staticmethod(people.travel_letter_rows)
    columns = (
        Column("issued_on", "Issued", "date"),
        CARD,
        NAME,
        Column("to_local", "To local"),
        Column("by", "By"),
    )


# AP-08
@register
class InternetBids(Report):
    slug = "internet-bids"
    title = "Internet Bids"
    our_name = "A member's online bids"
    laborpower_ids = ("AP-08",)
    replaces = "Internet Bids"
    description = "Every online bid of one member, newest first, and what became of it."
    filters = MemberRequiredForm
    selector = staticmethod(people.bid_history_rows)
    columns = (
        Column("placed_at", "Placed", "datetime"),
        Column("job_request_id", "Request", "number"),
        Column("job_request__employer__name", "Employer"),
        Column("registration__book__name", "Book"),
        Column("registration__apn", "APN", "apn"),
        Column("status", "Status", choices=BidStatus),
    )
