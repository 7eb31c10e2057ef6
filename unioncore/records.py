"""Saving one plain record (a steward, a traveler, a COPE checkoff …) from a service: the fields
a service allows, the model's checks and constraints, plausible dates, the acting user in its
history. The service owns the transaction and any lock."""

from datetime import date

from django.core.exceptions import ValidationError

from unioncore.dates import UNTIL, implausible


def record_save(model, *, pk: int | None, by, fields: dict, allowed: tuple[str, ...]):
    """Create (`pk` None) or change one row of `model`: only `allowed` fields, every check of the
    model and its constraints (a ValidationError names the field; nothing is written then)."""
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"not {model._meta.model_name} fields: {', '.join(sorted(unknown))}")
    row = model() if pk is None else model.objects.select_for_update().get(pk=pk)
    for name, value in fields.items():
        setattr(row, name, value)
    wrong = {n: implausible(v, UNTIL) for n, v in fields.items() if isinstance(v, date)}
    if any(wrong.values()):  # 12/31/9999 is a typing mistake (decision 0037)
        raise ValidationError({n: reason for n, reason in wrong.items() if reason})
    row.full_clean()
    row._history_user = by
    row.save()
    return row
