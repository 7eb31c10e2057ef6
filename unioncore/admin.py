from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils import timezone
from knox.models import AuthToken

from unioncore import services
from unioncore.admin_actions import HistoryAdmin, ReadOnlyMixin
from unioncore.forms import StaffLoginForm, UserAddForm, UserEditForm
from unioncore.imports import admin_views  # noqa: F401  (registers the LaborPower import page)
from unioncore.models import LoginLink, User
from unioncore.selectors import normalize_phone

admin.site.login_form = StaffLoginForm


class LockedFilter(admin.SimpleListFilter):
    title = "login lock"
    parameter_name = "locked"

    def lookups(self, request, model_admin):
        return [("yes", "Locked now"), ("no", "Not locked")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "yes":
            return queryset.filter(locked_until__gt=now)
        if self.value() == "no":
            return queryset.exclude(locked_until__gt=now)
        return queryset


class DeviceInline(admin.TabularInline):
    """The user's phone-app devices: one knox token per login (decision 0016). Shown by the start
    of the key, when it was made and when it expires (the digest only as the row's hidden id). "Delete" signs that
    device out (through the service, recorded in the user's history); no one adds one here."""

    model = AuthToken
    template = "admin/unioncore/device_inline.html"
    verbose_name = "phone-app device"
    verbose_name_plural = "Phone-app devices (signed in through the API)"
    fields = ("device", "created", "expiry")
    readonly_fields = fields
    extra = 0
    ordering = ("-created",)

    @admin.display(description="Key starts")
    def device(self, token):
        return f"{token.token_key[:6]}…"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("unioncore.change_user")

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm("unioncore.change_user")


@admin.register(User)
class UserAdmin(HistoryAdmin, DjangoUserAdmin):
    form = UserEditForm
    add_form = UserAddForm
    list_display = ("username", "full_name", "kind", "phone", "email", "is_staff", "is_active", "lock_state")
    list_filter = ("kind", LockedFilter, "is_staff", "is_active", "groups")
    search_fields = ("username", "first_name", "last_name", "email", "phone")
    ordering = ("username",)
    readonly_fields = ("locked_until", "failed_login_count", "last_login", "date_joined")
    actions = ["clear_login_lock", "sign_out_devices"]
    inlines = [DeviceInline]
    fieldsets = (
        (None, {"fields": ("username", "password", "kind")}),
        ("Contact", {"fields": ("first_name", "last_name", "phone", "email")}),
        ("Login lock", {"fields": ("locked_until", "failed_login_count")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "kind", "phone", "email", "password1", "password2")}),
    )

    @admin.display(description="Name", ordering="last_name")
    def full_name(self, user):
        return user.get_full_name()

    @admin.display(description="Locked", boolean=False)
    def lock_state(self, user):
        if not user.is_locked:
            return "—"
        return f"until {timezone.localtime(user.locked_until):%H:%M}"

    @admin.action(description="Clear the login lock", permissions=["change"])
    def clear_login_lock(self, request, queryset):
        for user in queryset:
            services.user_unlock(user_id=user.pk, by=request.user)
        self.message_user(request, f"Login lock cleared for {queryset.count()} account(s).", messages.SUCCESS)

    @admin.action(description="Sign out of the phone app on every device", permissions=["change"])
    def sign_out_devices(self, request, queryset):
        revoked = sum(
            services.api_tokens_revoke(user_id=user.pk, by=request.user, reason="Signed out from the console")
            for user in queryset
        )
        self.message_user(request, f"{revoked} phone-app device(s) signed out.", messages.SUCCESS)

    def save_formset(self, request, form, formset, change):
        if formset.model is not AuthToken:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)  # sorts out the rows marked "Delete"; they go through the service
        digests = [token.digest for token in formset.deleted_objects]
        if digests:
            services.api_tokens_revoke(
                user_id=form.instance.pk, by=request.user, digests=digests, reason="Signed out from the console"
            )
        return None

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        # Accounts are deactivated, never deleted: their history must stay (7-year audit).
        return False


class LoginLinkStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("waiting", "Waiting"), ("used", "Used"), ("expired", "Expired unused")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "waiting":
            return queryset.filter(used_at__isnull=True, expires_at__gt=now)
        if self.value() == "used":
            return queryset.filter(used_at__isnull=False)
        if self.value() == "expired":
            return queryset.filter(used_at__isnull=True, expires_at__lte=now)
        return queryset


# knox's own page lists token digests and lets anyone with the permission mint a token for any
# user (a way to act as them); the devices are on each user's page instead.
if admin.site.is_registered(AuthToken):
    admin.site.unregister(AuthToken)


@admin.register(LoginLink)
class LoginLinkAdmin(ReadOnlyMixin, HistoryAdmin):
    """The sign-in links texted to members (docs/decisions/0017): who asked when, and whether the
    link was used. Written only by unioncore.services.login_link_send and deleted only by the
    prune (0025); the digest of the key is never shown."""

    list_display = ("user", "created_at", "expires_at", "used_at", "state")
    list_select_related = ("user",)
    list_filter = (LoginLinkStateFilter, "created_at", "expires_at", "used_at")
    search_fields = ("user__username", "user__phone")
    ordering = ("-created_at", "-id")
    fields = ("user", "created_at", "expires_at", "used_at", "state")
    readonly_fields = fields

    @admin.display(description="State")
    def state(self, link):
        if link.used_at is not None:
            return "used"
        if link.expires_at <= timezone.now():
            return "expired"
        return "waiting"

    def get_search_results(self, request, queryset, search_term):
        """Also finds a phone number as staff write it ("206-555-0177"): it is stored in E.164."""
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        phone = normalize_phone(search_term)
        if phone is not None:
            found = found | queryset.filter(user__phone=phone)
        return found, may_have_duplicates
