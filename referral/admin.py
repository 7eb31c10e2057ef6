"""The staff console for the referral books. Every change to a registration goes through
`referral.services` (the add page and the actions); nothing in referral is ever deleted."""

from functools import partial

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from members.enums import ExemptReason
from referral import admin_views, selectors, services
from referral.enums import RegistrationStatus
from referral.models import (
    BookRegistration,
    Holiday,
    MaintenanceRun,
    MorningReferral,
    ReferralBook,
    RegistrationActivity,
    RegistrationRequest,
)
from unioncore.admin_actions import HistoryAdmin, NoDeleteMixin, ReadOnlyMixin, ServiceAddMixin, apply_each, with_form
from unioncore.errors import RuleViolation

S = RegistrationStatus
DASH = "—"


# --- Books ---


@admin.register(ReferralBook)
class ReferralBookAdmin(NoDeleteMixin, HistoryAdmin):
    """The books and their rule numbers. Officers change the numbers; the live counts come from
    one grouped query."""

    list_display = (
        "code", "name", "laborpower_name", "book_number", "region", "referral_start_time", "out_of_work",
        "on_short_call", "dispatched", "re_sign_days", "check_marks_allowed", "is_active",
    )  # fmt: skip
    list_filter = ("classification", "region", "book_number", "is_active")
    search_fields = ("code", "name", "laborpower_name")
    fieldsets = (
        (None, {"fields": ("code", "name", "classification", "region", "book_number", "laborpower_name", "is_active")}),
        ("Referral", {"fields": ("referral_start_time", "internet_bidding_enabled")}),
        (
            "Rules",
            {
                "fields": (
                    ("re_sign_days", "re_sign_window_days", "grace_period_days"),
                    "check_marks_allowed",
                    ("max_days_on_book", "max_exempt_days"),
                )
            },
        ),
        ("Dates", {"fields": ("created_at", "updated_at")}),
    )

    def get_urls(self):
        view = self.admin_site.admin_view(partial(admin_views.maintenance_rehearsal, model_admin=self))
        return [path("rehearsal/", view, name="referral_referralbook_rehearsal"), *super().get_urls()]

    def get_queryset(self, request):
        status = "registrations__status"
        return (
            super()
            .get_queryset(request)
            .annotate(
                out_of_work_count=Count("registrations", filter=Q(**{status: S.REGISTERED})),
                short_call_count=Count("registrations", filter=Q(**{status: S.SHORT_CALL})),
                dispatched_count=Count("registrations", filter=Q(**{status: S.DISPATCHED})),
            )
        )

    def get_readonly_fields(self, request, obj=None):
        # What a book is (its trade, region and tier) is fixed once members are on it.
        if obj is None:
            return ("created_at", "updated_at")
        return ("code", "classification", "region", "book_number", "created_at", "updated_at")

    @admin.display(description="Out of work", ordering="out_of_work_count")
    def out_of_work(self, book):
        return book.out_of_work_count

    @admin.display(description="On a short call", ordering="short_call_count")
    def on_short_call(self, book):
        return book.short_call_count

    @admin.display(description="Dispatched", ordering="dispatched_count")
    def dispatched(self, book):
        return book.dispatched_count


# --- Registrations ---


class EffectiveExemptFilter(admin.SimpleListFilter):
    """Exempt on the book: the registration's own setting, else the member's global flag."""

    title = "exempt"
    parameter_name = "exempt"

    def lookups(self, request, model_admin):
        return [("yes", "Exempt"), ("no", "Not exempt")]

    def queryset(self, request, queryset):
        exempt = Q(is_exempt=True) | Q(is_exempt__isnull=True, member__is_exempt=True)
        if self.value() == "yes":
            return queryset.filter(exempt)
        if self.value() == "no":
            return queryset.exclude(exempt)
        return queryset


class RegistrationAddForm(forms.ModelForm):
    """Sign a member onto a book. Once the fields are valid the service registers the member
    (it holds every rule; a refusal shows on the form). The admin's add view runs this inside
    its transaction. `by`, the staff user, is set by `BookRegistrationAdmin.get_form`."""

    reason = forms.CharField(max_length=200, required=False, help_text="Optional; shown in the member's history.")
    override_reason = forms.CharField(
        label="Officer override",
        max_length=150,
        required=False,
        help_text="Only for an officer registering a member on a second classification or tier (the 2024 "
        "procedure allows one classification, wire + tradeshow excepted): why.",
    )

    by = None

    class Meta:
        model = BookRegistration
        fields = ("member", "book", "apn")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        apn = self.fields["apn"]
        apn.required = False
        apn.help_text = "Leave empty for a new sign-up (the next APN of the day); give one to keep a LaborPower APN."
        self.registration = None

    def full_clean(self):
        super().full_clean()
        if not self.is_bound or self.errors:
            return
        data = self.cleaned_data
        try:
            # Held (a RegistrationRequest) on a working day before the Inside Wireperson Book 1
            # referral is complete; on the book at once otherwise (rule 3).
            self.registration = services.registration_receive(
                member_id=data["member"].pk,
                book_id=data["book"].pk,
                by=self.by,
                apn=data.get("apn"),
                reason=data.get("reason", ""),
                override_reason=data.get("override_reason", ""),
            )
        except RuleViolation as refused:
            fields = [name for name in refused.fields if name in self.fields]
            for name in fields or [None]:
                self.add_error(name, refused.message)


class ActivityInline(admin.TabularInline):
    """The registration's own history, newest first (written by the services only)."""

    model = RegistrationActivity
    fields = ("at", "action", "apn", "reason", "no_check_mark_reason", "actor")
    readonly_fields = fields
    ordering = ("-at", "-id")
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=200, help_text="Shown in the member's history.")


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(max_length=200, required=False, help_text="Optional; shown in the member's history.")


def date_field(**kwargs):
    return forms.DateField(widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}), **kwargs)


class ExemptForm(forms.Form):
    exempt_reason = forms.ChoiceField(label="Exempt because", choices=[("", "---------"), *ExemptReason.choices])
    # Optional here on purpose: every rule about the end date (given, after today, within the
    # book's limit) lives in the service, and its refusal is reported per row.
    exempt_until = date_field(
        label="Exempt until",
        required=False,
        help_text="Traveling and under scale: required, within the book's limit (an officer extends it). "
        "Military, union business, salting, medical, jury duty: blank for no fixed end.",
    )
    reason = forms.CharField(label="Note", max_length=200, required=False)


class ExtendExemptionForm(forms.Form):
    exempt_until = date_field(label="Exempt until", required=False, help_text="May go past the book's limit.")
    reason = forms.CharField(max_length=200)


@admin.register(BookRegistration)
class BookRegistrationAdmin(ServiceAddMixin, NoDeleteMixin, HistoryAdmin):
    service_add_form = RegistrationAddForm  # registers through the service
    service_result = "registration"
    """The books' registrations in referral order. State changes only through the actions;
    the change page is read-only, with the activity below it."""

    list_display = (
        "book_code", "position", "apn_display", "registration_number", "card_number", "member_name", "status",
        "work_status_display", "re_sign_due_on", "check_marks", "exempt",
    )  # fmt: skip
    list_display_links = ("apn_display",)
    list_filter = (
        "book", "status", "re_register_cause", EffectiveExemptFilter, "exemption_needs_review", "book__region",
    )  # fmt: skip
    list_select_related = ("member", "book")
    search_fields = ("=member__card_number", "member__last_name", "member__phone")
    ordering = ("book__book_number", "apn", "registered_at", "id")
    list_per_page = 100
    autocomplete_fields = ("member",)
    inlines = [ActivityInline]
    actions = [
        "re_sign", "re_register", "check_mark", "restore_check_mark", "exempt_on", "extend_exemption", "end_exemption",
        "roll_off", "remove",
    ]  # fmt: skip
    readonly_fields = (
        "member", "book", "apn", "registration_number", "status", "work_status_display", "position_on_book",
        "registered_at", "last_re_signed_at", "re_sign_due", "check_marks", "last_check_mark_on", "exempt",
        "is_exempt", "exempt_reason", "exempt_until", "exemption_needs_review", "dispatched_at",
        "short_call_restorations", "re_register_by", "re_register_cause", "days_on_calls", "rolled_off_at",
        "roll_off_reason", "closed_at", "notes",
        "created_at", "updated_at",
    )  # fmt: skip
    fieldsets = (
        (None, {"fields": ("member", "book", "apn", "registration_number", "status", "work_status_display")}),
        ("Position", {"fields": ("position_on_book",)}),
        ("Re-sign", {"fields": ("registered_at", "last_re_signed_at", "re_sign_due")}),
        ("Check marks", {"fields": ("check_marks", "last_check_mark_on")}),
        ("Exemption", {"fields": ("exempt", "is_exempt", "exempt_reason", "exempt_until", "exemption_needs_review")}),
        (
            "On a job",
            {
                "fields": (
                    "dispatched_at",
                    "short_call_restorations",
                    ("re_register_by", "re_register_cause"),
                    "days_on_calls",
                )
            },
        ),
        ("Off the book", {"fields": (("rolled_off_at", "roll_off_reason"), "closed_at")}),
        ("Notes", {"fields": ("notes", "created_at", "updated_at")}),
    )
    add_fieldsets = ((None, {"fields": ("member", "book", "apn", "reason", "override_reason")}),)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("member", "book")

    def response_add(self, request, obj, post_url_continue=None):
        if isinstance(obj, RegistrationRequest):  # held until the morning referral is complete
            received = timezone.localtime(obj.received_at)
            self.message_user(
                request,
                f"{obj.member} on {obj.book.name}: held until the Inside Wireperson Book 1 referral is complete, "
                f"then put on the book at the APN of {received:%-I:%M %p}, when it was received.",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:referral_registrationrequest_changelist"))
        return super().response_add(request, obj, post_url_continue)

    # Read-only change page; add and the actions go through the services.

    def has_change_permission(self, request, obj=None):
        if obj is not None:
            return False  # one registration is changed only by an action (or the history stays true)
        return super().has_change_permission(request)

    def has_extend_exemption_permission(self, request):
        return request.user.has_perm("referral.extend_exemption")

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else self.fieldsets

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    # The changelist's position column (1 = next up, REL), when the list shows one book.

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        book = self._filtered_book(request)
        positions = dict(selectors.with_positions(book=book).values_list("id", "position")) if book else {}
        for registration in changelist.result_list:
            registration.list_position = positions.get(registration.pk)
        return changelist

    @staticmethod
    def _filtered_book(request):
        book_id = request.GET.get("book__id__exact", "")
        return ReferralBook.objects.filter(pk=book_id).first() if book_id.isdigit() else None

    @admin.display(description="Position")
    def position(self, registration):
        position = getattr(registration, "list_position", None)
        return DASH if position is None else position

    @admin.display(description="Status (LaborPower)")
    def work_status_display(self, registration):
        return registration.work_status or DASH

    @admin.display(description="Position on the book (1 = next up)")
    def position_on_book(self, registration):
        position = selectors.position(registration=registration)
        return DASH if position is None else position

    @admin.display(description="Book", ordering="book__book_number")
    def book_code(self, registration):
        return registration.book.code

    @admin.display(description="APN", ordering="apn")
    def apn_display(self, registration):
        return f"{registration.apn:.2f}"  # a Decimal, printed exactly

    @admin.display(description="Card", ordering="member__card_number")
    def card_number(self, registration):
        return registration.member.card_number

    @admin.display(description="Member", ordering="member__last_name")
    def member_name(self, registration):
        member = registration.member
        return f"{member.last_name}, {member.first_name}"

    @admin.display(description="Re-sign due", ordering="re_sign_due")
    def re_sign_due_on(self, registration):
        return registration.re_sign_due

    @admin.display(description="Exempt", boolean=True)
    def exempt(self, registration):
        return registration.exempt

    # --- Actions (each row in its own service call; a refusal is a warning for that row) ---

    @admin.action(description="Re-sign (still out of work)", permissions=["change"])
    def re_sign(self, request, queryset):
        apply_each(
            self,
            request,
            queryset,
            lambda r: services.registration_re_sign(registration_id=r.pk, by=request.user),
            done="{n} registration(s) re-signed.",
        )

    @admin.action(
        description="Re-register after a job ended: short call, under-scale, turnaround, 90 Day Rule (original APN)",
        permissions=["change"],
    )
    def re_register(self, request, queryset):
        apply_each(
            self,
            request,
            queryset,
            lambda r: services.registration_re_register(registration_id=r.pk, by=request.user),
            done="{n} registration(s) back on the book.",
        )

    @admin.action(description="Check mark (passed a call)", permissions=["change"])
    @with_form(ReasonForm, done="{n} check mark(s) given.")
    def check_mark(self, request, registration, data):
        services.registration_check_mark(registration_id=registration.pk, by=request.user, reason=data["reason"])

    @admin.action(description="Restore a check mark", permissions=["change"])
    @with_form(ReasonForm, done="{n} check mark(s) restored.")
    def restore_check_mark(self, request, registration, data):
        services.registration_check_mark_restore(
            registration_id=registration.pk, by=request.user, reason=data["reason"]
        )

    @admin.action(description="Exempt on this book", permissions=["change"])
    @with_form(ExemptForm, done="{n} registration(s) exempted.")
    def exempt_on(self, request, registration, data):
        services.registration_exempt_on(
            registration_id=registration.pk,
            by=request.user,
            exempt_reason=data["exempt_reason"],
            exempt_until=data["exempt_until"],
            reason=data["reason"],
        )

    @admin.action(description="Extend the exemption (officers)", permissions=["extend_exemption"])
    @with_form(ExtendExemptionForm, done="{n} exemption(s) extended.")
    def extend_exemption(self, request, registration, data):
        services.registration_exempt_extend(
            registration_id=registration.pk, by=request.user, exempt_until=data["exempt_until"], reason=data["reason"]
        )

    @admin.action(description="End the exemption", permissions=["change"])
    @with_form(OptionalReasonForm, done="{n} exemption(s) ended.", submit="End the exemption")
    def end_exemption(self, request, registration, data):
        services.registration_exempt_off(registration_id=registration.pk, by=request.user, reason=data["reason"])

    @admin.action(description="Roll off the book", permissions=["change"])
    @with_form(ReasonForm, done="{n} registration(s) rolled off.", submit="Roll off")
    def roll_off(self, request, registration, data):
        services.registration_roll_off(registration_id=registration.pk, by=request.user, reason=data["reason"])

    @admin.action(description="Remove from the book", permissions=["change"])
    @with_form(ReasonForm, done="{n} registration(s) removed.", submit="Remove")
    def remove(self, request, registration, data):
        services.registration_remove(registration_id=registration.pk, by=request.user, reason=data["reason"])


# --- The record ---


@admin.register(RegistrationActivity)
class RegistrationActivityAdmin(ReadOnlyMixin, HistoryAdmin):
    list_display = ("at", "card_number", "member_name", "book_code", "action", "apn", "reason", "actor")
    list_filter = ("action", "at", "registration__book")
    list_select_related = ("registration__member", "registration__book", "actor")
    search_fields = ("=registration__member__card_number",)
    date_hierarchy = "at"

    @admin.display(description="Card", ordering="registration__member__card_number")
    def card_number(self, activity):
        return activity.registration.member.card_number

    @admin.display(description="Member", ordering="registration__member__last_name")
    def member_name(self, activity):
        member = activity.registration.member
        return f"{member.last_name}, {member.first_name}"

    @admin.display(description="Book", ordering="registration__book__code")
    def book_code(self, activity):
        return activity.registration.book.code


# --- Held registrations (the 2024 procedure, rule 3) ---


@admin.register(RegistrationRequest)
class RegistrationRequestAdmin(ReadOnlyMixin, HistoryAdmin):
    """Registrations received on a working day before the Inside Wireperson Book 1 referral was
    complete, held until then (entered from the registrations' add page). The list's button
    marks today's referral complete and processes them; at 10:00 the beat does it anyway."""

    list_display = (
        "received_at", "card_number", "member_name", "book", "status", "received_by", "processed_at",
        "registration_link", "refusal",
    )  # fmt: skip
    list_filter = ("status", "book")
    list_select_related = ("member", "book", "received_by", "registration")
    search_fields = ("=member__card_number", "member__last_name")
    date_hierarchy = "received_at"

    def get_urls(self):
        view = self.admin_site.admin_view(self.complete_view)
        return [path("complete/", view, name="referral_registrationrequest_complete"), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "held_count": selectors.held_registrations().count(),
            "referral_completed": MorningReferral.objects.filter(day=timezone.localdate()).first(),
            "may_complete": request.user.has_perm("referral.add_bookregistration"),
        }
        return super().changelist_view(request, extra_context)

    def complete_view(self, request):
        """POST: today's Inside Wireperson Book 1 referral is complete; the held are processed."""
        if not request.user.has_perm("referral.add_bookregistration"):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        try:
            _, done = services.morning_referral_complete(by=request.user)
        except RuleViolation as refused:
            self.message_user(request, refused.message, messages.ERROR)
        else:
            refused = [held for held in done if held.refusal]
            self.message_user(
                request,
                f"Inside Wireperson Book 1 referral complete: {len(done) - len(refused)} held registration(s) "
                f"put on the book, {len(refused)} refused.",
                messages.WARNING if refused else messages.SUCCESS,
            )
            for held in refused:
                self.message_user(request, f"{held}: {held.refusal}", messages.WARNING)
        return HttpResponseRedirect(reverse("admin:referral_registrationrequest_changelist"))

    @admin.display(description="Card", ordering="member__card_number")
    def card_number(self, held):
        return held.member.card_number

    @admin.display(description="Member", ordering="member__last_name")
    def member_name(self, held):
        return f"{held.member.last_name}, {held.member.first_name}"

    @admin.display(description="On the book")
    def registration_link(self, held):
        if held.registration_id is None:
            return DASH
        url = reverse("admin:referral_bookregistration_change", args=[held.registration_id])
        return format_html('<a href="{}">APN {}</a>', url, f"{held.registration.apn:.2f}")


@admin.register(MorningReferral)
class MorningReferralAdmin(ReadOnlyMixin, HistoryAdmin):
    list_display = ("day", "completed_at", "completed_by")
    list_select_related = ("completed_by",)
    date_hierarchy = "day"


@admin.register(Holiday)
class HolidayAdmin(NoDeleteMixin, HistoryAdmin):
    """Days the hall is closed; officers keep the list (a wrong date is corrected, not deleted)."""

    list_display = ("date", "name")
    search_fields = ("name",)
    date_hierarchy = "date"


@admin.register(MaintenanceRun)
class MaintenanceRunAdmin(ReadOnlyMixin, HistoryAdmin):
    list_display = (
        "run_on", "book", "re_sign_roll_offs", "exemptions_ended", "long_call_roll_offs",
        "late_re_registration_roll_offs", "finished_at",
    )  # fmt: skip
    list_filter = ("run_on", "book")
    list_select_related = ("book",)
    date_hierarchy = "run_on"
