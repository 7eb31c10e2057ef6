"""The CSV import framework (issue 10, moved by issue 17): reading an export, checking every
row, the report (errors and warnings, line by line), writing it all in one transaction or
nothing (COPY with history rows on PostgreSQL), the admin page's jobs, the command.

It imports no domain app: each app owns its kinds and registers them from its
`AppConfig.ready()` — `register(Members(), label="Members", order=10)` (decision 0026).
`run(kind, data, by=…)` imports one file of a registered kind. See docs/imports.md."""

from django.core.exceptions import PermissionDenied

from unioncore.imports.base import (
    CHANGE_REASON,
    ImportReport,
    Kind,
    RowError,
    by_line,
    run_import,
    write_error_report,
)

KINDS: dict[str, Kind] = {}  # name -> kind, in the order the staff import them
LABELS: dict[str, str] = {}
_ORDER: dict[str, int] = {}


def register(kind: Kind, *, label: str = "", order: int = 100) -> Kind:
    """Make a kind importable (command, admin page, `run`). Kinds are listed by `order`
    (then name); registering a name again replaces it (a test's stand-in)."""
    if not kind.name:
        raise ValueError(f"{type(kind).__name__} has no name.")
    if not kind.permissions:
        raise ValueError(f"{type(kind).__name__} declares no permissions: who may import it? (decision 0037)")
    kind.check_permissions = kind.check_permissions or kind.permissions
    _ORDER[kind.name] = order
    LABELS[kind.name] = label or kind.name.capitalize()
    KINDS[kind.name] = kind
    ordered = sorted(KINDS.values(), key=lambda k: (_ORDER[k.name], k.name))
    KINDS.clear()
    KINDS.update((k.name, k) for k in ordered)
    return kind


def unregister(name: str) -> None:
    KINDS.pop(name, None)
    LABELS.pop(name, None)
    _ORDER.pop(name, None)


def kind_label(name: str) -> str:
    return LABELS.get(name, name.capitalize())


def may_import(kind: str, user, *, dry_run: bool = False) -> bool:
    """Whether `user` may import a file of this kind (or, `dry_run`, check one): the kind's
    permissions, on an active account (decision 0037)."""
    found = KINDS.get(kind)
    if found is None or user is None or not user.is_active:
        return False
    return user.has_perms(found.check_permissions if dry_run else found.permissions)


def ensure_may_import(kind: str, user, *, dry_run: bool = False) -> None:
    """PermissionDenied, saying who may not do what, unless `may_import`."""
    if not may_import(kind, user, dry_run=dry_run):
        raise PermissionDenied(f"{user} may not {'check' if dry_run else 'import'} {kind_label(kind)} files.")


def run(
    kind: str,
    data: bytes,
    *,
    by,
    dry_run: bool = False,
    options: dict | None = None,
    progress: bool = False,
    on_progress=None,
) -> ImportReport:
    return run_import(
        KINDS[kind], data, by=by, dry_run=dry_run, options=options, progress=progress, on_progress=on_progress
    )


__all__ = [
    "CHANGE_REASON",
    "KINDS",
    "ImportReport",
    "Kind",
    "RowError",
    "by_line",
    "ensure_may_import",
    "kind_label",
    "may_import",
    "register",
    "run",
    "unregister",
    "write_error_report",
]
