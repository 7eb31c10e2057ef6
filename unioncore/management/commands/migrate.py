"""Django's `migrate`, signed in as the tables' owner when MIGRATE_DATABASE_URL is set (decision
0039): the app's own role (DATABASE_URL) owns nothing and could not create or alter a table.
After migrating, the app's role gets its row rights on whatever the migrations made."""

from django.core.management.commands import migrate
from django.db import connections, transaction

from unioncore import database_roles


class Command(migrate.Command):
    def handle(self, *args, **options):
        alias = options["database"]
        role = database_roles.app_role_name() if alias == "default" else ""
        with database_roles.as_owner(alias) as owner:
            result = super().handle(*args, **options)
            if owner and role:
                self._grant_app_role(connections[alias], role)
        return result

    def _grant_app_role(self, connection, role: str) -> None:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            if not database_roles.role_exists(cursor, role):
                self.stderr.write(f"The app's role {role} does not exist: run `manage.py app_role --create`.")
                return
            for statement in database_roles.app_role_statements(cursor, role=role):
                cursor.execute(statement)
            problems = database_roles.app_role_problems(cursor, role=role)
        for problem in problems:
            self.stderr.write(self.style.WARNING(f"Database roles: {problem}"))
        if not problems and self.verbosity > 0:
            self.stdout.write(f"The app's role {role} may read and write the rows of every table, and owns nothing.")
