"""Two database roles in production (decision 0039): the tables' owner, which `manage.py migrate`
connects as (MIGRATE_DATABASE_URL), and the app's role (DATABASE_URL), which owns nothing and may
only read and write rows. Owning nothing, the app cannot TRUNCATE, ALTER or DROP a table, nor
disable or drop the triggers that keep the audit history and the ledger append-only."""

import re
from contextlib import contextmanager

import environ
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from psycopg import sql

from unioncore.audit import append_only_tables

CREDENTIALS = ("USER", "PASSWORD", "HOST", "PORT")
ROLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_$]{0,62}")
# The app's rows: read, add, change, remove. No TRUNCATE, REFERENCES or TRIGGER; nothing to own.
TABLE_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"
# On the append-only tables the app keeps SELECT, INSERT and UPDATE: UPDATE only because a row lock
# (SELECT … FOR UPDATE, the ledger's correction) needs it; the trigger refuses every UPDATE itself.
APPEND_ONLY_REVOKED = "DELETE, TRUNCATE, REFERENCES, TRIGGER"


def owner_credentials() -> dict | None:
    """The owner's user, password, host and port from MIGRATE_DATABASE_URL; None when unset (one
    role does everything, as in `make run` and the tests)."""
    url = getattr(settings, "MIGRATE_DATABASE_URL", "")
    if not url:
        return None
    owner = environ.Env.db_url_config(url)
    app = settings.DATABASES["default"]
    if owner["ENGINE"] != app["ENGINE"] or owner["NAME"] != app["NAME"]:
        raise ImproperlyConfigured(
            "MIGRATE_DATABASE_URL must name the same database as DATABASE_URL, as its owner "
            f"(it names {owner['NAME']!r}, DATABASE_URL {app['NAME']!r})."
        )
    return {key: owner.get(key, "") for key in CREDENTIALS}


@contextmanager
def as_owner(alias: str = "default"):
    """Inside the block the `alias` connection signs in as the tables' owner (MIGRATE_DATABASE_URL);
    yields whether it does. For one-process commands (`migrate`, `app_role`)."""
    owner = owner_credentials()
    if owner is None:
        yield False
        return
    connection = connections[alias]
    connection.close()
    saved = {key: connection.settings_dict.get(key) for key in CREDENTIALS}
    connection.settings_dict.update(owner)
    try:
        yield True
    finally:
        connection.close()
        connection.settings_dict.update(saved)


def app_role_name() -> str:
    return settings.DATABASES["default"].get("USER") or ""


def _identifier(name: str) -> sql.Identifier:
    if not ROLE_NAME.fullmatch(name):
        raise ValueError(f"{name!r} is not a role name this command writes (letters, digits, _ and $).")
    return sql.Identifier(name)


def app_role_statements(cursor, *, role: str, create: bool = False, password: str = "") -> list[str]:
    """The SQL that gives `role` the app's rights on this database, run by the tables' owner:
    `create` makes the role first (the owner needs CREATEROLE, or a DBA runs the SQL)."""
    connection = cursor.connection
    cursor.execute("SELECT current_user, current_database()")
    owner, database = cursor.fetchone()
    app, owner_id = _identifier(role), _identifier(owner)
    statements = []
    if create:
        login = sql.SQL("LOGIN PASSWORD {}").format(sql.Literal(password)) if password else sql.SQL("LOGIN")
        statements.append(
            sql.SQL("CREATE ROLE {} {} NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS").format(
                app, login
            )
        )
    statements += [
        sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database), app),
        sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(app),
        sql.SQL("GRANT {} ON ALL TABLES IN SCHEMA public TO {}").format(sql.SQL(TABLE_PRIVILEGES), app),
        sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(app),
        # Tables the owner makes later (the next migrate) come with the same rights.
        sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA public GRANT {} ON TABLES TO {}").format(
            owner_id, sql.SQL(TABLE_PRIVILEGES), app
        ),
        sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {}").format(
            owner_id, app
        ),
    ]
    tables = append_only_tables(cursor)
    if tables:
        statements.append(
            sql.SQL("REVOKE {} ON {} FROM {}").format(
                sql.SQL(APPEND_ONLY_REVOKED), sql.SQL(", ").join(sql.Identifier(t) for t in tables), app
            )
        )
    return [statement.as_string(connection) for statement in statements]


def role_exists(cursor, role: str) -> bool:
    cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = %s)", [role])
    return cursor.fetchone()[0]


def app_role_problems(cursor, *, role: str) -> list[str]:
    """What would let `role` change the tables themselves: owning any of them (or the schema, or
    the database), acting as their owner, a superuser's rights, or creating tables of its own."""
    cursor.execute("SELECT current_user")
    (owner,) = cursor.fetchone()
    if role == owner:
        return [
            f"the app's role {role!r} is the role signed in (MIGRATE_DATABASE_URL, else DATABASE_URL): the tables' "
            "owner and the app must be two roles."
        ]
    cursor.execute(
        "SELECT rolsuper, rolbypassrls, rolcreaterole, pg_has_role(%s, %s, 'MEMBER'), "
        "has_schema_privilege(%s, 'public', 'CREATE'), "
        "(SELECT count(*) FROM pg_class c WHERE c.relowner = r.oid AND c.relnamespace = 'public'::regnamespace), "
        "(SELECT count(*) FROM pg_namespace n WHERE n.nspowner = r.oid), "
        "(SELECT count(*) FROM pg_database d WHERE d.datdba = r.oid AND d.datname = current_database()) "
        "FROM pg_roles r WHERE r.rolname = %s",
        [role, owner, role, role],
    )
    found = cursor.fetchone()
    if found is None:
        return [f"there is no role {role!r}: run `manage.py app_role --create` (or its --sql as a DBA)."]
    superuser, bypass_rls, create_role, owner_member, creates, tables, schemas, databases = found
    problems = []
    if superuser:
        problems.append(f"{role!r} is a superuser.")
    if bypass_rls or create_role:
        problems.append(f"{role!r} may create roles or bypass row security.")
    if owner_member:
        problems.append(f"{role!r} is a member of the owner {owner!r} (it could act as the owner).")
    if creates:
        problems.append(f"{role!r} may create tables in schema public: REVOKE CREATE ON SCHEMA public FROM PUBLIC.")
    if tables or schemas or databases:
        problems.append(
            f"{role!r} owns {tables} tables, {schemas} schemas, {databases} databases: "
            f"REASSIGN OWNED BY {role} TO {owner} (as a superuser)."
        )
    return problems
