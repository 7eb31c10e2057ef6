"""Time logs in the staff console: by status and employer, with the versions of the shift side
by side, the ladder sent so far, and the actions a lending admin may take (through the same
services and rules as the portal and the API)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from fulfillment import selectors
from fulfillment.enums import SyncStatus, TimeLogStatus
from fulfillment.models import (
    ClockInAcknowledgement,
    Dispute,
    DisputeMessage,
    Ejection,
    TimeLog,
    TimeLogOfflineSync,
    TimeSegment,
)
from fulfillment.services import sync, timelogs
from fulfillment.services.notifications import MESSAGES
from unioncore.admin_actions import HistoryAdmin, ReadOnlyMixin, apply_each, with_form
from unioncore.errors import RuleViolation
from unioncore.notifications.models import Notification
from unioncore.portal.forms import show_violation

S = TimeLogStatus


class SegmentInline(ReadOnlyMixin, admin.TabularInline):
    model = TimeSegment
    fields = ("kind", "started_at", "ended_at")
    extra = 0


class AcknowledgementInline(ReadOnlyMixin, admin.TabularInline):
    model = ClockInAcknowledgement
    fields = ("acknowledged_at", "user", "method")
    readonly_fields = fields
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


def _fmt(times):
    if times is None:
        return "—"
    local_in, local_out = timezone.localtime(times.clock_in), timezone.localtime(times.clock_out)
    return (
        f"{local_in:%a %b %-d %-I:%M %p} – {local_out:%-I:%M %p}, break {times.break_minutes} min, "
        f"lunch {times.lunch_minutes} min = {times.billable_minutes / 60:.2f} h"
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class ResolveForm(forms.Form):
    clock_in = forms.SplitDateTimeField()
    clock_out = forms.SplitDateTimeField()
    break_minutes = forms.IntegerField(min_value=0, initial=0)
    lunch_minutes = forms.IntegerField(min_value=0, initial=0)
    note = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class ManualEntryForm(forms.Form):
    """An officer's manual entry for a member (decision 0036: of any length)."""

    dispatch = forms.IntegerField(label="Dispatch no.", min_value=1, help_text="The member's dispatch (its number)")
    clock_in = forms.SplitDateTimeField(label="Start")
    clock_out = forms.SplitDateTimeField(label="End")
    break_minutes = forms.IntegerField(min_value=0, initial=0)
    lunch_minutes = forms.IntegerField(min_value=0, initial=0)
    note = forms.CharField(
        max_length=1000, widget=forms.Textarea(attrs={"rows": 3}), help_text="The supervisor reads it"
    )


class ClockOutForm(forms.Form):
    clock_out = forms.SplitDateTimeField(help_text="When the shift really ended")
    reason = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 2}), help_text="The worker reads it")


@admin.register(TimeLog)
class TimeLogAdmin(ReadOnlyMixin, HistoryAdmin):
    list_display = (
        "id", "worker_name", "employer", "status", "clock_in_at", "clock_out_at", "badge", "auto_approval_time",
        "funds_state", "amount",
    )  # fmt: skip
    list_filter = ("status", "funds_state", "is_retroactive", "dispatch__employer")
    search_fields = ("=dispatch__member__card_number", "dispatch__member__last_name", "dispatch__employer__name")
    list_select_related = ("dispatch__member", "dispatch__employer")
    date_hierarchy = "clock_in_at"
    ordering = ("auto_approval_time", "-clock_in_at")
    inlines = [SegmentInline, AcknowledgementInline]
    readonly_fields = (
        "dispatch", "worker", "status", "versions", "supervisor_note", "worker_comment", "note",
        "auto_approval_time", "timer_cycle", "funds_state", "billable_minutes", "amount", "last_editor",
        "verified_at", "verified_how", "verified_by", "is_retroactive", "correction_of", "ended_by", "end_reason",
        "latitude", "longitude",
        "created_at", "updated_at", "messages",
    )  # fmt: skip
    fields = readonly_fields
    actions = ["verify", "dispute", "force_clock_out", "resolve_dispute"]

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("fulfillment.view_timelog")

    @admin.display(description="Messages sent (the ladder so far)")
    def messages(self, time_log):
        # The outbox is the kernel's (no foreign key to the time log): its rows about this one.
        rows = (
            Notification.objects.filter(about_id=time_log.pk, kind__in=MESSAGES)
            .select_related("recipient")
            .order_by("created_at", "id")
        )
        if not rows:
            return "—"
        return format_html(
            "<table><tr><th>Written</th><th>Kind</th><th>Cycle</th><th>Channel</th><th>To</th><th>Status</th>"
            "<th>Sent</th><th>Error</th></tr>{}</table>",
            format_html_join(
                "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                (
                    (timezone.localtime(n.created_at).strftime("%a %b %-d %-I:%M %p"), n.kind, n.cycle,
                     n.get_channel_display(), n.recipient, n.get_status_display(),
                     timezone.localtime(n.sent_at).strftime("%-I:%M %p") if n.sent_at else "", n.error)
                    for n in rows
                ),
            ),
        )  # fmt: skip

    @admin.display(description="Member")
    def worker_name(self, time_log):
        return time_log.dispatch.member

    @admin.display(description="Employer", ordering="dispatch__employer__name")
    def employer(self, time_log):
        return time_log.dispatch.employer

    @admin.display(description="")
    def badge(self, time_log):
        return "Worker edited" if time_log.worker_edited else ""

    @admin.display(description="The shift, version by version")
    def versions(self, time_log):
        rows = [
            ("Clock (calculated)", _fmt(time_log.calculated_times())),
            ("Worker" + (" — edited in draft" if time_log.worker_edited else ""), _fmt(time_log.worker_times)),
            ("Supervisor", _fmt(time_log.supervisor_times)),
            ("Verified", _fmt(time_log.final_times)),
        ]
        return format_html("<table>{}</table>", format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows))

    def _lending_admin_ok(self, request):
        return request.user.has_perm("fulfillment.act_as_lending_admin")

    @admin.action(description="Approve the worker's times (as lending admin)", permissions=["lending_admin"])
    def verify(self, request, queryset):
        def verify_one(time_log):
            timelogs.timelog_verify(timelog_id=time_log.pk, by=request.user)

        apply_each(self, request, queryset, verify_one, done="{n} time log(s) verified.")

    @admin.action(description="File a dispute (as lending admin)", permissions=["lending_admin"])
    @with_form(ReasonForm, done="{n} dispute(s) filed.")
    def dispute(self, request, time_log, data):
        timelogs.timelog_dispute(timelog_id=time_log.pk, by=request.user, reason=data["reason"])

    @admin.action(description="Force clock-out of a forgotten shift (as lending admin)", permissions=["lending_admin"])
    @with_form(ClockOutForm, done="{n} shift(s) clocked out; the 4-hour timer runs.")
    def force_clock_out(self, request, time_log, data):
        timelogs.timelog_force_clock_out(
            timelog_id=time_log.pk, by=request.user, at=data["clock_out"], reason=data["reason"]
        )

    @admin.action(description="Resolve the dispute with final times", permissions=["resolve"])
    @with_form(ResolveForm, done="{n} dispute(s) resolved; funds released.")
    def resolve_dispute(self, request, time_log, data):
        timelogs.timelog_resolve_dispute(timelog_id=time_log.pk, by=request.user, **data)

    def get_urls(self):
        view = self.admin_site.admin_view(self.manual_entry_view)
        return [path("manual-entry/", view, name="fulfillment_timelog_manual_entry"), *super().get_urls()]

    def manual_entry_view(self, request):
        """An officer enters a member's hours by hand (longer than the hall's limit, if need be):
        the same service as the member's, the supervisor verifies it as any manual entry."""
        if not request.user.has_perm(timelogs.LONG_ENTRY_PERMISSION):
            raise PermissionDenied
        form = ManualEntryForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                time_log = timelogs.timelog_retroactive_submit(
                    dispatch_id=data["dispatch"], by=request.user, clock_in=data["clock_in"],
                    clock_out=data["clock_out"], break_minutes=data["break_minutes"],
                    lunch_minutes=data["lunch_minutes"], note=data["note"],
                )  # fmt: skip
            except RuleViolation as refused:
                show_violation(form, refused)
            else:
                self.message_user(request, f"Manual entry sent to the supervisor to verify: time log {time_log.pk}.")
                return HttpResponseRedirect(reverse("admin:fulfillment_timelog_change", args=[time_log.pk]))
        context = {
            **self.admin_site.each_context(request), "title": "Enter a member's manual entry",
            "opts": self.model._meta, "form": form,
        }  # fmt: skip
        return TemplateResponse(
            request, "admin/fulfillment/manual_entry.html", context, status=400 if form.errors else 200
        )

    def has_lending_admin_permission(self, request):
        return self._lending_admin_ok(request)

    def has_resolve_permission(self, request):
        return request.user.has_perm("fulfillment.change_timelog")


class DisputeMessageInline(ReadOnlyMixin, admin.TabularInline):
    model = DisputeMessage
    fields = ("at", "author", "body")
    readonly_fields = fields
    extra = 0


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyMixin, HistoryAdmin):
    list_display = ("time_log", "opened_by", "opened_at", "resolved_at", "resolved_by")
    list_filter = ("resolved_at",)
    list_select_related = ("time_log__dispatch__member", "time_log__dispatch__employer", "opened_by", "resolved_by")
    readonly_fields = ("time_log", "opened_by", "reason", "opened_at", "resolved_at", "resolved_by", "resolution_note")
    inlines = [DisputeMessageInline]


class OpenConflictFilter(admin.SimpleListFilter):
    title = "offline clock-out to settle"
    parameter_name = "to_settle"

    def lookups(self, request, model_admin):
        return [("yes", "Waiting for a choice (the time log's timer is paused)")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(status=SyncStatus.CONFLICT, conflict_with__isnull=False)
        return queryset


@admin.register(TimeLogOfflineSync)
class OfflineSyncAdmin(ReadOnlyMixin, HistoryAdmin):
    """The raw offline events. A conflict (an offline clock-out that met a force clock-out or a
    kiosk stop) is settled here by union staff as lending admin, as the supervisor does on the
    card: both versions side by side, keep the recorded clock-out or take the worker's."""

    list_display = (
        "received_at", "worker", "event_type", "device_time", "clock_suspect", "status", "time_log_id", "versions",
    )  # fmt: skip
    list_filter = (OpenConflictFilter, "status", "event_type", "clock_suspect")
    list_select_related = ("worker",)
    readonly_fields = (
        "worker", "client_uuid", "event_type", "payload", "device_time", "received_at", "clock_offset_seconds",
        "clock_suspect", "time_log", "status", "result", "conflict_with", "versions",
    )  # fmt: skip
    actions = ["keep_recorded", "take_workers"]

    @admin.display(description="Both versions (conflict)")
    def versions(self, row):
        if row.conflict_with_id is None:
            return "—"
        [conflict] = selectors.conflicts(TimeLogOfflineSync.objects.filter(pk=row.pk))
        closer = conflict.ended_by
        ended = (closer.get_full_name() or closer.username) if closer else "someone else"
        outcome = conflict.resolution
        rows = [
            (f"Recorded (ended by {ended})", _fmt(conflict.standing)),
            ("Worker's phone", _fmt(conflict.workers)),
            ("Outcome", "waiting for a choice" if outcome is None else
             "the worker's clock-out taken" if outcome["accepted_worker"] else "the recorded clock-out kept"),
        ]  # fmt: skip
        return format_html("<table>{}</table>", format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows))

    @admin.action(description="Settle the conflict: keep the recorded clock-out", permissions=["lending_admin"])
    def keep_recorded(self, request, queryset):
        self._settle(request, queryset, accept_worker=False)

    @admin.action(description="Settle the conflict: take the worker's offline clock-out", permissions=["lending_admin"])
    def take_workers(self, request, queryset):
        self._settle(request, queryset, accept_worker=True)

    def _settle(self, request, queryset, *, accept_worker: bool):
        def settle(row):
            sync.sync_conflict_resolve(sync_id=row.pk, by=request.user, accept_worker=accept_worker)

        apply_each(self, request, queryset, settle, done="{n} conflict(s) settled; the worker is told.")

    def has_lending_admin_permission(self, request):
        return request.user.has_perm("fulfillment.act_as_lending_admin")


@admin.register(ClockInAcknowledgement)
class AcknowledgementAdmin(ReadOnlyMixin, HistoryAdmin):
    list_display = ("acknowledged_at", "time_log_id", "user", "method")
    list_filter = ("method",)
    list_select_related = ("user",)


class EjectionSeenForm(forms.Form):
    note = forms.CharField(max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))


@admin.register(Ejection)
class EjectionAdmin(ReadOnlyMixin, HistoryAdmin):
    """Members a site sent off within 25 minutes of clocking in: the hall's flag on the dispatch,
    until a dispatcher or an officer takes it up."""

    list_display = ("ejected_at", "member", "employer", "ejected_by", "reason", "seen_at", "seen_by")
    list_filter = (("seen_at", admin.EmptyFieldListFilter), "dispatch__employer")
    list_select_related = ("dispatch__member", "dispatch__employer", "ejected_by", "seen_by")
    search_fields = ("=dispatch__member__card_number", "dispatch__member__last_name", "dispatch__employer__name")
    readonly_fields = ("time_log", "dispatch", "ejected_by", "reason", "ejected_at", "seen_by", "seen_at", "seen_note")
    actions = ["mark_seen"]

    @admin.display(description="Member")
    def member(self, ejection):
        return ejection.dispatch.member

    @admin.display(description="Employer")
    def employer(self, ejection):
        return ejection.dispatch.employer

    @admin.action(description="Taken up by the hall", permissions=["take_up"])
    @with_form(EjectionSeenForm, done="{n} ejection(s) taken up.")
    def mark_seen(self, request, ejection, data):
        timelogs.ejection_mark_seen(ejection_id=ejection.pk, by=request.user, note=data["note"])

    def has_take_up_permission(self, request):
        return request.user.has_perm("fulfillment.change_ejection")
