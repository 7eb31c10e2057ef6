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


# Above this many rows the PDF is drawn as page-sized tables by ReportLab (reports/pdf_tables.py):
# WeasyPrint's layout is slow per table cell (docs/performance.md), so it prints the smaller ones
# (its layout: wrapped text, the summary as tables).
PDF_CELL_ROWS = 500


def pdf_html(
    report: type[Report], rows, *, filters: list[tuple[str, str]], on_progress: Progress = None,
    summary_only: bool = False,
) -> str:  # fmt: skip
    shown = report.shown_columns()
    summary = report.summarise(rows)
    body = []  # (kind, cells or heading)
    row_count = 0
    for item in () if summary_only else report.layout(rows, on_row=_every(on_progress)):
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
        "empty": row_count == 0 and not summary_only,
        "summary": summary,
        "summary_only": summary_only,
    }
    context["body"] = body
    return render_to_string("reports/pdf.html", context)


def _cell(column: Column, value) -> tuple[str, bool]:
    return column.text(value), column.numeric


def write_pdf(report, rows, target: BinaryIO, *, filters, on_progress: Progress = None, summary_only=False) -> None:
    if not summary_only and report.count(rows) > PDF_CELL_ROWS:
        from reports.pdf_tables import write_table_pdf

        write_table_pdf(
            report, rows, target, filters=filters, printed_at=_printed_at(), on_progress=_every(on_progress),
            summary=report.summarise(rows),
        )  # fmt: skip
        return
    from weasyprint import HTML

    html = pdf_html(report, rows, filters=filters, on_progress=on_progress, summary_only=summary_only)
    HTML(string=html).write_pdf(target)


# --- Excel ---


def write_xlsx(report, rows, target: BinaryIO, *, filters, on_progress: Progress = None, summary_only=False) -> int:
    """Write the report's rows to `target`; returns the number of data rows. A spreadsheet always
    has the rows (Format: Summary leaves them out of the page and the PDF only)."""
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
    summary = report.summarise(rows)
    if summary:
        _summary_sheet(workbook, summary)
    workbook.save(target)
    return n


def _summary_sheet(workbook, summary) -> None:
    """The summary figures as the page shows them: label and value, then each breakdown's
    values, counts and percentages (as text: "66.7%", as printed)."""
    sheet = workbook.create_sheet(title="Summary")
    sheet.column_dimensions["A"].width = 36
    bold = Font(bold=True)
    for kind, label, value in summary:
        if kind == "figure":
            sheet.append(neutralised([label, value]))
            continue
        sheet.append([])
        heading = WriteOnlyCell(sheet, value=neutralise(label))
        heading.font = bold
        sheet.append([heading, "Rows", "%"])
        for text, count, share in value:
            sheet.append([neutralise(text), int(count.replace(",", "")), share])


# --- CSV ---


def write_csv(report, rows, target: BinaryIO, *, filters, on_progress: Progress = None, summary_only=False) -> int:
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
