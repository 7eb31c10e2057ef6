from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from unioncore.audit import acting_as, system_user

# Each part adds its demo data here, in dependency order.
SEEDERS = ("unioncore.demo", "members.demo", "referral.demo", "dispatch.demo", "fulfillment.demo")


class Command(BaseCommand):
    help = (
        "Load the demo data (staff, members with ledgers, registrations on the books, employers with their "
        "requests and dispatches). Running it twice adds nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off (never on production)")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("seed_demo prints its passwords: it runs only with DEBUG on (or --force).")
        actor = system_user()
        logins = []
        with transaction.atomic(), acting_as(actor):
            for path in SEEDERS:
                logins += import_module(path).seed(by=actor)
        self.stdout.write(self.style.SUCCESS("Demo logins"))
        width = max(len(who) for who, _, _ in logins)
        for who, username, password in logins:
            self.stdout.write(f"  {who:<{width}}  {username:<12}  {password}")
