"""The employer's job order form (issue 22, item 4): the shape of the input; the rules are
`dispatch.services.job_request_create`'s, as for a call taken by phone."""

import datetime

from django import forms

from dispatch.enums import JobClass, RequestCategory
from dispatch.errors import DispatchError
from members.models import Member, Skill
from referral.enums import BookRegion, BookType
from unioncore.portal.forms import PortalForm

ATTESTATION = (
    "We attest that we did not solicit the members named here, or any member, in breach of the "
    "hall's referral rules (anti-collusion)."
)


class JobOrderForm(PortalForm):
    book_classification = forms.ChoiceField(label="Classification (book)", choices=BookType.choices)
    region = forms.ChoiceField(label="Region", choices=BookRegion.choices)
    job_class = forms.ChoiceField(label="Job class", choices=JobClass.choices, initial=JobClass.JOURNEYMAN)
    workers_wanted = forms.IntegerField(label="Workers", min_value=1, max_value=99, initial=1)
    start_date = forms.DateField(label="Start date", widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    report_time = forms.TimeField(label="Report time", widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}))
    worksite = forms.CharField(
        label="Report to (job site address)", max_length=200, help_text="Where the members report on the first day."
    )
    expected_days = forms.IntegerField(label="Expected length (working days)", min_value=1, required=False)
    is_short_call = forms.BooleanField(label="Short call (10 working days or less)", required=False)
    special_skills = forms.ModelMultipleChoiceField(
        label="Required skills", queryset=Skill.objects.order_by("name"), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    category = forms.ChoiceField(label="Category", choices=RequestCategory.choices, initial=RequestCategory.NORMAL)
    priority_zip_codes = forms.CharField(
        label="Priority-hire ZIP codes", max_length=400, required=False,
        help_text="PLA and CWA only: the home ZIP codes that qualify, separated by commas.",
    )  # fmt: skip
    wage_rate = forms.DecimalField(
        label="Wage ($ per hour)", max_digits=8, decimal_places=2, min_value=0, required=False
    )
    notes = forms.CharField(
        label="Other requirements, whom to ask for", max_length=2000, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip
    by_name_cards = forms.CharField(
        label="Members requested by name (card numbers)", max_length=400, required=False,
        help_text="Separated by commas. Leave empty to take the next members on the book.",
    )  # fmt: skip
    by_name_attested = forms.BooleanField(label=ATTESTATION, required=False)

    # A rule of the service that names no field of its own, placed beside the field it is about.
    violation_fields = {
        DispatchError.START_IN_PAST: "start_date", DispatchError.START_BEFORE_REFERRAL: "start_date",
        DispatchError.BIDDING_AFTER_START: "start_date", DispatchError.SHORT_CALL_TOO_LONG: "expected_days",
    }  # fmt: skip

    def clean_by_name_cards(self) -> list[int]:
        cards = [c.strip() for c in self.cleaned_data["by_name_cards"].replace(";", ",").split(",") if c.strip()]
        found = dict(Member.objects.filter(card_number__in=cards).values_list("card_number", "id"))
        unknown = [c for c in cards if c not in found]
        if unknown:
            raise forms.ValidationError(f"No member has the card number {', '.join(unknown)}.")
        return [found[c] for c in dict.fromkeys(cards)]

    def clean(self):
        data = super().clean()
        if data.get("by_name_cards") and not data.get("by_name_attested"):
            self.add_error("by_name_attested", "A by-name request needs the anti-collusion attestation.")
        return data

    def service_fields(self) -> dict:
        """The cleaned data as `job_request_create` takes it."""
        data = self.cleaned_data
        return {
            "book_classification": data["book_classification"],
            "region": data["region"],
            "job_class": data["job_class"],
            "workers_wanted": data["workers_wanted"],
            "start_date": data["start_date"],
            "report_time": data["report_time"],
            "worksite": data["worksite"],
            "expected_days": data.get("expected_days"),
            "is_short_call": data.get("is_short_call", False),
            "category": data["category"],
            "priority_zip_codes": data.get("priority_zip_codes", ""),
            "special_skill_ids": [s.pk for s in data.get("special_skills") or ()],
            "by_name_member_ids": data.get("by_name_cards") or [],
            "by_name_attested": data.get("by_name_attested", False),
            "wage_rate": data.get("wage_rate"),
            "notes": data.get("notes", ""),
        }


class CancelOrderForm(PortalForm):
    reason = forms.CharField(
        label="Why you call it off", max_length=200, help_text="The hall reads this.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip


def next_referral_day(now: datetime.datetime) -> datetime.date:
    """The morning a request sent now is referred (the 3 PM cut-off)."""
    from django.utils import timezone

    from dispatch.services import referral_time

    return timezone.localdate(referral_time(taken_at=now, start_time=datetime.time(8, 30)))
