from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path

from unioncore.admin_actions import HistoryAdmin, ReadOnlyMixin, apply_each
from unioncore.notifications import catalogue, services
from unioncore.notifications.enums import OptOutVia
from unioncore.notifications.models import Notification, SmsOptOut


@admin.register(Notification)
class NotificationAdmin(ReadOnlyMixin, HistoryAdmin):
    """The outbox, and the catalogue of every message kind the apps send (for staff to read)."""

    change_list_template = "admin/notifications/notification/change_list.html"
    list_display = (
        "created_at", "kind", "cycle", "channel", "recipient", "status", "not_before", "sent_at", "about_id", "error",
    )  # fmt: skip
    list_filter = ("status", "channel", "kind")
    search_fields = ("recipient__username", "recipient__phone", "kind")
    list_select_related = ("recipient",)
    readonly_fields = (
        "about_id", "recipient", "channel", "kind", "cycle", "body", "link", "status", "attempts", "error",
        "fallback_of", "created_at", "not_before", "sent_at",
    )  # fmt: skip

    def get_urls(self):
        view = self.admin_site.admin_view(self.catalogue_view)
        return [path("messages/", view, name="notifications_catalogue"), *super().get_urls()]

    def catalogue_view(self, request):
        """Every message kind: its app, subject, text template, and whether it is critical."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": "Message texts",
            "opts": self.model._meta,
            "kinds": catalogue.kinds(),
            "quiet_from": settings.SMS_QUIET_FROM,
            "quiet_until": settings.SMS_QUIET_UNTIL,
        }
        return TemplateResponse(request, "admin/notifications/catalogue.html", context)


@admin.register(SmsOptOut)
class SmsOptOutAdmin(ReadOnlyMixin, HistoryAdmin):
    """Who asked for no texts (STOP), and who asked for them again (START); the history keeps
    every answer. The actions record an answer given to the hall (by phone, at the counter)."""

    list_display = ("user", "opted_out", "via", "changed_at")
    list_filter = ("opted_out", "via")
    search_fields = ("user__username", "user__phone", "user__last_name")
    list_select_related = ("user",)
    readonly_fields = ("user", "opted_out", "via", "changed_at")
    actions = ["stop_texts", "texts_again"]

    def has_change_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm("notifications.change_smsoptout"):
            actions.pop("stop_texts", None)
            actions.pop("texts_again", None)
        return actions

    @admin.action(description="No texts (the member asked the hall)")
    def stop_texts(self, request, queryset):
        apply_each(
            self, request, queryset.select_related("user"),
            lambda choice: services.sms_opt_out(user=choice.user, by=request.user, via=OptOutVia.CONSOLE),
            done="{n} set to no texts.",
        )  # fmt: skip

    @admin.action(description="Texts again (the member asked the hall)")
    def texts_again(self, request, queryset):
        apply_each(
            self, request, queryset.select_related("user"),
            lambda choice: services.sms_opt_in(user=choice.user, by=request.user, via=OptOutVia.CONSOLE),
            done="{n} set to texts again.",
        )  # fmt: skip
