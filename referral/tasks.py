from celery import shared_task
from django.utils import timezone

from referral import services
from unioncore.audit import system_user


@shared_task(name="referral.tasks.daily_book_maintenance", expires=3 * 3600)
def daily_book_maintenance() -> dict:
    return services.daily_book_maintenance(today=timezone.localdate(), by=system_user())
