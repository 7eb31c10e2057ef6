"""Admin actions that call a service once per selected row.

`apply_each` runs a service for every row and reports what happened: a rule that says no
(`RuleViolation`, `ValidationError`) becomes a warning naming the row, the others go through.
`with_form` is for an action that needs input (a reason, a date): the first POST shows
`admin/action_form.html` with the form and the selected rows, the second POST, with the form
valid, applies the action. Any ModelAdmin can use them::

    @admin.action(description="Check mark (passed a call)", permissions=["change"])
    @with_form(ReasonForm, done="{n} check mark(s) given.")
    def check_mark(self, request, registration, data):
        services.registration_check_mark(registration_id=registration.pk, by=request.user, **data)
"""

import functools
from collections.abc import Callable, Iterable

from django import forms
from django.contrib import messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from simple_history.admin import SimpleHistoryAdmin

from unioncore.errors import RuleViolation

# The hidden field that tells the second POST (apply) from the first (show the form).
APPLY = "_apply_action"


def refusal_message(refused: Exception) -> str:
    if isinstance(refused, RuleViolation):
        return refused.message
    if isinstance(refused, ValidationError):
        return " ".join(refused.messages)
    return str(refused)


def apply_each(modeladmin, request, objects: Iterable, apply: Callable[[object], object], *, done: str) -> int:
    """Call `apply(obj)` for each object, each in the service's own transaction. A refusal is a
    warning naming the object (nothing is written for it); `done` is formatted with `n`, the
    number that went through. Returns that number."""
    n = 0
    for obj in objects:
        try:
            apply(obj)
        except (RuleViolation, ValidationError, PermissionDenied) as refused:
            modeladmin.message_user(request, f"{obj}: {refusal_message(refused)}", messages.WARNING)
        else:
            n += 1
    if n:
        modeladmin.message_user(request, done.format(n=n), messages.SUCCESS)
    return n


def with_form(form_class: type[forms.Form], *, done: str, title: str = "", submit: str = "Apply"):
    """Decorate `apply(modeladmin, request, obj, cleaned_data)` into an admin action that asks
    for `form_class` first. The form's field names must not clash with the changelist's own
    (`action`, `index`, `select_across`, `_selected_action`)."""

    def decorator(apply):
        @functools.wraps(apply)
        def action(modeladmin, request, queryset):
            form = form_class(request.POST if APPLY in request.POST else None)
            if form.is_bound and form.is_valid():
                apply_each(
                    modeladmin,
                    request,
                    queryset,
                    lambda obj: apply(modeladmin, request, obj, form.cleaned_data),
                    done=done,
                )
                return None  # back to the changelist, with the messages
            opts = modeladmin.model._meta
            context = {
                **modeladmin.admin_site.each_context(request),
                "title": title or getattr(action, "short_description", "") or apply.__name__,
                "opts": opts,
                "form": form,
                "queryset": queryset,
                "action_name": apply.__name__,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "apply_field": APPLY,
                "submit_label": submit,
                "media": modeladmin.media + form.media,
            }
            request.current_app = modeladmin.admin_site.name
            return TemplateResponse(request, "admin/action_form.html", context)

        return action

    return decorator


class HistoryAdmin(SimpleHistoryAdmin):
    """The console's base admin: history visible, never reverted from it. simple-history's
    history page accepts a POST that saves an old version (only its button is hidden by
    SIMPLE_HISTORY_REVERT_DISABLED); that would skip the services and their rules, so it is
    refused for everyone — a change goes through the change page or an action."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class ServiceAddMixin:
    """An add page whose form calls the service itself (in its `clean`, so a refusal shows on
    the form) and keeps what it made in `form.<service_result>`; the admin saves nothing. The
    change page is the ordinary (read-only) one. Set `service_add_form` and `service_result`;
    the form class gets `by`, the staff user."""

    service_add_form: type[forms.ModelForm]
    service_result: str

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            return super().get_form(request, obj, change=change, **kwargs)
        form = super().get_form(request, obj, change=change, form=self.service_add_form, **kwargs)
        return type(form.__name__, (form,), {"by": request.user})

    def save_form(self, request, form, change):
        if change:
            raise PermissionDenied  # never reached: no change page that saves, no revert
        return getattr(form, self.service_result)  # made by the service in form.full_clean()

    def save_model(self, request, obj, form, change):
        pass  # saved by the service

    def save_related(self, request, form, formsets, change):
        pass


class NoDeleteMixin:
    def has_delete_permission(self, request, obj=None):
        return False  # the hall's record stays (7-year audit)


class ReadOnlyMixin(NoDeleteMixin):
    """Rows the services write; the console only shows them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        raise PermissionDenied  # never reached (no add or change page, no revert): a belt
