import re

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string

from members import selectors, services
from members.models import CopeCheckoff, Member, MemberDemographics, MemberTransaction, Skill, Traveler, TravelLetter
from unioncore.admin_actions import HistoryAdmin, NoDeleteMixin, ReadOnlyMixin
from unioncore.admin_records import RecordAdmin
from unioncore.composition import parts
from unioncore.errors import RuleViolation

# The console prints a member "Last, First (card number)" (Member.__str__): pasted back into a
# search box, the card number alone finds them; a comma is no part of a name.
MEMBER_RECORD = "member_record"  # the parts of the record come from referral and dispatch
_PRINTED_CARD = re.compile(r"\((?P<card>[^()\s]+)\)\s*$")


def member_search_term(term: str) -> str:
    """The search words of a member as the console prints one."""
    if card := _PRINTED_CARD.search(term):
        return card["card"]
    return term.replace(",", " ")


class LedgerInline(admin.TabularInline):
    """The ledger on the member page: existing rows read-only, new rows through the service."""

    model = MemberTransaction
    fk_name = "member"
    fields = ("posted_on", "kind", "amount", "period", "description", "source", "corrects", "created_by")
    readonly_fields = ("source", "corrects", "created_by")
    extra = 0
    can_delete = False
    ordering = ("-posted_on", "-id")
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("corrects", "created_by")

    def has_change_permission(self, request, obj=None):
        return False  # a ledger row is never edited; correct it with an adjustment


class DemographicsInline(admin.StackedInline):
    """Gender, race/ethnicity and birth date on the member page: only for staff with the
    demographics' permissions (officers; docs/pii.md). Saved through the service."""

    model = MemberDemographics
    fields = ("gender", "race", "birth_date")
    extra = 1
    max_num = 1
    can_delete = False
    verbose_name = verbose_name_plural = "Demographics (EEOC; officers only)"


@admin.register(Member)
class MemberAdmin(HistoryAdmin):
    list_display = (
        "card_number", "last_name", "first_name", "classification", "status", "phone", "is_exempt", "balance",
    )  # fmt: skip
    list_filter = ("status", "classification", "is_exempt", "exempt_reason", "city")
    search_fields = ("=card_number", "last_name", "first_name", "phone", "email")
    readonly_fields = (
        "balance_display", "dues_paid_through_display", "record_display", "created_at", "updated_at",
    )  # fmt: skip
    autocomplete_fields = ("user",)
    inlines = [LedgerInline, DemographicsInline]
    list_per_page = 50
    fieldsets = (
        (None, {"fields": ("card_number", ("first_name", "middle_name", "last_name"), "classification", "status")}),
        ("Contact", {"fields": ("phone", "email", "address_line1", "address_line2", ("city", "state", "zip_code"))}),
        ("Exemption (all books)", {"fields": ("is_exempt", "exempt_reason", "exempt_until")}),
        ("Dues", {"fields": ("balance_display", "dues_paid_through_display")}),
        ("Books, dispatches and bids", {"fields": ("record_display",)}),
        ("Account", {"fields": ("user", "photo", "notes", "created_at", "updated_at")}),
    )

    def get_queryset(self, request):
        return selectors.members_with_balance()

    def get_readonly_fields(self, request, obj=None):
        # Linking a login account is for staff who may see accounts (not dispatchers).
        if request.user.has_perm("unioncore.view_user"):
            return self.readonly_fields
        return (*self.readonly_fields, "user")

    @admin.display(description="Balance", ordering="balance")
    def balance(self, member):
        return member.balance

    @admin.display(description="Balance owed")
    def balance_display(self, member):
        return selectors.member_balance(member=member) if member.pk else "—"

    @admin.display(description="Dues paid through")
    def dues_paid_through_display(self, member):
        month = selectors.dues_paid_through(member=member) if member.pk else None
        return month.strftime("%B %Y") if month else "—"

    @admin.display(description="Referral record")
    def record_display(self, member):
        """The member's books (with their place on each), dispatches and bids, read by the
        selectors the portal and the desk use; changed through their own pages."""
        if not member.pk:
            return "—"
        context = {"member": member, **parts(MEMBER_RECORD, member=member)}
        return render_to_string("admin/members/member_record.html", context)

    def get_search_results(self, request, queryset, search_term):
        """Also finds a member as the console prints one: "Last, First (card number)", "Last,
        First" or "Last First"."""
        return super().get_search_results(request, queryset, member_search_term(search_term))

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in form.cleaned_data if name in services.MEMBER_FIELDS}
        if change:
            saved = services.member_update(member_id=obj.pk, by=request.user, **fields)
        else:
            saved = services.member_create(by=request.user, **fields)
        obj.pk, obj._state.adding = saved.pk, False

    def save_formset(self, request, form, formset, change):
        if formset.model is MemberDemographics:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            for row_form in formset.forms:
                if row_form.has_changed():
                    data = {f: row_form.cleaned_data.get(f) for f in services.DEMOGRAPHIC_FIELDS}
                    data = {f: ("" if v is None and f != "birth_date" else v) for f, v in data.items()}
                    services.member_demographics_set(member_id=form.instance.pk, by=request.user, **data)
            return None
        if formset.model is not MemberTransaction:
            return super().save_formset(request, form, formset, change)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for row_form in formset.extra_forms:
            if not row_form.has_changed():
                continue
            data = row_form.cleaned_data
            formset.new_objects.append(
                services.ledger_post(
                    member_id=form.instance.pk,
                    by=request.user,
                    kind=data["kind"],
                    amount=data["amount"],
                    posted_on=data["posted_on"],
                    period=data.get("period"),
                    description=data.get("description", ""),
                )
            )

    def has_delete_permission(self, request, obj=None):
        return False  # members leave through their status; their history stays


class CorrectionForm(forms.Form):
    reason = forms.CharField(max_length=150)


@admin.register(MemberTransaction)
class MemberTransactionAdmin(HistoryAdmin):
    list_display = ("posted_on", "member", "kind", "amount", "period", "source", "description", "corrects")
    list_filter = ("kind", "source", "posted_on")
    search_fields = ("=member__card_number", "member__last_name", "member__first_name", "description", "external_ref")
    list_select_related = ("member", "corrects")
    autocomplete_fields = ("member",)
    fields = ("member", "kind", "amount", "posted_on", "period", "description")
    actions = ["correct_rows"]
    date_hierarchy = "posted_on"

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("member", "kind", "amount", "signed_amount", "posted_on", "period", "description", "source",
                "external_ref", "corrects", "created_by", "created_at")  # fmt: skip

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj) if obj else self.fields

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        saved = services.ledger_post(
            member_id=data["member"].pk,
            by=request.user,
            kind=data["kind"],
            amount=data["amount"],
            posted_on=data["posted_on"],
            period=data.get("period"),
            description=data.get("description", ""),
        )
        obj.pk, obj._state.adding = saved.pk, False

    @admin.action(description="Correct the selected rows (adds a reversing adjustment)", permissions=["add"])
    def correct_rows(self, request, queryset):
        done = 0
        for row in queryset:
            try:
                services.ledger_correct(transaction_id=row.pk, by=request.user, reason="Reversed from the console")
                done += 1
            except (RuleViolation, ValidationError) as refused:
                self.message_user(request, getattr(refused, "message", str(refused)), messages.WARNING)
        if done:
            self.message_user(request, f"{done} row(s) reversed by adjustment.", messages.SUCCESS)


@admin.register(Skill)
class SkillAdmin(NoDeleteMixin, HistoryAdmin):
    """The skills a request may require. An officer marks the specialties the agreement does not
    recognise: passing a request that asks for one costs no check mark (decision 0034)."""

    list_display = ("code", "name", "in_agreement")
    list_filter = ("in_agreement",)
    search_fields = ("code", "name")
    fields = ("code", "name", "in_agreement")


# --- The records LaborPower's reports read (decision 0049) ---


@admin.register(MemberDemographics)
class MemberDemographicsAdmin(RecordAdmin):
    """PII (docs/pii.md): officers only; no dispatcher's export carries it."""

    list_display = ("member", "gender", "race", "birth_date")
    list_filter = ("gender", "race")
    list_select_related = ("member",)
    search_fields = ("=member__card_number", "member__last_name")
    autocomplete_fields = ("member",)
    fields = ("member", "gender", "race", "birth_date")

    def get_readonly_fields(self, request, obj=None):
        return ("member",) if obj else ()

    def record_save(self, request, obj, fields):
        member_id = obj.member_id if obj else fields.pop("member_id")
        fields.pop("member_id", None)
        return services.member_demographics_set(member_id=member_id, by=request.user, **fields)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Traveler)
class TravelerAdmin(NoDeleteMixin, RecordAdmin):
    """Members of other locals working here (LaborPower's Travelers Report)."""

    list_display = ("member", "home_local", "arrived_on", "left_on")
    list_filter = ("home_local",)
    list_select_related = ("member",)
    search_fields = ("=member__card_number", "member__last_name", "=home_local")
    autocomplete_fields = ("member",)
    fields = ("member", "home_local", "arrived_on", "left_on", "notes")
    date_hierarchy = "arrived_on"

    def record_save(self, request, obj, fields):
        return services.traveler_record(by=request.user, traveler_id=obj.pk if obj else None, **fields)


@admin.register(TravelLetter)
class TravelLetterAdmin(ReadOnlyMixin, HistoryAdmin):
    """Travel letters the hall printed (Reports › Travel Letter records each one)."""

    list_display = ("issued_on", "member", "to_local", "issued_by")
    list_select_related = ("member", "issued_by")
    search_fields = ("=member__card_number", "member__last_name", "=to_local")
    date_hierarchy = "issued_on"


@admin.register(CopeCheckoff)
class CopeCheckoffAdmin(NoDeleteMixin, RecordAdmin):
    """Members' COPE checkoffs: one running at a time; a new amount ends the old one first."""

    list_display = ("member", "amount", "started_on", "ended_on")
    list_select_related = ("member",)
    search_fields = ("=member__card_number", "member__last_name")
    autocomplete_fields = ("member",)
    fields = ("member", "amount", "started_on", "ended_on")

    def record_save(self, request, obj, fields):
        return services.cope_checkoff_record(by=request.user, checkoff_id=obj.pk if obj else None, **fields)
