"""Django's `flush`, able to empty the append-only tables when run by a PostgreSQL superuser (the
test runner between transactional tests): their TRUNCATE trigger refuses everyone else."""

from django.core.management.base import CommandError
from django.core.management.commands import flush
from django.db import connections

from unioncore.audit import AppendOnlyRefused, emptying_append_only


class Command(flush.Command):
    def handle(self, **options):
        try:
            with emptying_append_only(connections[options["database"]]):
                return super().handle(**options)
        except AppendOnlyRefused as e:
            raise CommandError(str(e)) from e
