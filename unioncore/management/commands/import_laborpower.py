"""manage.py import_laborpower <kind> <file.csv> [--dry-run] [--report errors.csv] [--user USERNAME]"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from unioncore.audit import system_user
from unioncore.laborpower import KINDS, run, write_error_report
from unioncore.models import User


class Command(BaseCommand):
    help = "Import one LaborPower CSV export: all rows or none (see docs/imports.md)."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=list(KINDS))
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Validate and report; write nothing.")
        parser.add_argument("--report", type=Path, help="Write the rejected rows to this CSV file.")
        parser.add_argument("--user", help="The staff user the history rows name (default: the system user).")

    def handle(self, *args, kind, file, dry_run, report, user, **options):
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        if user:
            try:
                by = User.objects.get(username=user)
            except User.DoesNotExist:
                raise CommandError(f"No user {user!r}.") from None
        else:
            by = system_user()
        result = run(kind, file.read_bytes(), by=by, dry_run=dry_run, progress=sys.stderr.isatty())
        if report:
            with report.open("w", newline="", encoding="utf-8") as out:
                write_error_report(result.errors, out)
        for error in sorted(result.errors, key=lambda e: (e.line, e.column)):
            value = f" ({error.value!r})" if error.value else ""
            self.stderr.write(f"line {error.line}, {error.column}{value}: {error.reason}")
        if result.errors:
            raise CommandError(result.summary())
        self.stdout.write(self.style.SUCCESS(result.summary()))
