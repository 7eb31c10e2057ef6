"""Give the app's database role its rights, connected as the tables' owner (decision 0039):
rows only (SELECT, INSERT, UPDATE, DELETE; no DELETE on the append-only tables), the same on the
tables later migrations make, and a check that it owns nothing.

    manage.py app_role            # grant and check; the role is DATABASE_URL's user
    manage.py app_role --create   # make the role first (LOGIN, DATABASE_URL's password)
    manage.py app_role --sql      # print the statements for a DBA instead of running them
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection, transaction

from unioncore import database_roles


class Command(BaseCommand):
    help = "Grant the app's database role row rights only (run after migrate; `migrate` does it too)."

    def add_arguments(self, parser):
        parser.add_argument("--role", help="The app's role (default: the user of DATABASE_URL).")
        parser.add_argument("--create", action="store_true", help="Create the role (LOGIN) first.")
        parser.add_argument("--sql", action="store_true", help="Print the SQL, change nothing.")

    def handle(self, *args, role=None, create=False, sql=False, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Database roles are PostgreSQL's: the SQLite of `make run` has one user.")
        # Read before signing in as the owner: the connection's settings then hold the owner's.
        role = role or database_roles.app_role_name()
        password = connection.settings_dict.get("PASSWORD") or ""
        if not role:
            raise CommandError("Name the app's role: DATABASE_URL has no user, give --role.")
        with database_roles.as_owner(), transaction.atomic(), connection.cursor() as cursor:
            if create and database_roles.role_exists(cursor, role):
                self.stdout.write(f"The role {role} exists already.")
                create = False
            try:
                statements = database_roles.app_role_statements(cursor, role=role, create=create, password=password)
            except ValueError as e:
                raise CommandError(str(e)) from e
            if sql:
                self.stdout.write(";\n".join(statements) + ";")
                return
            try:
                for statement in statements:
                    cursor.execute(statement)
            except DatabaseError as e:
                hint = "Run `manage.py app_role --sql` (with --create if needed) and give its SQL to a DBA."
                raise CommandError(f"{e}".strip() + "\n" + hint) from e
            problems = database_roles.app_role_problems(cursor, role=role)
        if problems:
            raise CommandError("The app's role can still change the tables themselves:\n- " + "\n- ".join(problems))
        self.stdout.write(f"The role {role} may read and write rows, and owns nothing.")
