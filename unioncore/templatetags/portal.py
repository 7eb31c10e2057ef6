"""`{% load portal %}`: what the portal layout needs to know about the visitor."""

from django import template
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
