"""`{% load portal %}`: what the portal layout needs to know about the visitor."""

from django import template
from django.forms import BaseForm
from django.utils.safestring import mark_safe

from unioncore.portal.access import user_kind

register = template.Library()


@register.filter
def portal_kind(user) -> str:
    """ "member", "employer", "staff" or ""."""
    return user_kind(user) or ""


@register.simple_tag(takes_context=True)
def nav_current(context, url: str) -> str:
    """`aria-current="page"` on the link to the page being shown."""
    request = context.get("request")
    if url and request is not None and request.path == url:
        return mark_safe('aria-current="page"')
    return ""


def forms_with_errors(context) -> list:
    """The bound forms of the page that were refused, each once, in the order the view gave them."""
    seen, found = set(), []
    for value in context.flatten().values():
        if isinstance(value, BaseForm) and value.is_bound and value.errors and id(value) not in seen:
            seen.add(id(value))
            found.append(value)
    return found


@register.simple_tag(takes_context=True)
def error_title(context) -> str:
    """ "Error: " before the page title when a form on it was refused: the first thing a screen
    reader says after the reload, and what a phone shows in the tab (issue 25)."""
    return "Error: " if forms_with_errors(context) else ""


@register.inclusion_tag("portal/includes/error_summary.html", takes_context=True)
def error_summary(context) -> dict:
    """Every error of every refused form on the page, at the top of the page, each field's error
    a link to its input. One place for all portal forms: the view only puts its form in the
    context, as it already does."""
    errors = []
    for form in forms_with_errors(context):
        errors += [{"text": error} for error in form.non_field_errors()]
        for field in form:
            if field.is_hidden:
                errors += [{"text": error} for error in field.errors]
            else:
                errors += [{"text": error, "label": field.label, "to": field.id_for_label} for error in field.errors]
    return {"errors": errors}
