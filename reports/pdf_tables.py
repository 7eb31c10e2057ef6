"""The PDF of a large report (above `rendering.PDF_CELL_ROWS` rows) as a real table, drawn with
ReportLab (issue 24, item 6; decision 0048).

WeasyPrint lays out each table cell with its layout engine (its cost: docs/performance.md), so
20,000 rows would take minutes; before this, large
reports were printed as monospaced lines. Here each page is laid out by arithmetic, not by a
layout engine: the column widths are worked out once from the widest value of each column, rows
are a fixed height, a page holds a fixed number of them, and every cell is one `drawString`. The
page looks like the WeasyPrint one: the local, the title, the filters and the time printed at the
top of every page, the table's header repeated, group headings (a new page per group where the
report says so, and the group named at the top right), subtotals, the total, the summary
figures, "Page x of y".

The rows are read once into text cells (the widths and the page count need all of them): memory
grows with the rows, as the file does.
"""

from dataclasses import dataclass
from typing import BinaryIO

from reportlab.lib.pagesizes import landscape, letter
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from reports.framework import Report, local_name

PAGE_WIDTH, PAGE_HEIGHT = landscape(letter)
MARGIN_X = 0.4 * 72
TOP = PAGE_HEIGHT - 0.35 * 72
BOTTOM = 0.55 * 72
FONT, BOLD, ITALIC = "Helvetica", "Helvetica-Bold", "Helvetica-Oblique"
SIZE = 7.5
ROW = 10.0  # points a row takes
PAD = 3.0  # points either side of a cell's text
HEADER_HEIGHT = 58.0  # the page header: local, title, filters, then the table's header row
GREY = (0.93, 0.93, 0.93)
RULE = (0.8, 0.8, 0.8)
MAX_TEXT_SHARE = 0.34  # no text column takes more than this share of the page's width
UNTAKEN = "?"  # a character the standard fonts (cp1252) cannot print


def _printable(text: str) -> str:
    return text.encode("cp1252", errors="replace").decode("cp1252").replace("\ufffd", UNTAKEN)


@dataclass
class Line:
    kind: str  # "row", "group", "subtotal", "total", "summary", "summary-heading"
    cells: list[str]
    label: str = ""


def _lines(report: type[Report], rows, on_progress, summary) -> tuple[list[Line], int]:
    shown = report.shown_columns()
    lines: list[Line] = []
    if summary:
        for kind, label, value in summary:
            if kind == "figure":
                lines.append(Line("summary", [], f"{label}: {value}"))
            else:
                parts = ", ".join(f"{text} {count} ({share})" for text, count, share in value) or "none"
                lines.append(Line("summary", [], f"{label}: {parts}"))
    count = 0
    for item in report.layout(rows, on_row=on_progress):
        kind = item[0]
        if kind == "row":
            count += 1
            lines.append(
                Line(
                    "row", [_printable(c.text(v)) if v is not None else "" for c, v in zip(shown, item[1], strict=True)]
                )
            )
        elif kind == "group":
            lines.append(Line("group", [], _printable(item[1])))
        else:
            totals = item[-1]
            label = f"{item[1]} — {totals.count:,} rows" if kind == "subtotal" else f"Total: {totals.count:,} rows"
            cells = [c.text(v) if v is not None else "" for c, v in zip(shown, totals.cells(shown), strict=False)]
            lines.append(Line(kind, cells, _printable(label)))
    return lines, count


def _widths(columns, lines: list[Line]) -> list[float]:
    """Each column as wide as its widest value (found by length, measured once), text columns
    capped; then all scaled to the page's width."""
    longest = [c.label for c in columns]
    for line in lines:
        if line.kind in ("row", "subtotal", "total"):
            for i, text in enumerate(line.cells):
                if len(text) > len(longest[i]):
                    longest[i] = text
    available = PAGE_WIDTH - 2 * MARGIN_X
    widths = [
        max(stringWidth(text, FONT, SIZE), stringWidth(c.label, BOLD, SIZE)) + 2 * PAD
        for c, text in zip(columns, longest, strict=True)
    ]
    widths = [min(w, available * MAX_TEXT_SHARE) if not c.numeric else w for w, c in zip(widths, columns, strict=True)]
    total = sum(widths)
    if total > available:  # shrink the text columns, never the numbers
        text_width = sum(w for w, c in zip(widths, columns, strict=True) if not c.numeric)
        spare = available - (total - text_width)
        factor = max(spare, 0) / text_width if text_width else 1
        widths = [w * factor if not c.numeric else w for w, c in zip(widths, columns, strict=True)]
    else:  # spread the room left over the text columns, as a table 100% wide does
        texts = [i for i, c in enumerate(columns) if not c.numeric] or list(range(len(columns)))
        extra = (available - total) / len(texts)
        widths = [w + extra if i in texts else w for i, w in enumerate(widths)]
    return widths


def _fit(text: str, width: float, font: str = FONT) -> str:
    """`text` cut with "…" to fit `width` points; measured only when it may not fit."""
    room = width - 2 * PAD
    if len(text) * SIZE * 0.5 <= room:  # no Helvetica string is wider than this: no need to measure
        return text
    if stringWidth(text, font, SIZE) <= room:
        return text
    while text and stringWidth(text + "…", font, SIZE) > room:
        text = text[:-1]
    return text + "…"


def _pages(report, lines: list[Line]) -> list[list[Line]]:
    per_page = int((TOP - HEADER_HEIGHT - BOTTOM) // ROW)
    pages: list[list[Line]] = [[]]
    for line in lines:
        new_group = line.kind == "group" and report.group_new_page and any(x.kind == "group" for x in pages[-1])
        if len(pages[-1]) >= per_page or new_group:
            pages.append([])
        pages[-1].append(line)
    return pages


def write_table_pdf(report: type[Report], rows, target: BinaryIO, *, filters, printed_at, on_progress=None,
                    summary=()) -> int:  # fmt: skip
    """The report as a PDF of page-sized tables; returns the number of data rows."""
    columns = report.shown_columns()
    lines, count = _lines(report, rows, on_progress, summary)
    widths = _widths(columns, lines)
    xs = [MARGIN_X]
    for w in widths:
        xs.append(xs[-1] + w)
    pages = _pages(report, lines)
    canvas = Canvas(target, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), pageCompression=1)
    canvas.setTitle(report.title)
    canvas.setAuthor(local_name())
    described = " · ".join(f"{label}: {value}" for label, value in filters) or "No filters"
    meta = _printable(f"{described}  |  Printed {printed_at:%Y-%m-%d %H:%M}")
    labels = [_fit(_printable(c.label), w, BOLD) for c, w in zip(columns, widths, strict=True)]
    group = ""
    for number, page in enumerate(pages, start=1):
        group = next((line.label for line in page if line.kind == "group"), group)
        _page_header(canvas, report, meta, labels, columns, xs, widths, group)
        y = TOP - HEADER_HEIGHT
        for line in page:
            y -= ROW
            _draw_line(canvas, line, columns, xs, widths, y)
        canvas.setFont(FONT, SIZE)
        canvas.setFillGray(0.33)
        canvas.drawString(MARGIN_X, BOTTOM - 16, _printable(f"{local_name()} — UnionCore"))
        canvas.drawRightString(PAGE_WIDTH - MARGIN_X, BOTTOM - 16, f"Page {number} of {len(pages)}")
        canvas.setFillGray(0)
        canvas.showPage()
    if not lines:
        canvas.setFont(ITALIC, SIZE)
        canvas.drawString(MARGIN_X, TOP - HEADER_HEIGHT - 2 * ROW, "No rows match these filters.")
    canvas.save()
    return count


def _page_header(canvas, report, meta, labels, columns, xs, widths, group):
    canvas.setFillGray(0)
    canvas.setFont(BOLD, 9)
    canvas.drawString(MARGIN_X, TOP - 9, _printable(f"{local_name()} — Referral & Dispatch"))
    canvas.setFont(BOLD, 13)
    canvas.drawString(MARGIN_X, TOP - 24, _printable(report.title))
    if group and report.group_by:
        canvas.setFont(BOLD, 12)
        canvas.drawRightString(PAGE_WIDTH - MARGIN_X, TOP - 24, group)
    canvas.setFont(FONT, SIZE)
    canvas.setFillGray(0.2)
    canvas.drawString(MARGIN_X, TOP - 35, _fit(meta, PAGE_WIDTH - 2 * MARGIN_X))
    canvas.setFillGray(0)
    canvas.setLineWidth(1.5)
    canvas.line(MARGIN_X, TOP - 40, PAGE_WIDTH - MARGIN_X, TOP - 40)
    baseline = TOP - HEADER_HEIGHT + 3
    canvas.setFont(BOLD, SIZE)
    for label, column, x, w in zip(labels, columns, xs, widths, strict=False):
        if column.numeric:
            canvas.drawRightString(x + w - PAD, baseline, label)
        else:
            canvas.drawString(x + PAD, baseline, label)
    canvas.setLineWidth(1)
    canvas.line(MARGIN_X, TOP - HEADER_HEIGHT, PAGE_WIDTH - MARGIN_X, TOP - HEADER_HEIGHT)


def _draw_line(canvas, line: Line, columns, xs, widths, y):
    right = PAGE_WIDTH - MARGIN_X
    baseline = y + 3
    if line.kind in ("group", "summary"):
        if line.kind == "group":
            canvas.setFillColorRGB(*GREY)
            canvas.rect(MARGIN_X, y, right - MARGIN_X, ROW, stroke=0, fill=1)
            canvas.setFillGray(0)
        canvas.setFont(BOLD, SIZE)
        canvas.drawString(MARGIN_X + PAD, baseline, _fit(line.label, right - MARGIN_X))
        return
    font = {"row": FONT, "subtotal": ITALIC, "total": BOLD}[line.kind]
    canvas.setFont(font, SIZE)
    cells = list(line.cells)
    if line.kind != "row" and cells and not cells[0]:
        cells[0] = line.label  # the label in the first cell, as the page's totals row
    for text, column, x, w in zip(cells, columns, xs, widths, strict=False):
        if not text:
            continue
        if (column.numeric and line.kind == "row") or (column.numeric and text != line.label):
            canvas.drawRightString(x + w - PAD, baseline, text)
        else:
            canvas.drawString(x + PAD, baseline, _fit(text, w if text != line.label else right - x, font))
    canvas.setStrokeColorRGB(*RULE) if line.kind == "row" else canvas.setStrokeGray(0)
    canvas.setLineWidth(0.3 if line.kind == "row" else 0.8)
    canvas.line(MARGIN_X, y, right, y)
    canvas.setStrokeGray(0)
