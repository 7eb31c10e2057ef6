"""The hall's letters (LaborPower's Travel Letter, AP-06, and Letter of Introduction, AP-07): a
`LetterTemplate` staff edit in the console, filled in for one member and printed on the hall's
letterhead by WeasyPrint, as the reports are. Only `$name`-style placeholders are filled in
(`string.Template`): a template is text, never code, so whoever edits it can reach nothing else."""

import datetime
import string
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import timezone

from members.enums import LetterKind
from members.models import LetterTemplate

# placeholder -> what it is (shown on the console page beside the text)
PLACEHOLDERS = {
    "date": "today's date, e.g. December 5, 2026",
    "local_name": "the hall's name (REPORTS_LOCAL_NAME)",
    "name": "the member's full name",
    "first_name": "the member's first name",
    "last_name": "the member's last name",
    "card_number": "the member's card number",
    "classification": "the member's classification, e.g. Inside Wireperson (Journeyman)",
    "home_local": "the member's home local (0046 for our own)",
    "books": "the books the member is registered on, e.g. WIRE SEATTLE Book 1",
    "to_local": "Travel Letter: the local the member travels to",
    "employer": "Letter of Introduction: the employer of the member's latest dispatch",
    "worksite": "Letter of Introduction: that request's job site",
    "start_date": "Letter of Introduction: that dispatch's start date",
}


def check_text(text: str, field: str) -> None:
    """A placeholder we do not fill in, or a lone `$`, is the field's error."""
    template = string.Template(text)
    if not template.is_valid():
        raise ValidationError({field: "A $ must start a placeholder like $name (write $$ for a dollar sign)."})
    unknown = sorted(set(template.get_identifiers()) - set(PLACEHOLDERS))
    if unknown:
        raise ValidationError(
            {field: f"Unknown placeholder(s): {', '.join('$' + u for u in unknown)}. Known: "
                    f"{', '.join('$' + p for p in PLACEHOLDERS)}."}
        )  # fmt: skip


@dataclass(frozen=True)
class Letter:
    kind: str
    letterhead: list[str]
    subject: str
    paragraphs: list[str]
    closing: list[str]


def fill(template: LetterTemplate, values: dict[str, str]) -> Letter:
    def sub(text: str) -> str:
        return string.Template(text).safe_substitute(values)

    body = sub(template.body).replace("\r\n", "\n")
    return Letter(
        kind=template.get_kind_display(),
        letterhead=[line for line in template.letterhead.splitlines() if line.strip()],
        subject=sub(template.subject),
        paragraphs=[p.strip() for p in body.split("\n\n") if p.strip()],
        closing=sub(template.closing).splitlines(),
    )


def member_book_names(member_id: int) -> list[str]:
    """The books (tiers) a member is on now: "WIRE SEATTLE Book 1"."""
    from referral.models import BookRegistration

    tiers = (
        BookRegistration.objects.filter(member_id=member_id).active()
        .order_by("book__classification", "book__region", "book__book_number")
        .values_list("book__laborpower_name", "book__name", "book__book_number")
    )  # fmt: skip
    return [f"{lp} Book {tier}" if lp else name for lp, name, tier in tiers]


def latest_dispatch(member_id: int) -> dict | None:
    """The member's latest dispatch that was not declined (the job a letter of introduction is for)."""
    from dispatch.enums import DispatchStatus
    from dispatch.models import Dispatch

    return (
        Dispatch.objects.filter(member_id=member_id).exclude(status=DispatchStatus.DECLINED)
        .order_by("-offered_at", "-id").values("employer__name", "job_request__worksite", "start_date").first()
    )  # fmt: skip


def values_for(member, *, to_local: str = "", today: datetime.date | None = None) -> dict[str, str]:
    from reports.framework import local_name

    today = today or timezone.localdate()
    books = member_book_names(member.pk)
    dispatch = latest_dispatch(member.pk)
    return {
        "date": f"{today:%B} {today.day}, {today.year}",
        "local_name": local_name(),
        "name": member.full_name,
        "first_name": member.first_name,
        "last_name": member.last_name,
        "card_number": member.card_number,
        "classification": member.get_classification_display(),
        "home_local": member.home_local or "0046",
        "books": ", ".join(books) or "no book",
        "to_local": to_local,
        "employer": dispatch["employer__name"] if dispatch else "",
        "worksite": dispatch["job_request__worksite"] if dispatch else "",
        "start_date": f"{dispatch['start_date']:%m/%d/%Y}" if dispatch else "",
    }


def letter_html(letter: Letter) -> str:
    return render_to_string("reports/letter.html", {"letter": letter})


def letter_pdf(kind: str, member, *, to_local: str = "") -> bytes:
    from weasyprint import HTML

    template = LetterTemplate.objects.get(kind=kind)
    letter = fill(template, values_for(member, to_local=to_local if kind == LetterKind.TRAVEL_LETTER else ""))
    return HTML(string=letter_html(letter)).write_pdf()


# --- The letters as the report window lists them (Applicant tab); not tables, so not registered ---


class _LetterReport:
    """A letter as the reports index lists it (LaborPower's Applicant tab): its page is a form."""

    permission = "reports.referral_reports"
    variants: dict = {}

    @classmethod
    def page_url(cls) -> str:
        from django.urls import reverse

        return reverse("admin:reports_letter", args=[cls.kind])

    @classmethod
    def can_run(cls, user) -> bool:
        return bool(user and user.is_active and user.is_staff and user.has_perm(cls.permission))


class TravelLetterReport(_LetterReport):
    slug = "travel-letter"
    kind = LetterKind.TRAVEL_LETTER
    title = "Travel Letter"
    our_name = "A member's travel letter (PDF)"
    laborpower_ids = ("AP-06",)
    description = "A letter for a member travelling to work in another local's jurisdiction; recorded as issued."


class LetterOfIntroductionReport(_LetterReport):
    slug = "letter-of-introduction"
    kind = LetterKind.LETTER_OF_INTRODUCTION
    title = "Letter of Introduction"
    our_name = "A member's letter of introduction (PDF)"
    laborpower_ids = ("AP-07",)
    description = "A letter introducing a member to the employer of their latest dispatch."


LETTER_REPORTS = {
    LetterKind.TRAVEL_LETTER: TravelLetterReport,
    LetterKind.LETTER_OF_INTRODUCTION: LetterOfIntroductionReport,
}
