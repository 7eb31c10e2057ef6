"""The PDF and the Excel file of any report, from its declaration (reports/framework.py).

PDF: WeasyPrint, letter landscape; the local's header, the report's title, its filters and the
time it was printed on every page (a running header), "Page x of y" from the @page counters,
the table's header repeated on every page.

Excel: openpyxl in write-only mode (rows stream to disk: memory does not grow with the row
count); typed cells — APN a number shown with 2 decimals, dates as dates, money as currency —
the header row frozen and an autofilter over the data; the totals below the data, outside the
filter; a second sheet names the report, its filters and when it was printed.
"""

from collections.abc import Callable
from typing import BinaryIO

from django.template.loader import render_to_string
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from reports.framework import Column, Report, local_name
from unioncore.spreadsheets import neutralise, neutralised, sheet_title

NUMBER_FORMATS = {
    "int": "#,##0",
    "apn": "0.00",
    "money": '"$"#,##0.00',
    "hours": "#,##0.00",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
    "timestamp": "yyyy-mm-dd hh:mm:ss",
    "number": "0",
}
WIDTHS = {
    "int": 10, "number": 9, "apn": 11, "money": 14, "hours": 10, "date": 12, "datetime": 17, "timestamp": 20,
    "bool": 8, "text": 22,
}  # fmt: skip
PROGRESS_EVERY = 1000

Progress = Callable[[int], None] | None


def _printed_at():
    return timezone.localtime()


def _every(on_progress: Progress) -> Progress:
    if on_progress is None:
        return None
    return lambda n: on_progress(n) if n % PROGRESS_EVERY == 0 else None


# --- PDF ---


# Above this many rows the PDF lays each row out as one monospaced line (a line-printer
# report, as LaborPower printed them): WeasyPrint lays out a table cell in about half a
# millisecond, so 2,000 rows of 8 cells take seconds more than 2,000 lines.
PDF_CELL_ROWS = 500
LINE_TEXT_WIDTH = 28  # characters a text column may take in the line layout
LINES_PER_BLOCK = 40  # rows printed as one block of text (a block may run on to the next page)


def pdf_html(report: type[Report], rows, *, filters: list[tuple[str, str]], on_progress: Progress = None) -> str:
    shown = report.shown_columns()
    body = []  # (kind, cells or heading)
    row_count = 0
    for item in report.layout(rows, on_row=_every(on_progress)):
        kind = item[0]
        if kind == "row":
            row_count += 1
            body.append(("row", [_cell(c, v) for c, v in zip(shown, item[1], strict=True)]))
        elif kind == "group":
            body.append(("group", item[1]))
        else:
            totals = item[-1]
            label = f"{item[1]} — {totals.count:,} rows" if kind == "subtotal" else f"Total: {totals.count:,} rows"
            cells = [
                _cell(c, v) if v is not None else ("", c.numeric)
                for c, v in zip(shown, totals.cells(shown), strict=False)
            ]
            body.append((kind, (label, cells)))
    context = {
        "report": report,
        "columns": shown,
        "filters": filters,
        "local": local_name(),
        "printed_at": _printed_at(),
        "empty": row_count == 0,
    }
    if row_count > PDF_CELL_ROWS:
        context.update(as_lines(shown, body))
    else:
        context["body"] = body
    return render_to_string("reports/pdf.html", context)


def as_lines(columns, body) -> dict:
    """The line layout: every row one string, columns padded to their widest value."""
    widths = [len(c.label) for c in columns]
    for kind, cells in body:
        if kind == "row":
            for i, (text, _) in enumerate(cells):
                widths[i] = max(widths[i], len(text))
    widths = [w if c.numeric else min(w, LINE_TEXT_WIDTH) for w, c in zip(widths, columns, strict=True)]

    def line(texts):
        out = []
        for text, width, column in zip(texts, widths, columns, strict=True):
            if len(text) > width:
                text = text[: width - 1] + "…"
            out.append(text.rjust(width) if column.numeric else text.ljust(width))
        return "  ".join(out).rstrip()

    lines = []
    for kind, item in body:
        if kind == "row":
            text = line([text for text, _ in item])
            if lines and lines[-1][0] == "rows" and lines[-1][1] < LINES_PER_BLOCK:
                lines[-1][1] += 1
                lines[-1][2].append(text)
            else:
                lines.append(["rows", 1, [text]])
        elif kind == "group":
            lines.append(("group", item))
        else:
            label, cells = item
            sums = ", ".join(f"{c.label}: {text}" for c, (text, _) in zip(columns, cells, strict=True) if text)
            lines.append((kind, f"{label}{' — ' + sums if sums else ''}"))
    lines = [("rows", "\n".join(item[2])) if item[0] == "rows" else item for item in lines]
    return {"lines": lines, "header_line": line([c.label for c in columns])}


def _cell(column: Column, value) -> tuple[str, bool]:
    return column.text(value), column.numeric


def write_pdf(report, rows, target: BinaryIO, *, filters, on_progress: Progress = None) -> None:
    from weasyprint import HTML

    html = pdf_html(report, rows, filters=filters, on_progress=on_progress)
    HTML(string=html).write_pdf(target)


# --- Excel ---


def write_xlsx(report, rows, target: BinaryIO, *, filters, on_progress: Progress = None) -> int:
    """Write the report's rows to `target`; returns the number of data rows."""
    columns = report.columns  # every column, the grouping one too: a spreadsheet filters on it
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title(report.title, taken=["Report"]))
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(WIDTHS[column.type], len(column.label) + 2)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDDDDD")
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=neutralise(column.label))
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(horizontal="right" if column.numeric else "left")
        header.append(cell)
    sheet.append(header)

    progress = _every(on_progress)
    formats = [NUMBER_FORMATS.get(c.type) for c in columns]
    from reports.framework import Totals

    totals = Totals(report.totalled())
    n = 0
    for row in report.iterate(rows):
        values = [c.value(row) for c in columns]
        totals.add(row)
        cells = []
        for value, number_format in zip(values, formats, strict=True):
            if number_format is None or value is None:
                cells.append(neutralise(value))  # text: a member's or an employer's, never a formula
            else:
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = number_format
                cells.append(cell)
        sheet.append(cells)
        n += 1
        if progress is not None:
            progress(n)
    last = get_column_letter(len(columns))
    sheet.auto_filter.ref = f"A1:{last}{n + 1}"
    sheet.append([])
    total_row = []
    for index, column in enumerate(columns):
        if index == 0:
            value = f"Total: {totals.count:,} rows"
        else:
            value = totals.sums.get(column.accessor) if column.total else None
        cell = WriteOnlyCell(sheet, value=value)
        cell.font = bold
        if column.total and formats[index]:
            cell.number_format = formats[index]
        total_row.append(cell)
    sheet.append(total_row)

    about = workbook.create_sheet(title="Report")
    about.column_dimensions["A"].width = 18
    about.column_dimensions["B"].width = 60
    title = WriteOnlyCell(about, value=neutralise(f"{local_name()} — {report.title}"))
    title.font = Font(bold=True, size=13)
    about.append([title])
    about.append(["Replaces", f"LaborPower: {report.replaces}"])
    for label, value in filters:  # an employer's or a member's name among them
        about.append(neutralised([label, value]))
    printed = WriteOnlyCell(about, value=_printed_at().replace(tzinfo=None))
    printed.number_format = NUMBER_FORMATS["datetime"]
    about.append(["Printed at", printed])
    about.append(["Rows", n])
    workbook.save(target)
    return n


# --- CSV ---


def write_csv(report, rows, target: BinaryIO, *, filters, on_progress: Progress = None) -> int:
    """The report's rows as CSV (UTF-8 with a byte-order mark, so that Excel reads the names right):
    a header line, then one line per row with every column (the grouping one too); numbers plain
    (no thousands separator), dates ISO. Every cell through `neutralise`. No totals: a CSV is for
    another program to read. Returns the number of data rows."""
    import codecs
    import csv

    columns = report.columns
    text = codecs.getwriter("utf-8")(target)
    text.write("\ufeff")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(neutralised(c.label for c in columns))
    progress = _every(on_progress)
    n = 0
    for row in report.iterate(rows):
        writer.writerow(neutralised(_csv_text(c, c.value(row)) for c in columns))
        n += 1
        if progress is not None:
            progress(n)
    return n


def _csv_text(column: Column, value):
    if value is None:
        return ""
    if column.type in ("int", "hours", "money"):
        return str(value)  # 1234.50, not $1,234.50: a program reads it
    return column.text(value)


WRITERS = {"pdf": write_pdf, "xlsx": write_xlsx, "csv": write_csv}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def filename(report, fmt: str) -> str:
    return f"{report.slug}-{timezone.localtime():%Y%m%d-%H%M}.{fmt}"
