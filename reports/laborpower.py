"""LaborPower's Report Preparation window, as the hall knows it: its 91 reports on four tabs
(../shared/laborpower-reports.md, issue 24). Every report of UnionCore that answers one of them
names it (`Report.laborpower_ids`); the reports index lists them under LaborPower's tabs in this
order, so a LaborPower user finds each where it was. `PENDING` is what no report answers yet:
`reports/tests/test_parity.py` holds every id to exactly one report or to this table, so shrink
it as reports land."""

from dataclasses import dataclass

TABS = ("Basic", "Advanced", "Applicant", "Custom")
# Where the reports LaborPower never had (the time-log reports, a few of our own) are listed.
OURS = "UnionCore"


@dataclass(frozen=True)
class LaborPowerReport:
    id: str
    tab: str
    name: str
    priority: str


PARITY: tuple[LaborPowerReport, ...] = (
    LaborPowerReport("B-01", "Basic", "Registration List", "P0"),
    LaborPowerReport("B-02", "Basic", "Dropped Due to Re-Sign", "P0"),
    LaborPowerReport("B-03", "Basic", "Dropped Due to Checkmarks", "P0"),
    LaborPowerReport("B-04", "Basic", "Dropped Due to ShortCall", "P1"),
    LaborPowerReport("B-05", "Basic", "Open Requests", "P0"),
    LaborPowerReport("B-06", "Basic", "Dispatch Report (Day Book)", "P0"),
    LaborPowerReport("B-07", "Basic", "Offer Report", "P1"),
    LaborPowerReport("B-08", "Basic", "Request Activity", "P1"),
    LaborPowerReport("B-09", "Basic", "Overdue Short Call Dispatches", "P1"),
    LaborPowerReport("B-10", "Basic", "Employers by Contract", "P2"),
    LaborPowerReport("B-11", "Basic", "X-Out List Call List", "P1"),
    LaborPowerReport("B-12", "Basic", "Monthly Referral Summary", "P1"),
    LaborPowerReport("B-13", "Basic", "Daily Referral Summary", "P0"),
    LaborPowerReport("B-14", "Basic", "Active Contractors", "P2"),
    LaborPowerReport("B-15", "Basic", "Current Worksites", "P2"),
    LaborPowerReport("B-16", "Basic", "Cope Checkoff (by employer)", "P2"),
    LaborPowerReport("B-17", "Basic", "Historical Registration List", "P1"),
    LaborPowerReport("B-18", "Basic", "Job Bids", "P0"),
    LaborPowerReport("B-19", "Basic", "Dropped & Re-Registered (Rolled)", "P1"),
    LaborPowerReport("B-20", "Basic", "Dispatch Details by Job Request", "P1"),
    LaborPowerReport("A-01", "Advanced", "Current Employee Report", "P0"),
    LaborPowerReport("A-02", "Advanced", "Historical Employee Report", "P1"),
    LaborPowerReport("A-03", "Advanced", "Request Report", "P1"),
    LaborPowerReport("A-04", "Advanced", "Request Detail Report", "P1"),
    LaborPowerReport("A-05", "Advanced", "Termination Report", "P1"),
    LaborPowerReport("A-06", "Advanced", "Travelers Report", "P1"),
    LaborPowerReport("A-07", "Advanced", "Steward Report", "P2"),
    LaborPowerReport("A-08", "Advanced", "Applicant Report", "P2"),
    LaborPowerReport("A-09", "Advanced", "EEOC Report", "P2"),
    LaborPowerReport("A-10", "Advanced", "Employer-Requested By Name Report", "P1"),
    LaborPowerReport("A-11", "Advanced", "Dispatch History Report", "P1"),
    LaborPowerReport("A-12", "Advanced", "Current Travelers Report", "P1"),
    LaborPowerReport("A-13", "Advanced", "Working Time Limit Report", "P2"),
    LaborPowerReport("A-14", "Advanced", "Job Request History", "P1"),
    LaborPowerReport("A-15", "Advanced", "Jobs Available For Member", "P0"),
    LaborPowerReport("A-16", "Advanced", "Applicant Skills Report", "P2"),
    LaborPowerReport("A-17", "Advanced", "Applicant Photo ID's", "P3"),
    LaborPowerReport("AP-01", "Applicant", "Basic Information Report", "P0"),
    LaborPowerReport("AP-02", "Applicant", "Registration History Report", "P0"),
    LaborPowerReport("AP-03", "Applicant", "Employment History", "P0"),
    LaborPowerReport("AP-04", "Applicant", "Current Registrations", "P0"),
    LaborPowerReport("AP-05", "Applicant", "Travel Report", "P1"),
    LaborPowerReport("AP-06", "Applicant", "Travel Letter", "P1"),
    LaborPowerReport("AP-07", "Applicant", "Letter of Introduction", "P2"),
    LaborPowerReport("AP-08", "Applicant", "Internet Bids", "P1"),
    LaborPowerReport("C-01", "Custom", "180 DAYS FOLLOW-UP", "P1"),
    LaborPowerReport("C-02", "Custom", "30 DAYS FOLLOW-UP", "P1"),
    LaborPowerReport("C-03", "Custom", "365 DAYS FOLLOW-UP", "P2"),
    LaborPowerReport("C-04", "Custom", "ACTIVE MEMBERS CLASSIFICATIONS", "P1"),
    LaborPowerReport("C-05", "Custom", "ACTIVE.CONTRACTORS.(LJ)2017_MLF", "P3"),
    LaborPowerReport("C-06", "Custom", "AGE BREAKDOWN BY DATE", "P2"),
    LaborPowerReport("C-07", "Custom", "ALL MEMBERS REFERRAL STATUS", "P1"),
    LaborPowerReport("C-08", "Custom", "ALL_FOREMANLJ_LIST", "P1"),
    LaborPowerReport("C-09", "Custom", "CLASS BREAKDOWN BY DATE", "P2"),
    LaborPowerReport("C-10", "Custom", "CLASS GENDER BREAKDOWN BY DATE", "P2"),
    LaborPowerReport("C-11", "Custom", "Dispatched without 401K statement", "P2"),
    LaborPowerReport("C-12", "Custom", "EMPLOYCONTRACT", "P2"),
    LaborPowerReport("C-13", "Custom", "Employee Count By Employer", "P1"),
    LaborPowerReport("C-14", "Custom", "EMPLOYMENT HISTORY BY PERIOD", "P1"),
    LaborPowerReport("C-15", "Custom", "ETHNIC BREAKDOWN BY DATE", "P2"),
    LaborPowerReport("C-16", "Custom", "GENDER BREAKDOWN BY DATE", "P2"),
    LaborPowerReport("C-17", "Custom", "GENDER ETHNICITY BREAKDOWN BY DATE", "P2"),
    LaborPowerReport("C-18", "Custom", "GENDER_ETHNIC", "P2"),
    LaborPowerReport("C-19", "Custom", "INSTALLER AND TECH EMAIL EXPORT", "P3"),
    LaborPowerReport("C-20", "Custom", "JOB COUNT BY CATEGORY - NO EMPLOYER", "P1"),
    LaborPowerReport("C-21", "Custom", "JOB COUNT BY CATEGORY - WITH EMPLOYER", "P1"),
    LaborPowerReport("C-22", "Custom", "JOURNEYMAN COUNTS BY SECTOR", "P1"),
    LaborPowerReport("C-23", "Custom", "JRNY TECH SUMMARY", "P1"),
    LaborPowerReport("C-24", "Custom", "L_FIX_MAINT_EMAIL_EXPORT", "P3"),
    LaborPowerReport("C-25", "Custom", "MAILINGLIST46", "P3"),
    LaborPowerReport("C-26", "Custom", "Member Contact By Contractor and Worksite", "P1"),
    LaborPowerReport("C-27", "Custom", "Member Contact By Contractor By Dispatch Date", "P1"),
    LaborPowerReport("C-28", "Custom", "Member Contact By Dispatch Date All Contractors", "P1"),
    LaborPowerReport("C-29", "Custom", "MEMBERS WITHOUT EMAIL", "P2"),
    LaborPowerReport("C-30", "Custom", "One Day Dropped Due To Too Many Days", "P2"),
    LaborPowerReport("C-31", "Custom", "ORGANIZED", "P2"),
    LaborPowerReport("C-32", "Custom", "RAW DISPATCH DATA", "P1"),
    LaborPowerReport("C-33", "Custom", "RE-SIGN DUE REPORT", "P0"),
    LaborPowerReport("C-34", "Custom", "REGLIST", "P0"),
    LaborPowerReport("C-35", "Custom", "SHORT CALL DROPPED SINCE 90-DAY RULE", "P1"),
    LaborPowerReport("C-36", "Custom", "SPARKS MAILING LABELS", "P3"),
    LaborPowerReport("C-37", "Custom", "SPECIAL SKILLS - ACTIVE MEMBERS", "P2"),
    LaborPowerReport("C-38", "Custom", "Total Dropped Due To Too Many Days", "P2"),
    LaborPowerReport("C-39", "Custom", "Total JW COUNT", "P1"),
    LaborPowerReport("C-40", "Custom", "UNEMPLOYED COUNTS BY BOOK", "P0"),
    LaborPowerReport("C-41", "Custom", "UNEMPLOYED MEMBERS", "P0"),
    LaborPowerReport("C-42", "Custom", "WEB BID HISTORY BY MEMBER/DATE", "P1"),
    LaborPowerReport("C-43", "Custom", "WEBBID_WIRE", "P1"),
    LaborPowerReport("C-44", "Custom", "WEBBID_WIRE SEATTLE", "P1"),
    LaborPowerReport("C-45", "Custom", "WIREMAN EMAIL EXPORT", "P3"),
    LaborPowerReport("C-46", "Custom", "WIREMAN LIST WITH PHONE (6/21)", "P2"),
)
BY_ID: dict[str, LaborPowerReport] = {r.id: r for r in PARITY}

# The ids no UnionCore report answers yet (the next reports to write; issue 24), a set per tab
# (one id a line) so that the people writing different tabs do not edit the same lines.
PENDING_BASIC: frozenset[str] = frozenset(())  # every Basic report is answered (reports/basic.py, catalog.py)

PENDING_ADVANCED: frozenset[str] = frozenset(())  # every Advanced report is answered (reports/advanced.py)

PENDING_APPLICANT: frozenset[str] = frozenset(())  # every Applicant report: reports/applicant.py, the letters

PENDING_CUSTOM: frozenset[str] = frozenset(())  # every Custom report: reports/custom.py and the copies it merges

PENDING = PENDING_BASIC | PENDING_ADVANCED | PENDING_APPLICANT | PENDING_CUSTOM
