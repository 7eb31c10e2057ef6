from celery import shared_task
from django.utils import timezone

from referral import services
from unioncore.audit import system_user


@shared_task(name="referral.tasks.daily_book_maintenance", expires=3 * 3600)
def daily_book_maintenance() -> dict:
    return services.daily_book_maintenance(today=timezone.localdate(), by=system_user())


@shared_task(name="referral.tasks.re_sign_reminders", expires=3 * 3600)
def re_sign_reminders() -> int:
    """Each morning: the members whose re-sign window is open, or who have 3 days left, are told."""
    return services.re_sign_reminders(today=timezone.localdate())


@shared_task(name="referral.tasks.complete_morning_referral", expires=3600)
def complete_morning_referral() -> int:
    """10:00 on working days: the Inside Wireperson Book 1 referral counts as complete if no
    dispatcher marked it, and the registrations held until then are processed."""
    return services.morning_referral_fallback(now=timezone.now(), by=system_user())
