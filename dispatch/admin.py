"""The staff console for dispatch: employers, job requests with their referral runs, dispatches
and the day book. Every state change goes through `dispatch.services` (the add pages and the
actions); employers and employer bars are staff-recorded data saved as they are, with history.
Nothing here is ever deleted."""

import datetime
import functools

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from dispatch import rules, selectors, services
from dispatch.enums import (
    FILLING_DISPATCH_STATUSES,
    OPEN_DISPATCH_STATUSES,
    CandidateOutcome,
    ContractCode,
    DeclineKind,
    DispatchStatus,
    EndReason,
    JobRequestStatus,
)
from dispatch.models import (
    Dispatch,
    Employer,
    EmployerBar,
    EmployerContact,
    EmployerContract,
    EmployerUser,
    HallSettings,
    JobBid,
    JobRequest,
    ReferralCandidate,
    ReferralRun,
    ReferralSuspension,
    Steward,
)
from referral.enums import NoCheckMarkReason
from unioncore.admin_actions import (
    HistoryAdmin,
    NoDeleteMixin,
    ReadOnlyMixin,
    ServiceAddMixin,
    apply_each,
    refusal_message,
    with_form,
)
from unioncore.admin_records import RecordAdmin
from unioncore.errors import RuleViolation
from unioncore.models import UserKind

DASH = "—"
REFUSALS = (RuleViolation, ValidationError, PermissionDenied)


def count_of(model, outer: str, **filters):
    """A correlated COUNT of `model` rows whose `outer` field points at the listed row (one
    subquery in the list's query, however many rows it shows)."""
    rows = (
        model.objects.filter(**{outer: OuterRef("pk")}, **filters)
        .order_by()
        .values(outer)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def admin_link(obj, text=None):
    if obj is None:
        return DASH
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, text if text is not None else obj)


def request_link(job_request_id):
    if job_request_id is None:
        return DASH
    url = reverse("admin:dispatch_jobrequest_change", args=[job_request_id])
    return format_html('<a href="{}">#{}</a>', url, job_request_id)


def member_name(member):
    return f"{member.last_name}, {member.first_name} ({member.card_number})"


def date_field(**kwargs):
    return forms.DateField(widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}), **kwargs)


class ActionsOnlyMixin(NoDeleteMixin):
    """A change page that only shows the row: its state changes through the list's actions
    (which need the change permission on the model, not on one row)."""

    def has_change_permission(self, request, obj=None):
        if obj is not None:
            return False
        return super().has_change_permission(request)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class NoDeleteInline:
    extra = 0
    can_delete = False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Employers ---


class ContractCodeFilter(admin.SimpleListFilter):
    title = "contract code"
    parameter_name = "contract"

    def lookups(self, request, model_admin):
        return ContractCode.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(contracts__contract_code=self.value())  # one row per code and employer
        return queryset


class EmployerContractInline(NoDeleteInline, admin.TabularInline):
    model = EmployerContract
    fields = ("contract_code", "bond_expires", "assent")


class EmployerContactInline(NoDeleteInline, admin.TabularInline):
    model = EmployerContact
    fields = ("name", "title", "phone", "email")


class EmployerUserInline(NoDeleteInline, admin.TabularInline):
    """The employer's logins and their roles (officers link accounts; dispatchers see them)."""

    model = EmployerUser
    fields = ("user", "role")
    autocomplete_fields = ("user",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = db_field.remote_field.model.objects.filter(kind=UserKind.EMPLOYER)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Employer)
class EmployerAdmin(NoDeleteMixin, HistoryAdmin):
    list_display = (
        "code", "name", "status", "contract_codes", "home_local", "city", "phone", "open_requests", "open_dispatches",
    )  # fmt: skip
    list_display_links = ("code", "name")
    list_filter = ("status", ContractCodeFilter, "home_local")
    search_fields = ("code", "name")
    inlines = [EmployerContractInline, EmployerContactInline, EmployerUserInline]
    readonly_fields = ("name_key", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("code", "name", "name_key", "status", "home_local")}),
        ("Contact", {"fields": ("phone", "fax", "email", "address_line1", ("city", "state", "zip_code"))}),
        ("Notes", {"fields": ("notes", "created_at", "updated_at")}),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related("contracts")
            .annotate(
                open_request_count=count_of(JobRequest, "employer", status=JobRequestStatus.OPEN),
                open_dispatch_count=count_of(Dispatch, "employer", status__in=OPEN_DISPATCH_STATUSES),
            )
        )

    @admin.display(description="Contract codes")
    def contract_codes(self, employer):
        return ", ".join(c.contract_code for c in employer.contracts.all()) or DASH

    @admin.display(description="Open requests", ordering="open_request_count")
    def open_requests(self, employer):
        return employer.open_request_count

    @admin.display(description="Open dispatches", ordering="open_dispatch_count")
    def open_dispatches(self, employer):
        return employer.open_dispatch_count


# --- Job requests ---


JOB_REQUEST_FIELDS = (
    "employer", "book_classification", "region", "job_class", "workers_wanted", "start_date", "report_time",
    "worksite", "expected_days", "is_short_call", "category", "priority_zip_codes", "special_skills",
    "by_name_members", "by_name_attested", "mou_jobsite", "under_scale_recovery", "various_locations",
    "is_turnaround", "wage_rate", "notes",
)  # fmt: skip


def add_refusal(form, refused: Exception) -> None:
    """Show a service's refusal on the form: on its fields when it names ours, else on top."""
    if isinstance(refused, RuleViolation):
        fields = [name for name in refused.fields if name in form.fields]
        for name in fields or [None]:
            form.add_error(name, refused.message)
        return
    if isinstance(refused, ValidationError) and hasattr(refused, "error_dict"):
        for name, errors in refused.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
        return
    form.add_error(None, refusal_message(refused))


class JobRequestAddForm(forms.ModelForm):
    """Take an employer's call. Once the fields are valid the service takes the request (it
    holds every rule; a refusal shows on the form). The admin's add view runs this inside its
    transaction. `by`, the staff user, is set by `JobRequestAdmin.get_form`."""

    by = None
    corrects = None  # the employer's order this request corrects (decision 0044), set by get_form
    correction_reason = forms.CharField(
        label="What was corrected", max_length=200, required=False,
        help_text="The employer reads this beside its order.",
    )  # fmt: skip
    override_reason = forms.CharField(
        label="Officer's override", max_length=200, required=False,
        help_text="Officers only: why the request is taken though its start is past, before its referral time or "
        "before its bidding could open. Kept on the request.",
    )  # fmt: skip

    class Meta:
        model = JobRequest
        fields = JOB_REQUEST_FIELDS
        widgets = {
            "start_date": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
            "priority_zip_codes": forms.TextInput(attrs={"size": 60}),
        }
        help_texts = {
            "priority_zip_codes": "PLA/CWA only: the home ZIP codes of the priority-hire area, comma-separated.",
            "book_classification": "A TERO request always draws from the TERO book.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.job_request = None

    def full_clean(self):
        super().full_clean()
        if not self.is_bound or self.errors:
            return
        data = self.cleaned_data
        try:
            take = services.job_request_create
            if self.corrects:
                take = functools.partial(
                    services.job_order_correct, job_request_id=self.corrects, reason=data.get("correction_reason", "")
                )
            self.job_request = take(
                by=self.by,
                employer_id=data["employer"].pk,
                book_classification=data["book_classification"],
                region=data["region"],
                job_class=data["job_class"],
                workers_wanted=data["workers_wanted"],
                start_date=data["start_date"],
                report_time=data["report_time"],
                worksite=data["worksite"],
                expected_days=data.get("expected_days"),
                is_short_call=data.get("is_short_call", False),
                category=data["category"],
                priority_zip_codes=data.get("priority_zip_codes", ""),
                special_skill_ids=[s.pk for s in data.get("special_skills") or ()],
                by_name_member_ids=[m.pk for m in data.get("by_name_members") or ()],
                by_name_attested=data.get("by_name_attested", False),
                mou_jobsite=data.get("mou_jobsite", False),
                under_scale_recovery=data.get("under_scale_recovery", False),
                various_locations=data.get("various_locations", False),
                is_turnaround=data.get("is_turnaround", False),
                wage_rate=data.get("wage_rate"),
                notes=data.get("notes", ""),
                override_reason=data.get("override_reason", ""),
            )
        except (RuleViolation, ValidationError) as refused:
            add_refusal(self, refused)


class JobRequestChangeForm(JobRequestAddForm):
    """Correct an open request until its first offer: the service (`job_request_change`) checks
    every rule again; a refusal shows on the form and nothing changes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The officer's override is not a model form field: shown, and kept on a save, as it stands.
        if "override_reason" in self.fields:
            self.fields["override_reason"].initial = self.instance.override_reason

    def full_clean(self):
        forms.ModelForm.full_clean(self)
        if not self.is_bound or self.errors:
            return
        data = self.cleaned_data
        try:
            self.job_request = services.job_request_change(
                job_request_id=self.instance.pk, by=self.by,
                special_skill_ids=[s.pk for s in data["special_skills"]] if "special_skills" in data else None,
                by_name_member_ids=[m.pk for m in data["by_name_members"]] if "by_name_members" in data else None,
                override_reason=data.get("override_reason", ""),
                **{name: data[name] for name in services.EDITABLE_REQUEST_FIELDS if name in data},
            )  # fmt: skip
        except (RuleViolation, ValidationError) as refused:
            add_refusal(self, refused)


class OrderOverrideForm(forms.Form):
    override_reason = forms.CharField(
        label="Officer's override", max_length=200,
        help_text="Why the order is accepted though its start is past, before its referral time or before its "
        "bidding could open. Kept on the request.",
    )  # fmt: skip


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=200, help_text="Why the employer called it off")


class OfferForm(forms.Form):
    emergency = forms.BooleanField(
        label="Emergency call", required=False, help_text="Record the offers as emergency dispatches."
    )


class ReferralRunInline(ReadOnlyInline):
    model = ReferralRun
    fields = ("run_at", "run_by", "workers_sought", "candidates_seen", "ranked_list")
    readonly_fields = fields
    ordering = ("-run_at", "-id")
    verbose_name_plural = "referral runs (the record of each run)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("run_by")

    @admin.display(description="Ranked list")
    def ranked_list(self, run):
        return admin_link(run, "Open the ranked list")


class RequestDispatchInline(ReadOnlyInline):
    model = Dispatch
    fk_name = "job_request"
    fields = ("offered_at", "member", "type", "status", "answered_at", "end_reason", "end_date")
    readonly_fields = fields
    ordering = ("-offered_at", "-id")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("member")


# The request's terms that excuse a pass (no check mark) or hold the APN when the job ends.
TERMS_FIELDSET = (
    "Terms (no check mark for passing; an under-scale job or a turnaround holds the APN)",
    {"fields": (("mou_jobsite", "various_locations"), ("under_scale_recovery", "is_turnaround"))},
)


OVERRIDE_FIELDSET = (
    "Officer's override (a start the request checks refuse, rule L2c)",
    {"fields": ("override_reason",)},
)


class UnfilledFilter(admin.SimpleListFilter):
    """The Business Manager's queue: requests the morning referral left unfilled (rule 2)."""

    title = "after the referral"
    parameter_name = "unfilled"

    def lookups(self, request, model_admin):
        return [("yes", "Unfilled after the referral (for the Business Manager)")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            ids = selectors.unfilled_after_referral(now=timezone.now()).values("id")
            return queryset.filter(pk__in=ids)
        return queryset


class EmployerOrdersFilter(admin.SimpleListFilter):
    """Employers' orders from the portal, waiting for a dispatcher (decision 0044)."""

    title = "employer orders"
    parameter_name = "orders"

    def lookups(self, request, model_admin):
        return [("to_accept", "Employer orders to accept")]

    def queryset(self, request, queryset):
        if self.value() == "to_accept":
            return queryset.filter(pk__in=selectors.employer_orders_to_accept().values("id"))
        return queryset


@admin.register(JobRequest)
class JobRequestAdmin(ServiceAddMixin, ActionsOnlyMixin, HistoryAdmin):
    service_add_form = JobRequestAddForm  # taken through the service
    service_result = "job_request"
    """Employers' calls for labor. Taken through the add page (the service checks every rule);
    then referred, offered and bid on through the actions. The change page shows the request,
    its referral runs and its dispatches."""

    list_display = (
        "number", "refer_at", "employer", "book_classification", "region", "workers_wanted", "filled", "status",
        "category", "is_short_call",
    )  # fmt: skip
    list_display_links = ("number", "refer_at")
    list_filter = (
        EmployerOrdersFilter, UnfilledFilter, "status", "category", "book_classification", "region", "is_short_call",
        "job_class",
    )  # fmt: skip
    list_select_related = ("employer",)
    search_fields = ("employer__name", "=employer__code", "worksite")
    date_hierarchy = "refer_at"
    autocomplete_fields = ("employer", "by_name_members")
    inlines = [ReferralRunInline, RequestDispatchInline]
    actions = ["accept_orders", "accept_orders_overridden", "run_referral", "offer_next", "take_bids", "cancel_request"]
    add_fieldsets = (
        (None, {"fields": ("employer", ("book_classification", "region"), "job_class", "workers_wanted")}),
        ("When and where", {"fields": (("start_date", "report_time"), "worksite", "expected_days", "is_short_call")}),
        ("Eligibility", {"fields": ("category", "priority_zip_codes", "special_skills")}),
        TERMS_FIELDSET,
        ("By name", {"fields": ("by_name_members", "by_name_attested")}),
        ("Pay and notes", {"fields": ("wage_rate", "notes")}),
    )
    fieldsets = (
        (None, {"fields": ("employer", ("book_classification", "region"), "job_class", "status")}),
        ("Workers", {"fields": (("workers_wanted", "filled_display"),)}),
        ("When and where", {"fields": (("start_date", "report_time"), "worksite", "expected_days", "is_short_call")}),
        ("Eligibility", {"fields": ("category", "priority_zip_codes", "special_skills")}),
        TERMS_FIELDSET,
        ("By name", {"fields": ("by_name_members", "by_name_attested")}),
        (
            "Referral",
            {
                "fields": (
                    ("taken_at", "taken_by"),
                    "refer_at",
                    ("bidding_opens_at", "bidding_closes_at"),
                    "override_reason",
                )
            },
        ),
        ("Pay and notes", {"fields": ("wage_rate", "notes", "created_at", "updated_at")}),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("employer", "taken_by")
            .annotate(filled_count=count_of(Dispatch, "job_request", status__in=FILLING_DISPATCH_STATUSES))
        )

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            fieldsets = self.add_fieldsets
            if request.user.has_perm("dispatch.emergency_referral"):  # an officer may take a start the checks refuse
                fieldsets = (*fieldsets, OVERRIDE_FIELDSET)
            if self._order_to_correct(request):
                return (("The employer's order, corrected", {"fields": ("correction_reason",)}), *fieldsets)
            return fieldsets
        if obj.status == JobRequestStatus.SUBMITTED or obj.corrected_as_id:
            return (("Employer's order", {"fields": ("employer_order",)}), *self.fieldsets)
        return self.fieldsets

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if add:  # the referral time and bidding window the request will get, as the service computes them
            from dispatch import admin_desk

            form = context["adminform"].form
            context["schedule"] = admin_desk.schedule_preview(form.data if form.is_bound else form.initial)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def get_urls(self):
        from dispatch import admin_desk

        return admin_desk.urls(self.admin_site) + super().get_urls()

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        if not self.has_change_permission(request, obj):
            return ("filled_display", "employer_order")  # the page is read-only anyway
        fixed = ("employer", "status", "filled_display", "employer_order", "taken_at", "taken_by", "refer_at")
        fixed += ("bidding_opens_at", "bidding_closes_at", "created_at", "updated_at")
        return fixed if request.user.has_perm("dispatch.emergency_referral") else (*fixed, "override_reason")

    # --- Editable until the first offer (rule L2d) ---

    def _editable(self, job_request: JobRequest) -> bool:
        if not hasattr(job_request, "_offered"):
            job_request._offered = job_request.dispatches.exists()
        return job_request.status == JobRequestStatus.OPEN and not job_request.is_history and not job_request._offered

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return super().has_change_permission(request)
        return self._editable(obj) and super().has_change_permission(request)

    def save_form(self, request, form, change):
        return form.job_request  # taken or changed by the service in form.full_clean()

    # --- Employers' orders from the portal (decision 0044) ---

    def _order_to_correct(self, request) -> JobRequest | None:
        order_id = request.GET.get("corrects", "")
        if not order_id.isdigit():
            return None
        return JobRequest.objects.filter(pk=order_id, status=JobRequestStatus.SUBMITTED).first()

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None and self.has_change_permission(request, obj):
            editing = super(ServiceAddMixin, self).get_form  # the model admin's, with the service's form
            form = editing(request, obj, change=change, form=JobRequestChangeForm, **kwargs)
            return type(form.__name__, (form,), {"by": request.user})
        form = super().get_form(request, obj, change=change, **kwargs)
        order = self._order_to_correct(request) if obj is None else None
        return type(form.__name__, (form,), {"corrects": order.pk}) if order else form

    def get_changeform_initial_data(self, request):
        """Correcting an employer's order: the add page starts from what the employer sent."""
        order = self._order_to_correct(request)
        if order is None:
            return super().get_changeform_initial_data(request)
        initial = {
            name: getattr(order, name)
            for name in JOB_REQUEST_FIELDS
            if name not in ("employer", "special_skills", "by_name_members")
        }
        initial["employer"] = order.employer_id
        initial["special_skills"] = list(order.special_skills.values_list("pk", flat=True))
        initial["by_name_members"] = list(order.by_name_members.values_list("pk", flat=True))
        return initial

    @admin.display(description="Employer's order")
    def employer_order(self, job_request):
        if job_request.corrected_as_id:
            return format_html("Corrected by the hall as {}.", request_link(job_request.corrected_as_id))
        if job_request.status != JobRequestStatus.SUBMITTED:
            return DASH
        correct = reverse("admin:dispatch_jobrequest_add") + f"?corrects={job_request.pk}"
        return format_html(
            "Sent from the portal by {}. Accept it as sent with the list's action "
            "<em>Accept the employer's order as sent</em>, or <a href=\"{}\">correct it</a> (the corrected "
            "request is taken in its place).",
            job_request.taken_by, correct,
        )  # fmt: skip

    @admin.action(description="Accept the employer's order as sent", permissions=["change"])
    def accept_orders(self, request, queryset):
        apply_each(
            self, request, queryset,
            lambda job_request: services.job_order_accept(job_request_id=job_request.pk, by=request.user),
            done="{n} employer order(s) accepted: referred at their time.",
        )  # fmt: skip

    @admin.action(
        description="Accept the employer's order on an officer's override (a start the checks refuse)",
        permissions=["override"],
    )
    @with_form(OrderOverrideForm, done="{n} employer order(s) accepted on an officer's override.", submit="Accept")
    def accept_orders_overridden(self, request, job_request, data):
        services.job_order_accept(
            job_request_id=job_request.pk, by=request.user, override_reason=data["override_reason"]
        )

    def has_override_permission(self, request):
        """The officer's override of the request checks (rule L2c, decision 0050)."""
        return request.user.has_perm("dispatch.emergency_referral")

    def get_inlines(self, request, obj):
        # The runs and dispatches are read-only: nothing of theirs is posted with a correction.
        return self.inlines if obj is not None and request.method != "POST" else []

    @admin.display(description="Request", ordering="id")
    def number(self, job_request):
        return f"#{job_request.pk}"

    @admin.display(description="Filled", ordering="filled_count")
    def filled(self, job_request):
        return job_request.filled_count

    @admin.display(description="Filled (offered, on the job or completed)")
    def filled_display(self, job_request):
        return f"{job_request.filled_count} of {job_request.workers_wanted}"

    # --- Actions ---

    def _report_run(self, request, run, offered=()):
        counts = run.candidates.aggregate(
            referred=Count("pk", filter=Q(outcome=CandidateOutcome.SELECTED)),
            skipped=Count("pk", filter=Q(outcome=CandidateOutcome.SKIPPED)),
        )
        self.message_user(
            request,
            format_html(
                "Request #{}: referral run {} — {} referred, {} skipped{}. {}.",
                run.job_request_id,
                run.pk,
                counts["referred"],
                counts["skipped"],
                f"; offered to {', '.join(offered)}" if offered else "",
                admin_link(run, "Open the ranked list"),
            ),
            messages.SUCCESS if counts["referred"] else messages.WARNING,
        )

    def _each_run(self, request, queryset, run_one):
        """Run `run_one(job_request) -> ReferralRun` for every selected request; a refusal is a
        warning naming the request. One request selected and run: open its ranked list."""
        runs = []
        for job_request in queryset:
            try:
                runs.append(run_one(job_request))
            except REFUSALS as refused:
                self.message_user(request, f"Request #{job_request.pk}: {refusal_message(refused)}", messages.WARNING)
        if len(runs) == 1 and len(queryset) == 1:
            return HttpResponseRedirect(reverse("admin:dispatch_referralrun_change", args=[runs[0].pk]))
        return None

    @admin.action(description="Run referral (the ranked list with skip reasons)", permissions=["change"])
    def run_referral(self, request, queryset):
        def run_one(job_request):
            run = services.referral_run(job_request_id=job_request.pk, by=request.user)
            self._report_run(request, run)
            return run

        return self._each_run(request, queryset, run_one)

    @admin.action(description="Cancel the request (pending offers lapse, no check marks)", permissions=["change"])
    @with_form(CancelForm, done="{n} request(s) cancelled.")
    def cancel_request(self, request, job_request, data):
        services.job_request_cancel(job_request_id=job_request.pk, by=request.user, reason=data["reason"])

    @admin.action(description="Take bids (offer to the bidders in referral order)", permissions=["change"])
    def take_bids(self, request, queryset):
        def run_one(job_request):
            run = services.bids_take(job_request_id=job_request.pk, by=request.user)
            offered = Dispatch.objects.filter(referral_run=run).select_related("member")
            self._report_run(request, run, offered=[member_name(d.member) for d in offered])
            return run

        return self._each_run(request, queryset, run_one)

    @admin.action(description="Offer to the next eligible member(s)", permissions=["change"])
    @with_form(OfferForm, done="{n} request(s) referred.", submit="Run referral and offer")
    def offer_next(self, request, job_request, data):
        """One click dispatch: run the referral order, then offer the job to every member it
        selected, each offer in its own transaction (a refused offer is reported, the others
        stand; the run is the record either way)."""
        run = services.referral_run(job_request_id=job_request.pk, by=request.user)
        offered = []
        selected = run.candidates.filter(outcome=CandidateOutcome.SELECTED).select_related("member").order_by("rank")
        for candidate in selected:
            try:
                services.dispatch_offer(
                    job_request_id=job_request.pk, registration_id=candidate.registration_id, by=request.user,
                    run=run, emergency=data["emergency"],
                )  # fmt: skip
            except REFUSALS as refused:
                self.message_user(
                    request, f"{member_name(candidate.member)}: {refusal_message(refused)}", messages.WARNING
                )
            else:
                offered.append(member_name(candidate.member))
        self._report_run(request, run, offered=offered)


# --- The referral record ---


class CandidateInline(ReadOnlyInline):
    """The ranked list as the run saw it: what staff open to answer a grievance."""

    model = ReferralCandidate
    fields = ("rank", "member", "apn_display", "tier", "by_name", "outcome", "skip_reason_label", "detail")
    readonly_fields = fields
    ordering = ("rank",)
    show_change_link = False
    verbose_name_plural = "ranked candidates"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("member")

    @admin.display(description="APN")
    def apn_display(self, candidate):
        return DASH if candidate.apn is None else f"{candidate.apn:.2f}"  # a Decimal, printed exactly

    @admin.display(description="Skip reason")
    def skip_reason_label(self, candidate):
        return candidate.get_skip_reason_display() or DASH


@admin.register(ReferralRun)
class ReferralRunAdmin(ReadOnlyMixin, HistoryAdmin):
    list_display = (
        "run_at", "request_number", "employer", "run_by", "workers_sought", "candidates_seen", "referred", "skipped",
    )  # fmt: skip
    list_filter = ("run_at",)
    list_select_related = ("job_request__employer", "run_by")
    search_fields = ("job_request__employer__name", "=job_request__employer__code")
    date_hierarchy = "run_at"
    inlines = [CandidateInline]
    fields = (
        "request_number", "employer", "run_at", "run_by", "workers_sought", "candidates_seen", "referred", "skipped",
        "dispatches",
    )  # fmt: skip
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("job_request__employer", "run_by")
            .annotate(
                referred_count=count_of(ReferralCandidate, "run", outcome=CandidateOutcome.SELECTED),
                skipped_count=count_of(ReferralCandidate, "run", outcome=CandidateOutcome.SKIPPED),
            )
        )

    @admin.display(description="Request", ordering="job_request")
    def request_number(self, run):
        return request_link(run.job_request_id)

    @admin.display(description="Employer", ordering="job_request__employer__name")
    def employer(self, run):
        return run.job_request.employer

    @admin.display(description="Referred", ordering="referred_count")
    def referred(self, run):
        return run.referred_count

    @admin.display(description="Skipped", ordering="skipped_count")
    def skipped(self, run):
        return run.skipped_count

    @admin.display(description="Dispatches from this run")
    def dispatches(self, run):
        rows = Dispatch.objects.filter(referral_run=run).select_related("member").order_by("offered_at", "id")
        links = format_html_join(
            ", ", '<a href="{}">{}</a> ({})',
            ((reverse("admin:dispatch_dispatch_change", args=[d.pk]), member_name(d.member), d.get_status_display())
             for d in rows),
        )  # fmt: skip
        return links or DASH


@admin.register(ReferralCandidate)
class ReferralCandidateAdmin(ReadOnlyMixin, HistoryAdmin):
    """Every line of every run: which runs saw a member, and what came of it."""

    list_display = (
        "run_link", "request_number", "rank", "member", "apn_display", "tier", "by_name", "outcome", "skip_reason",
        "detail",
    )  # fmt: skip
    list_filter = ("outcome", "skip_reason", "by_name")
    list_select_related = ("member", "run")
    search_fields = ("=member__card_number", "member__last_name")

    @admin.display(description="Run", ordering="run")
    def run_link(self, candidate):
        url = reverse("admin:dispatch_referralrun_change", args=[candidate.run_id])
        return format_html('<a href="{}">Run {}</a>', url, candidate.run_id)

    @admin.display(description="Request", ordering="run__job_request")
    def request_number(self, candidate):
        return request_link(candidate.run.job_request_id)

    @admin.display(description="APN", ordering="apn")
    def apn_display(self, candidate):
        return DASH if candidate.apn is None else f"{candidate.apn:.2f}"


# --- Dispatches ---


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class DayBookFilter(admin.SimpleListFilter):
    """The day's dispatch log: offers made today, yesterday or this week (the hall's time)."""

    title = "day book"
    parameter_name = "offered"

    def lookups(self, request, model_admin):
        return [("today", "Offered today"), ("yesterday", "Offered yesterday"), ("week", "Offered this week")]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        days = {
            "today": (today, today),
            "yesterday": (today - datetime.timedelta(days=1), today - datetime.timedelta(days=1)),
            "week": (today - datetime.timedelta(days=today.weekday()), today),
        }.get(self.value())
        if days is None:
            return queryset
        first, last = days
        return queryset.filter(
            offered_at__gte=_midnight(first), offered_at__lt=_midnight(last + datetime.timedelta(days=1))
        )


class DispatchOfferForm(forms.ModelForm):
    """An officer's offer outside the referral order (an emergency or out-of-order call), with
    the reason the record keeps (decision 0043). Offers in order are made from the referral
    desk or a request's page. The service checks the member is eligible and the request not
    full; a refusal shows on the form."""

    emergency = forms.BooleanField(label="Emergency call", required=False)

    by = None

    class Meta:
        model = Dispatch
        fields = ("job_request", "registration", "override_reason")
        help_texts = {"registration": "The member's registration on a book of the request."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["registration"].required = True
        self.fields["override_reason"].required = True
        self.dispatch = None

    def full_clean(self):
        super().full_clean()
        if not self.is_bound or self.errors:
            return
        data = self.cleaned_data
        try:
            self.dispatch = services.dispatch_offer(
                job_request_id=data["job_request"].pk, registration_id=data["registration"].pk, by=self.by,
                emergency=data.get("emergency", False), override_reason=data["override_reason"],
            )  # fmt: skip
        except (RuleViolation, ValidationError) as refused:
            add_refusal(self, refused)


class DeclineForm(forms.Form):
    kind = forms.ChoiceField(label="Declined how", choices=DeclineKind.choices, initial=DeclineKind.DECLINED)
    no_check_mark_reason = forms.ChoiceField(
        label="No check mark because", choices=[("", "— none: a check mark —"), *NoCheckMarkReason.choices],
        required=False, help_text="A rejection by the employer never gives a check mark.",
    )  # fmt: skip


class EndForm(forms.Form):
    end_reason = forms.ChoiceField(label="Why it ended", choices=EndReason.choices)
    end_date = date_field(label="Last day", initial=timezone.localdate)


class NoShowFilter(admin.SimpleListFilter):
    """The members rolled off for not checking in with the employer by 3 PM (the 2024 procedure)."""

    title = "check-in"
    parameter_name = "check_in"

    def lookups(self, request, model_admin):
        return [
            ("no_show", f"No-shows (rolled off at {rules.CHECK_IN_WORDS})"),
            ("in", "Checked in"),
            ("waiting", "Not yet checked in"),
        ]

    def queryset(self, request, queryset):
        if self.value() == "no_show":
            return queryset.filter(no_show_at__isnull=False)
        if self.value() == "in":
            return queryset.filter(checked_in_at__isnull=False)
        if self.value() == "waiting":
            return queryset.filter(status=DispatchStatus.ACCEPTED, checked_in_at__isnull=True, no_show_at__isnull=True)
        return queryset


@admin.register(Dispatch)
class DispatchAdmin(ServiceAddMixin, ActionsOnlyMixin, HistoryAdmin):
    service_add_form = DispatchOfferForm  # offered through the service
    service_result = "dispatch"
    """The dispatch log. An offer is made from a request (its actions) or from the add page;
    accept, decline and end are the actions here. The change page only shows the dispatch."""

    list_display = (
        "offered_at", "member_display", "employer", "request_number", "type", "status", "wage_rate", "end_reason",
    )  # fmt: skip
    list_display_links = ("offered_at",)
    list_filter = (DayBookFilter, "status", "type", "end_reason", NoShowFilter, "employer")
    list_select_related = ("member", "employer")
    search_fields = ("=member__card_number", "member__last_name", "member__first_name", "employer__name")
    date_hierarchy = "offered_at"
    autocomplete_fields = ("job_request", "registration")
    actions = ["accept", "check_in", "decline", "end", "statement_401k_received"]
    fieldsets = (
        (None, {"fields": ("member", "employer", "request_number", "referral_run_link", "registration", "bid")}),
        ("Offer", {"fields": ("type", "status", "override_reason", "offered_at", "answered_at", "decline_kind")}),
        ("Job", {"fields": ("wage_rate", "primary_site_contact", "lending_admin", ("start_date", "end_date"))}),
        (
            f"Check-in (by {rules.CHECK_IN_WORDS} of the dispatch day)",
            {"fields": (("checked_in_at", "checked_in_by"), "no_show_at")},
        ),
        ("End", {"fields": ("end_reason",)}),
        ("Record", {"fields": ("statement_401k", "created_by", "created_at", "updated_at")}),
    )
    add_fieldsets = ((None, {"fields": ("job_request", "registration", "emergency", "override_reason")}),)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related(
                "member", "employer", "registration__book", "registration__member", "primary_site_contact__user",
                "primary_site_contact__employer", "lending_admin", "created_by", "bid",
            )
        )  # fmt: skip

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else self.fieldsets

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("request_number", "referral_run_link")

    def has_add_permission(self, request):
        # By hand only outside the order: the officer's (decision 0043); in order from the desk.
        return super().has_add_permission(request) and request.user.has_perm("dispatch.emergency_referral")

    @admin.display(description="Member", ordering="member__last_name")
    def member_display(self, dispatch):
        return member_name(dispatch.member)

    @admin.display(description="Request", ordering="job_request")
    def request_number(self, dispatch):
        return request_link(dispatch.job_request_id)

    @admin.display(description="Referral run")
    def referral_run_link(self, dispatch):
        if dispatch.referral_run_id is None:
            return DASH
        url = reverse("admin:dispatch_referralrun_change", args=[dispatch.referral_run_id])
        return format_html('<a href="{}">Run {} (the ranked list)</a>', url, dispatch.referral_run_id)

    # --- Actions (each row in its own service call; a refusal is a warning for that row) ---

    @admin.action(description="Accept (the member takes the job)", permissions=["change"])
    def accept(self, request, queryset):
        apply_each(
            self,
            request,
            queryset,
            lambda d: services.dispatch_accept(dispatch_id=d.pk, by=request.user),
            done="{n} dispatch(es) accepted.",
        )

    @admin.action(
        description=f"Checked in with the employer (due by {rules.CHECK_IN_WORDS} of the dispatch day)",
        permissions=["change"],
    )
    def check_in(self, request, queryset):
        apply_each(
            self,
            request,
            queryset,
            lambda d: services.dispatch_check_in(dispatch_id=d.pk, by=request.user),
            done="{n} check-in(s) recorded.",
        )

    @admin.action(description="Decline (member declined, no answer, or employer rejection)", permissions=["change"])
    @with_form(DeclineForm, done="{n} dispatch(es) declined.", submit="Decline")
    def decline(self, request, dispatch, data):
        services.dispatch_decline(
            dispatch_id=dispatch.pk, by=request.user, kind=data["kind"],
            no_check_mark_reason=data["no_check_mark_reason"],
        )  # fmt: skip

    @admin.action(description="End the job (layoff, quit, discharge, completed)", permissions=["change"])
    @with_form(EndForm, done="{n} dispatch(es) ended.", submit="End")
    def end(self, request, dispatch, data):
        services.dispatch_end(
            dispatch_id=dispatch.pk, by=request.user, end_reason=data["end_reason"], end_date=data["end_date"]
        )

    @admin.action(description="401(k) statement received", permissions=["change"])
    def statement_401k_received(self, request, queryset):
        apply_each(
            self,
            request,
            queryset,
            lambda d: services.dispatch_statement_401k(dispatch_id=d.pk, by=request.user, received=True),
            done="{n} 401(k) statement(s) recorded.",
        )


# --- Bids, suspensions, bars ---


@admin.register(JobBid)
class JobBidAdmin(ReadOnlyMixin, HistoryAdmin):
    list_display = ("placed_at", "member", "request_number", "status", "answered_at")
    list_filter = ("status", "placed_at")
    list_select_related = ("member",)
    search_fields = ("=member__card_number", "member__last_name")
    date_hierarchy = "placed_at"

    @admin.display(description="Request", ordering="job_request")
    def request_number(self, bid):
        return request_link(bid.job_request_id)


class InForceFilter(admin.SimpleListFilter):
    title = "in force"
    parameter_name = "in_force"

    def lookups(self, request, model_admin):
        return [("yes", "In force now"), ("no", "Ended or lifted")]

    def queryset(self, request, queryset):
        now = timezone.now()
        in_force = Q(lifted_at__isnull=True, starts_at__lte=now) & (Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        if self.value() == "yes":
            return queryset.filter(in_force)
        if self.value() == "no":
            return queryset.exclude(in_force)
        return queryset


@admin.register(ReferralSuspension)
class ReferralSuspensionAdmin(ReadOnlyMixin, HistoryAdmin):
    """Suspensions the dispatch services opened (a second discharge, a second bid rejection)."""

    list_display = ("member", "kind", "reason", "starts_at", "ends_at", "lifted_at", "lifted_by")
    list_filter = (InForceFilter, "kind")
    list_select_related = ("member", "lifted_by")
    search_fields = ("=member__card_number", "member__last_name")


@admin.register(EmployerBar)
class EmployerBarAdmin(NoDeleteMixin, HistoryAdmin):
    """Members an employer will not take, as staff record them (history names who did)."""

    list_display = ("member", "employer", "reason", "until", "created_at")
    list_select_related = ("member", "employer")
    search_fields = ("=member__card_number", "member__last_name", "employer__name", "=employer__code")
    autocomplete_fields = ("employer", "member")
    fields = ("employer", "member", "reason", "until", "created_at")
    readonly_fields = ("created_at",)


@admin.register(Steward)
class StewardAdmin(NoDeleteMixin, RecordAdmin):
    """Job stewards by employer and job site (LaborPower's Steward Report); an ended stewardship
    keeps its dates."""

    list_display = ("member", "employer", "worksite", "appointed_on", "ended_on")
    list_filter = ("employer",)
    list_select_related = ("member", "employer")
    search_fields = ("=member__card_number", "member__last_name", "employer__name", "worksite")
    autocomplete_fields = ("member", "employer")
    fields = ("member", "employer", "worksite", "appointed_on", "ended_on")

    def record_save(self, request, obj, fields):
        return services.steward_record(by=request.user, steward_id=obj.pk if obj else None, **fields)


@admin.register(HallSettings)
class HallSettingsAdmin(NoDeleteMixin, RecordAdmin):
    """The hall's referral and dispatch rule numbers (decision 0047): one page, officers change
    it, its history kept. The one row is made by the migration."""

    short_calls = ("short_call_max_days", "short_call_uncounted_days", "short_call_max_restorations")
    fieldsets = (
        ("Requests", {"fields": ("request_cutoff",)}),
        ("Online bidding", {"fields": (("bidding_opens", "bidding_closes"), "bid_rejection_suspension_days")}),
        ("Short calls", {"fields": short_calls}),
        ("By name", {"fields": ("by_name_bar_days",)}),
    )

    def has_add_permission(self, request):
        return False  # one row, made by the migration

    def record_save(self, request, obj, fields):
        return services.hall_settings_save(by=request.user, **fields)
