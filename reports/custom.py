"""The reports of LaborPower's Custom tab (issue 24; reports/laborpower.py lists them), each one
declaration registered here. reports/catalog.py imports this module. The Custom tab was the hall's
saved copies of reports: where one is another report's rows with other filters it is that
report's id with a saved variant (REGLIST, RAW DISPATCH DATA …: docs/reports.md, merged
duplicates), and the copies of one another here are one declaration with a variant each (the
mailing and e-mail lists, the follow-ups, the breakdowns). Reads: reports/custom_selectors.py."""

import datetime

from django import forms
from django.db.models import Count, Sum
from django.utils import timezone

from dispatch.enums import BidStatus, ContractCode, DispatchStatus, JobClass, RequestCategory
from members.enums import Classification, ExemptReason, MemberStatus
from referral.enums import BookRegion, BookType
from reports import custom_selectors as custom
from reports.catalog import (
    APN,
    BOOK,
    CARD,
    EMPLOYER,
    NAME,
    OFFERED,
    REQUEST,
    START,
    MemberByCardField,
    choice_field,
    last_days,
)
from reports.custom_selectors import WITH, WITHOUT, ReferralState
from reports.filters import DispatchFilters
from reports.framework import (
    DEMOGRAPHIC,
    Breakdown,
    DateRangeForm,
    Figure,
    Report,
    percent,
    register,
)
from reports.framework import Column as C

PHONE = C("member__phone", "Phone")
EMAIL = C("member__email", "E-mail")
DISPATCH_STATUS = C("status", "Status", choices=DispatchStatus)
WORKSITE = C("job_request__worksite", "Worksite")


def _with_or_without(label: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        choices=[("", "Either"), (WITH, f"With {label}"), (WITHOUT, f"Without {label}")], required=False,
        label=label[0].upper() + label[1:].removeprefix("an ").removeprefix("a "),
    )  # fmt: skip


# --- Members: one list, the Custom tab's mailing, e-mail and phone lists its variants ---


class MemberListForm(forms.Form):
    working_as = choice_field(Classification, label="Working as")
    status = choice_field(MemberStatus, label="Member status")
    referral = choice_field(ReferralState, label="Referral status")
    email = _with_or_without("an e-mail")
    phone = _with_or_without("a phone")
    address = _with_or_without("an address")
    contract = choice_field(ContractCode, label="On a job under contract")


ACTIVE = MemberStatus.ACTIVE
WIREPERSON = Classification.INSIDE_WIREPERSON


@register
class AllMembersReferralStatus(Report):
    slug = "all-members-referral-status"
    title = "ALL MEMBERS REFERRAL STATUS"
    our_name = "Members: contact details and referral status"
    # The Custom tab's mailing, e-mail and phone lists are this list with their filters.
    laborpower_ids = ("C-07", "C-04", "C-19", "C-24", "C-25", "C-29", "C-36", "C-41", "C-45", "C-46")
    variants = {
        "C-04": {"status": ACTIVE, "sort": "classification"},
        "C-19": {"working_as": Classification.TECHNICIAN, "status": ACTIVE, "email": WITH},
        "C-24": {"contract": ContractCode.LFM, "email": WITH},  # light fixture maintenance
        "C-25": {"status": ACTIVE, "address": WITH},
        "C-29": {"status": ACTIVE, "email": WITHOUT},
        "C-36": {"status": ACTIVE, "address": WITH},  # the Sparks newsletter's labels
        "C-41": {"referral": ReferralState.OUT_OF_WORK},  # every book at once (the Registration List: one)
        "C-45": {"working_as": WIREPERSON, "status": ACTIVE, "email": WITH},
        "C-46": {"working_as": WIREPERSON, "status": ACTIVE, "phone": WITH},
    }
    replaces = "ALL MEMBERS REFERRAL STATUS and the Custom tab's mailing, e-mail and phone lists"
    description = (
        "Members with their phone, e-mail and address and where they are now: on a short call, on a job, out of "
        "work on a book, or on no book."
    )
    filters = MemberListForm
    selector = staticmethod(custom.member_rows)
    columns = (
        C("card_number", "Card"),
        C("name", "Name", sort="last_name"),
        C("classification", "Classification", choices=Classification),
        C("status", "Member status", choices=MemberStatus),
        C("referral", "Referral status", choices=ReferralState),
        C("phone", "Phone"),
        C("email", "E-mail"),
        C("address_line1", "Address"),
        C("city", "City"),
        C("state", "State"),
        C("zip_code", "ZIP"),
    )
    summary = (Breakdown("referral", "By referral status"),)


class CountsForm(forms.Form):
    working_as = choice_field(Classification, label="Working as")


@register
class TotalJwCount(Report):
    slug = "total-jw-count"
    title = "Total JW COUNT"
    our_name = "Active members by classification, and where they are"
    laborpower_ids = ("C-39", "C-23")
    variants = {"C-39": {"working_as": WIREPERSON}, "C-23": {"working_as": Classification.TECHNICIAN}}
    replaces = "Total JW COUNT, JRNY TECH SUMMARY"
    description = "Active members of each classification: how many, on a job, on a short call, out of work, on no book."
    filters = CountsForm
    selector = staticmethod(custom.classification_count_rows)
    columns = (
        C("classification", "Classification", choices=Classification),
        C("members", "Members", "int", total=True),
        C("working", "On a job", "int", total=True),
        C("short_call", "On a short call", "int", total=True),
        C("out_of_work", "Out of work", "int", total=True),
        C("not_on_a_book", "On no book", "int", total=True),
    )
    summary = (
        Figure("Members", Sum("members")),
        Figure("Out of work", percent(Sum("out_of_work"), Sum("members")), "percent"),
    )


@register
class JourneymanCountsBySector(Report):
    slug = "journeyman-counts-by-sector"
    title = "JOURNEYMAN COUNTS BY SECTOR"
    our_name = "Journeymen on the job by contract"
    laborpower_ids = ("C-22",)
    replaces = "JOURNEYMAN COUNTS BY SECTOR"
    description = (
        "Journeymen on a job now (dispatched as journeyman) by sector, the contract their employer works under, "
        "and how many employers work under it. An employer under two contracts counts under each."
    )
    selector = staticmethod(custom.sector_rows)
    columns = (
        C("contract_code", "Sector (contract)", choices=ContractCode),
        C("employers", "Employers", "int"),
        C("working", "Journeymen on the job", "int"),
    )


# --- Dispatches: follow-ups, 401(k), member contact by contractor, foremen ---


class FollowUpForm(DateRangeForm):
    max_days = None
    range_label = "Follow-up due"
    days = forms.TypedChoiceField(
        choices=[(30, "30 days"), (180, "180 days"), (365, "365 days")], coerce=int, required=False,
        empty_value=30, label="Days after the start",
    )  # fmt: skip

    def clean(self):
        data = super().clean()
        if not data.get("date_from") and not data.get("date_to") and not self.errors:
            today = timezone.localdate()  # no days chosen (a first visit, a variant): this week's follow-ups
            data["date_from"], data["date_to"] = today, today + datetime.timedelta(days=6)
        return data


@register
class FollowUps(Report):
    slug = "follow-ups"
    title = "30 DAYS FOLLOW-UP"
    our_name = "Follow-ups after a dispatch (30, 180, 365 days)"
    laborpower_ids = ("C-02", "C-01", "C-03")
    variants = {"C-02": {"days": "30"}, "C-01": {"days": "180"}, "C-03": {"days": "365"}}
    replaces = "30, 180 and 365 DAYS FOLLOW-UP"
    description = (
        "Members who started a job 30 (180, 365) days before the days chosen, so the hall calls them: how to "
        "reach them, where, and whether they are still on it."
    )
    filters = FollowUpForm
    selector = staticmethod(custom.follow_up_rows)
    columns = (
        START, CARD, NAME, PHONE, EMAIL, EMPLOYER, WORKSITE, DISPATCH_STATUS, C("end_date", "Ended", "date"),
    )  # fmt: skip


@register
class DispatchedWithout401k(Report):
    slug = "dispatched-without-401k-statement"
    title = "Dispatched without 401K statement"
    our_name = "Dispatches whose 401(k) statement has not come in"
    laborpower_ids = ("C-11",)
    replaces = "Dispatched without 401K statement"
    description = "Members dispatched (who took the job) on the days chosen whose 401(k) statement is not recorded."
    filterset = DispatchFilters.taking("employer", "book", "date_from", "date_to", max_days=366)
    selector = staticmethod(custom.without_401k_rows)
    columns = (OFFERED, CARD, NAME, EMPLOYER, REQUEST, START, DISPATCH_STATUS)
    summary = (Figure("Without a statement", Count("id")),)
    initial = last_days(90)


@register
class MemberContactByContractor(Report):
    slug = "member-contact-by-contractor"
    title = "Member Contact By Contractor and Worksite"
    our_name = "How to reach the members dispatched, by contractor"
    laborpower_ids = ("C-26", "C-27", "C-28")
    # By dispatch date: the same rows in date order (for one contractor, or all).
    variants = {"C-27": {"sort": "offered_at"}, "C-28": {"sort": "offered_at"}}
    replaces = "Member Contact By Contractor and Worksite / By Dispatch Date"
    description = (
        "Members dispatched on the days chosen (who took the job), by contractor and worksite, with their contact "
        "details."
    )
    filterset = DispatchFilters.taking("employer", "worksite", "date_from", "date_to", max_days=366)
    selector = staticmethod(custom.member_contact_rows)
    columns = (
        EMPLOYER, WORKSITE, C("offered_at", "Dispatched", "date"), CARD, NAME, PHONE, EMAIL,
        C("member__address_line1", "Address"), C("member__city", "City"), C("member__state", "State"),
        C("member__zip_code", "ZIP"), DISPATCH_STATUS,
    )  # fmt: skip
    default_sort = ("employer__name", "job_request__worksite", "name")
    initial = last_days(30)


@register
class ForemanList(Report):
    slug = "foreman-list"
    title = "ALL_FOREMANLJ_LIST"
    our_name = "Foremen on the job now"
    laborpower_ids = ("C-08",)
    replaces = "ALL_FOREMANLJ_LIST"
    description = "Members on a job now dispatched as foreman or general foreman, by employer, with their phone."
    selector = staticmethod(custom.foreman_rows)
    group_by = "employer__name"
    columns = (
        EMPLOYER, CARD, NAME, PHONE, C("job_request__job_class", "Job class", choices=JobClass), WORKSITE, START,
    )  # fmt: skip


# --- Requests: job counts by category ---


class DatesForm(DateRangeForm):
    """A date range that, when no day is given (a first visit, or a variant's link with other
    filters), is the last `default_days` days: a saved variant opens on recent days, not on every
    day on record."""

    max_days = None
    default_days = 30

    def clean(self):
        data = super().clean()
        if not data.get("date_from") and not data.get("date_to") and not self.errors:
            today = timezone.localdate()
            data["date_from"], data["date_to"] = today - datetime.timedelta(days=self.default_days), today
        return data


CATEGORY = C("category", "Category", choices=RequestCategory)
COUNTS = (
    C("requests", "Requests", "int", total=True),
    C("wanted", "Workers wanted", "int", total=True),
    C("dispatched", "Dispatched", "int", total=True),
)


def _job_counts(by_employer: bool):
    def rows(*, date_from=None, date_to=None):
        return custom.job_count_rows(date_from=date_from, date_to=date_to, by_employer=by_employer)

    return staticmethod(rows)


@register
class JobCountByCategory(Report):
    slug = "job-count-by-category"
    title = "JOB COUNT BY CATEGORY - NO EMPLOYER"
    our_name = "Requests by category"
    laborpower_ids = ("C-20",)
    replaces = "JOB COUNT BY CATEGORY - NO EMPLOYER"
    description = "Requests taken on the days chosen by category (normal, TERO, PLA, CWA): workers wanted, dispatched."
    filters = DatesForm
    selector = _job_counts(False)
    columns = (CATEGORY, *COUNTS)
    summary = (Figure("Fill rate", percent(Sum("dispatched"), Sum("wanted")), "percent"),)
    initial = last_days(30)


@register
class JobCountByCategoryWithEmployer(Report):
    slug = "job-count-by-category-with-employer"
    title = "JOB COUNT BY CATEGORY - WITH EMPLOYER"
    our_name = "Requests by employer and category"
    laborpower_ids = ("C-21",)
    replaces = "JOB COUNT BY CATEGORY - WITH EMPLOYER"
    description = "Requests taken on the days chosen by employer and category: workers wanted, dispatched."
    filters = DatesForm
    selector = _job_counts(True)
    group_by = "employer__name"
    columns = (EMPLOYER, CATEGORY, *COUNTS)
    initial = last_days(30)


# --- Breakdowns by date ---

GROUP_COLUMNS = (
    C("group", "Group"),
    C("within", "Within it"),
    C("members", "Members", "int", total=True),
)


class ClassBreakdownForm(DatesForm):
    default_days = 365


class BreakdownForm(DatesForm):
    default_days = 365
    by = forms.ChoiceField(
        choices=[("age", "Age"), ("gender", "Gender"), ("ethnicity", "Race / ethnicity"),
                 ("class_gender", "Classification and gender"), ("gender_ethnicity", "Gender and race / ethnicity")],
        required=False, label="Broken down by",
    )  # fmt: skip


@register
class ClassBreakdownByDate(Report):
    slug = "class-breakdown-by-date"
    title = "CLASS BREAKDOWN BY DATE"
    our_name = "Members who took a job, by classification"
    laborpower_ids = ("C-09",)
    replaces = "CLASS BREAKDOWN BY DATE"
    description = "Members who took a job on the days chosen (each counted once), by classification."
    filters = ClassBreakdownForm
    selector = staticmethod(lambda **dates: custom.breakdown_rows(by="class", **dates))
    columns = (C("group", "Classification"), C("members", "Members", "int", total=True))
    initial = last_days(365)


@register
class DemographicBreakdownByDate(Report):
    slug = "breakdown-by-date"
    title = "AGE BREAKDOWN BY DATE"
    our_name = "Members who took a job, by age, gender, race/ethnicity"
    laborpower_ids = ("C-06", "C-10", "C-15", "C-16", "C-17")
    variants = {
        "C-06": {"by": "age"},
        "C-10": {"by": "class_gender"},
        "C-15": {"by": "ethnicity"},
        "C-16": {"by": "gender"},
        "C-17": {"by": "gender_ethnicity"},
    }
    replaces = "AGE, CLASS GENDER, ETHNIC, GENDER, GENDER ETHNICITY BREAKDOWN BY DATE"
    permission = DEMOGRAPHIC  # personal data: officers only (docs/pii.md, decisions 0049, 0053)
    description = (
        "Members who took a job on the days chosen (each counted once), by age band (on the range's last day), "
        "gender or race/ethnicity, or two of them; none recorded: Not recorded."
    )
    filters = BreakdownForm
    selector = staticmethod(lambda *, by="", **dates: custom.breakdown_rows(by=by or "age", **dates))
    columns = GROUP_COLUMNS
    initial = last_days(365)


# --- Skills, organizing, online bids ---


@register
class SpecialSkillsActiveMembers(Report):
    slug = "special-skills-active-members"
    title = "SPECIAL SKILLS - ACTIVE MEMBERS"
    our_name = "Skills active members hold"
    laborpower_ids = ("C-37",)
    replaces = "SPECIAL SKILLS - ACTIVE MEMBERS"
    description = "Each skill and the active members who hold it, with their phone and when it expires."
    selector = staticmethod(custom.active_skill_rows)
    group_by = "skill__name"
    columns = (
        C("skill__name", "Skill"), CARD, NAME, C("member__classification", "Classification", choices=Classification),
        PHONE, C("expires_on", "Expires", "date"),
    )  # fmt: skip


@register
class Organized(Report):
    slug = "organized"
    title = "ORGANIZED"
    our_name = "Members out organizing (salting)"
    laborpower_ids = ("C-31",)
    replaces = "ORGANIZED"
    description = "Members on a book exempt because they are out organizing (salting): they keep their place."
    selector = staticmethod(custom.organizing_rows)
    group_by = "book__name"
    columns = (
        BOOK, APN, CARD, NAME, C("reason", "Reason", choices=ExemptReason), C("until", "Until", "date"),
        C("source", "Exempt on"),
    )  # fmt: skip


class WebBidForm(DatesForm):
    member = MemberByCardField(required=False)
    classification = choice_field(BookType, label="Book (trade)")
    region = choice_field(BookRegion, label="Region")


@register
class WebBidHistory(Report):
    slug = "web-bid-history"
    title = "WEB BID HISTORY BY MEMBER/DATE"
    our_name = "Online bids, member by member"
    laborpower_ids = ("C-42", "C-43", "C-44")
    variants = {
        "C-43": {"classification": BookType.INSIDE_WIREPERSON},
        "C-44": {"classification": BookType.INSIDE_WIREPERSON, "region": BookRegion.SEATTLE},
    }
    replaces = "WEB BID HISTORY BY MEMBER/DATE, WEBBID_WIRE, WEBBID_WIRE SEATTLE"
    description = "Online bids placed on the days chosen, member by member, on the books chosen."
    filters = WebBidForm
    selector = staticmethod(custom.web_bid_rows)
    group_by = "name"
    columns = (
        C("name", "Name", sort="member__last_name"), CARD, C("placed_at", "Placed", "datetime"), REQUEST,
        C("job_request__employer__name", "Employer"), C("registration__book__name", "Book"),
        C("registration__apn", "APN", "apn"), C("status", "Status", choices=BidStatus),
    )  # fmt: skip
    initial = last_days(30)
