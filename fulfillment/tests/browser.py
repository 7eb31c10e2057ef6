"""Helpers for browser tests on the live server."""

import importlib

from django.apps import apps


def reload_seed_rows() -> None:
    """The rows data migrations load (referral books, holidays), again: a transactional test's
    flush deletes them, and `serialized_rollback` does not bring them back once Playwright's
    sync API runs its event loop in the test thread (asgiref then keeps Django's connections in
    context variables: a new connection object, without the contents serialized at setup).
    Idempotent: the migration only adds what is missing."""
    migration = importlib.import_module("referral.migrations.0002_books_holidays_append_only")
    migration.forwards(apps, None)
