"""The reports of LaborPower's Advanced tab (issue 24; reports/laborpower.py lists them), each one
declaration registered here. reports/catalog.py imports this module. Their reads are
reports/people_selectors.py; docs/reports.md lists them with what each row means."""

from django import forms

from dispatch.enums import DispatchStatus, DispatchType, EndReason, JobClass, JobRequestStatus
from members.enums import Classification, Gender, Race
from referral.enums import BookRegion, BookType, RegistrationStatus
from reports import people_selectors as people
from reports.catalog import (
    CARD,
    EMPLOYER,
    NAME,
    REQUEST,
    START,
    WAGE_RATE,
    MemberByCardField,
    employer_field,
    last_days,
)
from reports.framework import DEMOGRAPHIC, Column, DateRangeForm, NoFilters, Report, register

# A dispatch's employee
MEMBER_CLASS = Column("member__classification", "Classification", choices=Classification)
JOB_CLASS = Column("job_request__job_class", "Job class", choices=JobClass)
WORKSITE = Column("job_request__worksite", "Job site")
END = Column("end_date", "End", "date")
DAYS = Column("days", "Days", "int", total=True)


class EmployerForm(forms.Form):
    employer = employer_field()


class EmployerDatesForm(DateRangeForm):
    employer = employer_field()


def _employer(selector):
    """A selector narrowed to one employer when the filter names one."""

    def rows(*, employer=None, **filters):
        qs = selector(**filters)
        return qs if employer is None else qs.filter(employer=employer)

    return staticmethod(rows)


#
@register
class CurrentEmployeeReport(Report):
    slug = "current-employee-report"
    title = "Current Employee Report"
    our_name = "Who is on a job now, by employer"
    laborpower_ids = ("A-01",)
    replaces = "Current Employee Report"
    description = (
        "Everyone on a job now (a dispatch accepted and not ended), by employer. Days count the start day: 1 on "
        "the first day."
    )
    filters = EmployerForm
    selector = _employer(people.current_employee_rows)
    group_by = "employer__name"
    columns = (
        EMPLOYER, CARD, NAME, MEMBER_CLASS, JOB_CLASS, WORKSITE, REQUEST,
        Column("type", "Type", choices=DispatchType), START, DAYS, WAGE_RATE,
    )  # fmt: skip


#
@register
class HistoricalEmployeeReport(Report):
    slug = "historical-employee-report"
    title = "Historical Employee Report"
    our_name = "Who worked for each employer on the days chosen"
    laborpower_ids = ("A-02", "C-14")  # C-14 EMPLOYMENT HISTORY BY PERIOD: the Custom tab's copy
    replaces = "Historical Employee Report"
    description = (
        "Everyone who worked for an employer on any day of the range: started by its last day, not ended before "
        "its first. Days are those worked, the start and end day counted (to today for one still on the job)."
    )
    filters = EmployerDatesForm
    selector = _employer(people.historical_employee_rows)
    group_by = "employer__name"
    columns = (
        EMPLOYER, CARD, NAME, MEMBER_CLASS, WORKSITE, START, END,
        Column("end_reason", "End reason", choices=EndReason), DAYS,
    )  # fmt: skip
    initial = last_days(30)


#
@register
class RequestDetailReport(Report):
    slug = "request-detail-report"
    title = "Request Detail Report"
    our_name = "Requests with their terms"
    laborpower_ids = ("A-04",)
    replaces = "Request Detail Report"
    description = "Each request taken on the days chosen with what the employer asked: the terms, wanted, dispatched."
    filters = EmployerDatesForm
    selector = _employer(people.request_detail_rows)
    columns = (
        Column("id", "Request", "number"),
        Column("taken_at", "Taken", "datetime"),
        EMPLOYER,
        Column("book_classification", "Classification", choices=BookType),
        Column("region", "Region", choices=BookRegion),
        Column("job_class", "Job class", choices=JobClass),
        Column("worksite", "Job site"),
        START,
        Column("expected_days", "Expected days", "int"),
        Column("is_short_call", "Short call", "bool"),
        Column("workers_wanted", "Wanted", "int", total=True),
        Column("dispatched", "Dispatched", "int", total=True),
        WAGE_RATE,
        Column("status", "Status", choices=JobRequestStatus),
    )
    initial = last_days(30)


#
@register
class TerminationReport(Report):
    slug = "termination-report"
    title = "Termination Report"
    our_name = "Jobs ended, with why"
    laborpower_ids = ("A-05",)
    replaces = "Termination Report"
    description = "Jobs that ended on the days chosen (laid off, quit, discharged, completed), with the days worked."
    filters = EmployerDatesForm
    selector = _employer(people.termination_rows)
    columns = (
        END, CARD, NAME, EMPLOYER, MEMBER_CLASS, START,
        Column("end_reason", "Reason", choices=EndReason), DAYS,
    )  # fmt: skip
    initial = last_days(30)


#
TRAVELER_COLUMNS = (
    Column("home_local", "Home local"),
    CARD,
    NAME,
    Column("arrived_on", "Card deposited", "date"),
    Column("left_on", "Left", "date"),
    Column("days", "Days here", "int"),
    Column("employer", "Working for"),
)


class DatesForm(DateRangeForm):
    max_days = None


@register
class TravelersReport(Report):
    slug = "travelers-report"
    title = "Travelers Report"
    our_name = "Members of other locals here on the days chosen"
    laborpower_ids = ("A-06",)
    replaces = "Travelers Report"
    description = (
        "Members of other locals who worked in our jurisdiction on any day of the range (card deposited by its "
        "last day, not left before its first), by home local. Days here count both ends (to today while here)."
    )
    filters = DatesForm
    selector = staticmethod(people.traveler_rows)
    group_by = "home_local"
    columns = TRAVELER_COLUMNS
    initial = last_days(90)


@register
class CurrentTravelersReport(Report):
    slug = "current-travelers-report"
    title = "Current Travelers Report"
    our_name = "Members of other locals here today"
    laborpower_ids = ("A-12",)
    replaces = "Current Travelers Report"
    description = "Members of other locals here today (card deposited, not left), by home local, and where they work."
    selector = staticmethod(people.current_traveler_rows)
    group_by = "home_local"
    columns = TRAVELER_COLUMNS


#
class StewardForm(forms.Form):
    current_only = forms.BooleanField(label="Current stewards only", required=False)


@register
class StewardReport(Report):
    slug = "steward-report"
    title = "Steward Report"
    our_name = "Job stewards by employer"
    laborpower_ids = ("A-07",)
    replaces = "Steward Report"
    description = "Job stewards by employer and job site (blank: all the employer's work), with their dates."
    filters = StewardForm
    selector = staticmethod(people.steward_rows)
    group_by = "employer__name"
    columns = (
        EMPLOYER, Column("worksite", "Job site"), CARD, NAME, Column("member__phone", "Phone"),
        Column("appointed_on", "Appointed", "date"), Column("ended_on", "Ended", "date"),
    )  # fmt: skip


#
@register
class ApplicantReport(Report):
    slug = "applicant-report"
    title = "Applicant Report"
    our_name = "Everyone on a book, with their record"
    laborpower_ids = ("A-08",)
    replaces = "Applicant Report"
    description = (
        "Every registration on a book now (out of work, dispatched or on a short call) with the member's "
        "classification, home local and how many skills they hold; days on the book count the day registered."
    )
    selector = staticmethod(people.applicant_rows)
    group_by = "book__name"
    columns = (
        Column("book__name", "Book"),
        Column("apn", "APN", "apn"),
        CARD,
        NAME,
        MEMBER_CLASS,
        Column("member__home_local", "Local"),
        Column("status", "Status", choices=RegistrationStatus),
        Column("days_on_book", "Days on book", "int"),
        Column("skills", "Skills", "int"),
    )


# A-09 (personal data: officers only, docs/pii.md)
@register
class EeocReport(Report):
    slug = "eeoc-report"
    title = "EEOC Report"
    our_name = "Members dispatched by gender and race/ethnicity"
    laborpower_ids = ("A-09", "C-18")  # C-18 GENDER_ETHNIC: the Custom tab's copy
    replaces = "EEOC Report"
    permission = DEMOGRAPHIC

    description = (
        "The members dispatched on the days chosen (each counted once), by gender and race/ethnicity as the "
        "EEO-1 report counts them; a member whose demographics are not recorded counts as not disclosed."
    )
    filters = DatesForm
    selector = staticmethod(people.eeoc_rows)
    group_by = "gender"
    columns = (
        Column("gender", "Gender", choices=Gender),
        Column("race", "Race / ethnicity", choices=Race),
        Column("members", "Members", "int", total=True),
    )
    initial = last_days(365)


#
@register
class EmployerRequestedByNameReport(Report):
    slug = "by-name-report"
    title = "Employer-Requested By Name Report"
    our_name = "Members requested by name"
    laborpower_ids = ("A-10",)
    replaces = "Employer-Requested By Name Report"
    description = "Members an employer asked for by name, dispatched on the days chosen."
    filters = EmployerDatesForm
    selector = _employer(people.by_name_rows)
    columns = (
        Column("offered_at", "Offered", "datetime"), EMPLOYER, CARD, NAME, REQUEST, Column("job_request__worksite",
        "Job site"), Column("status", "Status", choices=DispatchStatus), START, END,
    )  # fmt: skip
    initial = last_days(90)


#
@register
class WorkingTimeLimitReport(Report):
    slug = "working-time-limit-report"
    title = "Working Time Limit Report"
    our_name = "Days worked on calls against the 90 Day Rule"
    laborpower_ids = ("A-13",)
    replaces = "Working Time Limit Report"
    description = (
        "Registrations that have counted days worked on calls (the 90 Day Rule, decision 0034): the days used, "
        "the book's limit and the days left, the fewest left first."
    )
    selector = staticmethod(people.working_time_rows)
    columns = (
        Column("book__name", "Book"), Column("apn", "APN", "apn"), CARD, NAME,
        Column("days_on_calls", "Days on calls", "int"), Column("limit", "Limit", "int"),
        Column("days_left", "Days left", "int"), Column("status", "Status", choices=RegistrationStatus),
    )  # fmt: skip


#
@register
class JobRequestHistory(Report):
    slug = "job-request-history"
    title = "Job Request History"
    our_name = "Every request of an employer"
    laborpower_ids = ("A-14",)
    replaces = "Job Request History"
    description = "Every request of an employer (or of all), LaborPower's history included, newest first."
    filters = EmployerForm
    selector = _employer(people.job_request_history_rows)
    columns = (
        Column("taken_at", "Taken", "datetime"),
        Column("id", "Request", "number"),
        EMPLOYER,
        Column("book_classification", "Classification", choices=BookType),
        Column("job_class", "Job class", choices=JobClass),
        Column("worksite", "Job site"),
        START,
        Column("workers_wanted", "Wanted", "int", total=True),
        Column("dispatched", "Dispatched", "int", total=True),
        Column("status", "Status", choices=JobRequestStatus),
        Column("is_history", "From LaborPower", "bool"),
    )


#
class MemberRequiredForm(forms.Form):
    member = MemberByCardField(required=True)


@register
class JobsAvailableForMember(Report):
    slug = "jobs-available-for-member"
    title = "Jobs Available For Member"
    our_name = "Open requests on a member's books"
    laborpower_ids = ("A-15",)
    replaces = "Jobs Available For Member"
    description = (
        "The open requests a member could be referred to: on the trade and region of a book they are on now, with "
        "a place left."
    )
    filters = MemberRequiredForm
    selector = staticmethod(people.jobs_available_rows)
    columns = (
        Column("id", "Request", "number"),
        EMPLOYER,
        Column("book_classification", "Classification", choices=BookType),
        Column("region", "Region", choices=BookRegion),
        Column("job_class", "Job class", choices=JobClass),
        Column("worksite", "Job site"),
        START,
        Column("workers_wanted", "Wanted", "int", total=True),
        Column("dispatched", "Dispatched", "int", total=True),
        Column("places_left", "Places left", "int", total=True),
        WAGE_RATE,
        Column("bidding_closes_at", "Bids close", "datetime"),
    )


#
@register
class ApplicantSkillsReport(Report):
    slug = "applicant-skills-report"
    title = "Applicant Skills Report"
    our_name = "Skills members hold"
    laborpower_ids = ("A-16",)
    replaces = "Applicant Skills Report"
    description = "Each skill and the members who hold it, with when it expires (blank: it does not)."
    selector = staticmethod(people.skill_rows)
    group_by = "skill__name"
    columns = (
        Column("skill__name", "Skill"), CARD, NAME, MEMBER_CLASS, Column("expires_on", "Expires", "date"),
    )  # fmt: skip


#
@register
class ApplicantPhotoIds(Report):
    slug = "applicant-photo-ids"
    title = "Applicant Photo ID's"
    our_name = "Active members and their ID photo"
    laborpower_ids = ("A-17",)
    replaces = "Applicant Photo ID's"
    description = "Active members and whether their ID photo is on file (the photo itself is on the member's page)."
    filters = NoFilters
    selector = staticmethod(people.photo_id_rows)
    columns = (
        Column("card_number", "Card"),
        Column("name", "Name", sort="last_name"),
        Column("classification", "Classification", choices=Classification),
        Column("has_photo", "Photo on file", "bool"),
    )
