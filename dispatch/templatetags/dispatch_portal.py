"""Template filters of the member's job pages."""

from django import template

from dispatch import selectors

register = template.Library()


@register.filter
def bidding(job_request) -> selectors.Bidding:
    """`{% with bidding=job|bidding %}`: "Opens at …", "Open until …" or "Closed", now."""
    return selectors.bidding_status(job_request)
