"""manage.py import_laborpower <kind> <file.csv> [--dry-run] [--report errors.csv] [--user USERNAME]
[--option name=value ...]"""

import sys
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from unioncore.audit import system_user
from unioncore.imports import KINDS, ensure_may_import, run, write_error_report
from unioncore.imports.base import by_line
from unioncore.models import User


class Command(BaseCommand):
    help = "Import one LaborPower CSV export: all rows or none (see docs/imports.md)."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=list(KINDS))
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Validate and report; write nothing.")
        parser.add_argument("--report", type=Path, help="Write the rejected rows to this CSV file.")
        parser.add_argument("--user", help="The staff user the history rows name (default: the system user).")
        parser.add_argument(
            "--option",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="One of the kind's options (repeatable; see docs/imports.md).",
        )

    def handle(self, *args, kind, file, dry_run, report, user, option, **options):
        given = {}
        for pair in option:
            name, sep, value = pair.partition("=")
            if not sep or not name.strip():
                raise CommandError(f"--option {pair!r}: write NAME=VALUE.")
            given[name.strip()] = value.strip()
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        if user:
            try:
                by = User.objects.get(username=user)
            except User.DoesNotExist:
                raise CommandError(f"No user {user!r}.") from None
            # The named user must hold the kind's permissions, as on the admin page (decision
            # 0037). Without --user the system user acts: whoever runs the command has the server.
            try:
                ensure_may_import(kind, by, dry_run=dry_run)
            except PermissionDenied as e:
                raise CommandError(str(e)) from None
        else:
            by = system_user()
        result = run(kind, file.read_bytes(), by=by, dry_run=dry_run, options=given, progress=sys.stderr.isatty())
        if report:
            with report.open("w", newline="", encoding="utf-8") as out:
                write_error_report(result.errors, out, result.warnings)
        for note in by_line([*result.errors, *result.warnings]):
            value = f" ({note.value!r})" if note.value else ""
            self.stderr.write(f"line {note.line}, {note.column}{value}: {note.severity}: {note.reason}")
        if result.options:
            used = ", ".join(f"{name}={value}" for name, value in result.options.items())
            self.stdout.write(f"Options: {used}.")
        if result.errors:
            raise CommandError(result.summary())
        self.stdout.write(self.style.SUCCESS(result.summary()))
