"""Cells a spreadsheet will not evaluate, and sheet titles Excel accepts (issue 20, decision 0037).

Every export — the reports' Excel files (data, totals, the Report sheet and its filters), the
CSV downloads, the import's errors.csv — writes its values through `neutralise`: a member's,
an employer's or a file's text starting with `=`, `+`, `-`, `@`, a tab or a carriage return
would otherwise be a formula when the file is opened (a HYPERLINK that sends the sheet's
cells away). It gets an apostrophe in front, as OWASP advises, in Excel and CSV alike. Typed
values (numbers, dates) are never text here and stay typed; text that is a plain number
("-12.50", "+12065550134") is read as that number, never as a formula, and stays as it is."""

import re
from collections.abc import Iterable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")

# Excel's rules for a sheet's name: none of these characters, 1 to 31 characters, no apostrophe
# first or last, and "History" is its own.
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_TITLE_MAX = 31
SHEET_TITLE_RESERVED = {"history"}


def neutralise(value):
    """The value as a cell no spreadsheet evaluates: formula-like text with an apostrophe in
    front; anything else as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def neutralised(values: Iterable) -> list:
    """A row of cells, each through `neutralise`."""
    return [neutralise(value) for value in values]


def sheet_title(text: str, *, taken: Iterable[str] = ()) -> str:
    """`text` as a sheet name Excel accepts (a forbidden character becomes "-", cut to 31
    characters), numbered when the workbook has it already (`taken`, any case)."""
    title = SHEET_TITLE_FORBIDDEN.sub("-", text).strip().strip("'").strip()[:SHEET_TITLE_MAX].strip() or "Sheet"
    used = {t.casefold() for t in taken} | SHEET_TITLE_RESERVED
    n = 0
    candidate = title
    while candidate.casefold() in used:
        n += 1
        suffix = f" ({n})"
        candidate = title[: SHEET_TITLE_MAX - len(suffix)].rstrip() + suffix
    return candidate
