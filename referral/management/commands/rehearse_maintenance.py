"""manage.py rehearse_maintenance [--date YYYY-MM-DD] [--csv out.csv]

The cut-over rehearsal: what the nightly book maintenance of a day (default: the next business
day's run) would do — per book the counts per reason, then every registration it would roll off
or whose exemption would end, and why. It changes nothing (selectors.maintenance_plan)."""

import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from referral import selectors
from referral.admin_views import RANGE, write_plan_csv


def _day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date {value!r}: write the day as YYYY-MM-DD.") from None


class Command(BaseCommand):
    help = "Show what the next nightly book maintenance would do (who rolls off, from which book, why); change nothing."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="The run of this day, YYYY-MM-DD (default: the next business day's).")
        parser.add_argument("--csv", type=Path, help="Also write every action to this CSV file.")

    def handle(self, *args, date, csv, **options):
        today = timezone.localdate()
        day = _day(date) if date else selectors.next_maintenance_day(today=today)
        if not today - RANGE <= day <= today + RANGE:
            raise CommandError(f"--date {day}: choose a day within a year of today ({today}).")
        plan = selectors.maintenance_plan(day=day)
        if csv:
            try:
                with csv.open("w", newline="", encoding="utf-8") as out:
                    write_plan_csv(plan, out)
            except OSError as error:
                raise CommandError(f"--csv {csv}: {error.strerror}.") from None
        self.stdout.write(f"The nightly run of {day:%A %Y-%m-%d} (nothing is changed):")
        if not plan.business_day:
            self.stdout.write("No run: a weekend day or a holiday.")
            return
        for book_plan in plan.books:
            if book_plan.already_run:
                self.stdout.write(f"{book_plan.book.code}: already ran on {day}; a second run does nothing.")
                continue
            counts = book_plan.counts()
            said = ", ".join(
                f"{selectors.STEP_LABELS[step].lower()}: {counts[name]}"
                for step, name in selectors.MAINTENANCE_STEPS.items()
                if counts[name]
            )
            self.stdout.write(f"{book_plan.book.code}: {said or 'nothing to do'}")
            for action in book_plan.actions:
                registration = action.registration
                self.stdout.write(
                    f"  {'roll off' if action.rolls_off else 'end exemption'}: {action.member_name} "
                    f"(card {registration.member.card_number}) on {registration.book.code} at APN {registration.apn} "
                    f"— {action.label}, {action.due_label} {action.due}"
                )
        total = len(plan.roll_offs)
        self.stdout.write(
            self.style.SUCCESS(f"{total} roll-off{'s' if total != 1 else ''}, {len(plan.actions)} change(s) in all.")
        )
