"""One-button actions of the portal (re-sign, bid, accept, clock in, ...): call the service, say
what happened, go back. Without JavaScript it is a POST and a redirect; with HTMX a request may
ask for just the piece of the page that changed (`partial`)."""

from collections.abc import Callable

from django.contrib import messages
from django.shortcuts import redirect, render

from unioncore.errors import RuleViolation
from unioncore.portal.forms import show_violation


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def wants_partial(request) -> bool:
    """An HTMX request for one piece of the page (not a boosted whole-page navigation)."""
    return is_htmx(request) and request.headers.get("HX-Boosted") != "true"


def run_action(
    request,
    action: Callable[[], object],
    *,
    success: str,
    back: str,
    partial: Callable[[], tuple[str, dict]] | None = None,
):
    """Run `action` (a service call). Its RuleViolation becomes an error message beside the
    page's other messages; success a confirmation. `partial()` returns (template, context) of
    the piece to send back to an HTMX request."""
    try:
        action()
    except RuleViolation as refused:
        messages.error(request, refused.message)
        failed = True
    else:
        messages.success(request, success)
        failed = False
    if partial is not None and wants_partial(request):
        template, context = partial()
        context = {**context, "failed": failed}
        return render(request, template, context)  # 200 either way: HTMX swaps only 2xx
    return redirect(back)


def run_form_action(
    request,
    form,
    action: Callable[[dict], object],
    *,
    success: str | Callable[[object], str],
    back: str,
    again: Callable[[], object],
    place_violation: Callable = show_violation,
):
    """A form posted to a service (`run_action` with a form). When the form is valid,
    `action(cleaned_data)` runs: its RuleViolation lands on the form (`place_violation`), success
    is confirmed (`success`, or `success(what the action returned)`) with a redirect to `back`.
    Otherwise `again()` answers: the page once more, the form's errors in place."""
    if form.is_valid():
        try:
            result = action(form.cleaned_data)
        except RuleViolation as refused:
            place_violation(form, refused)
        else:
            messages.success(request, success(result) if callable(success) else success)
            return redirect(back)
    return again()
