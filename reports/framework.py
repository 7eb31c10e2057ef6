"""The report framework: a report is one declaration (title, the LaborPower report it replaces,
permission, filters, selector, columns, grouping, totals); the web page, the PDF and the Excel
file all come from it (reports/rendering.py, reports/views.py). No report writes its own PDF or
Excel code.

    @register
    class RegistrationList(Report):
        slug = "out-of-work-list"
        title = "Registration List"
        replaces = "Registration List"
        filters = RegistrationListForm
        selector = staticmethod(selectors.registration_list_rows)
        group_by = "tier"
        columns = (Column("tier", "BOOK"), Column("registration_number", "REG. #", "number"), ...)

Rows are dicts (a `values()` queryset, or a list of dicts): a column's `accessor` is the key,
and, for a queryset, also the field it is sorted and totalled on.
"""

import datetime
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet, Sum
from django.forms.utils import pretty_name
from django.http import QueryDict
from django.utils import timezone

from reports.laborpower import BY_ID, OURS, PARITY, PENDING, TABS
from unioncore.dates import UNTIL, implausible

REFERRAL = "reports.referral_reports"
FULFILLMENT = "reports.fulfillment_reports"
# Personal data (race, gender, age): filters and reports only officers see (reports/filters.py).
# Both permissions: the reports' own and the demographics table's (decisions 0049, 0053).
DEMOGRAPHIC = "reports.demographic_reports"
DEMOGRAPHIC_DATA = "members.view_memberdemographics"


def sees_demographics(user) -> bool:
    """Whether `user` may filter and read reports by race, gender and age (officers)."""
    return bool(user is not None and user.is_active and user.has_perms((DEMOGRAPHIC, DEMOGRAPHIC_DATA)))


# "number": an integer that names something (LaborPower's REG. #), printed without a thousands
# separator; "timestamp": a date and time to the second.
# "percent" and "average": a summary figure to one decimal (66.7%, 12.5).
COLUMN_TYPES = (
    "text", "int", "number", "apn", "date", "datetime", "timestamp", "money", "hours", "bool", "percent", "average",
)  # fmt: skip
NUMERIC = ("int", "number", "apn", "money", "hours", "percent", "average")

# How far a chunked read goes at once (exports stream; memory does not grow with the rows).
CHUNK = 2000


def sync_max_rows(fmt: str = "xlsx") -> int:
    """Above this many rows an export is built in the background (a PDF sooner: WeasyPrint is
    slow per row, docs/performance.md)."""
    if fmt == "pdf":
        return min(settings.REPORTS_SYNC_MAX_PDF_ROWS, sync_max_rows())
    return settings.REPORTS_SYNC_MAX_ROWS


def max_export_rows() -> int:
    """No export may be larger (a filter must narrow it)."""
    return settings.REPORTS_MAX_EXPORT_ROWS


def local_name() -> str:
    return settings.REPORTS_LOCAL_NAME


@dataclass(frozen=True)
class Column:
    accessor: str
    label: str
    type: str = "text"
    total: bool = False  # summed in the totals row (and each group's)
    choices: Any = None  # a TextChoices: show its label for the stored value
    sortable: bool = True
    sort: str | None = None  # the field to sort on when it differs from the accessor

    def __post_init__(self):
        if self.type not in COLUMN_TYPES:
            raise ValueError(f"column {self.accessor}: unknown type {self.type!r}")

    @property
    def numeric(self) -> bool:
        return self.type in NUMERIC

    @property
    def sort_field(self) -> str:
        return self.sort or self.accessor

    def raw(self, row):
        if isinstance(row, dict):
            return row.get(self.accessor)
        value = row
        for part in self.accessor.split("."):
            value = getattr(value, part, None)
        return value

    def value(self, row):
        """The typed value: Decimal for APN, money and hours, a date, a local naive datetime
        (spreadsheets have no time zones), an int, or text."""
        return self.convert(self.raw(row))

    def convert(self, value):
        if value is None:
            return None
        kind = self.type
        if kind == "date":
            if isinstance(value, datetime.datetime):
                return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
            return value
        if kind in ("datetime", "timestamp"):
            if timezone.is_aware(value):
                value = timezone.localtime(value)
            return value.replace(tzinfo=None, microsecond=0) if kind == "timestamp" else value.replace(tzinfo=None)
        if kind in ("apn", "money", "hours"):
            return Decimal(value).quantize(Decimal("0.01"))
        if kind in ("percent", "average"):
            return Decimal(value).quantize(Decimal("0.1"))
        if kind in ("int", "number"):
            return int(value)
        if kind == "bool":
            return "Yes" if value else "No"
        if self.choices is not None:
            try:
                return str(self.choices(value).label)
            except ValueError:
                return str(value)
        return value if isinstance(value, str) else str(value)

    def text(self, value) -> str:
        """A typed value as a person reads it on the page and in the PDF."""
        if value is None or value == "":
            return ""
        kind = self.type
        if kind == "apn" or kind == "hours":
            return f"{value:,.2f}" if kind == "hours" else f"{value:.2f}"
        if kind == "money":
            return f"-${-value:,.2f}" if value < 0 else f"${value:,.2f}"
        if kind == "int":
            return f"{value:,}"
        if kind == "percent":
            return f"{value:.1f}%"
        if kind == "average":
            return f"{value:,.1f}"
        if kind == "number":
            return str(value)
        if kind == "date":
            return f"{value:%Y-%m-%d}"
        if kind == "datetime":
            return f"{value:%Y-%m-%d %H:%M}"
        if kind == "timestamp":
            return f"{value:%Y-%m-%d %H:%M:%S}"
        return str(value)


class NoFilters(forms.Form):
    pass


# --- Summary figures (issue 24, item 4): worked out by the database over every row ---


def percent(numerator, denominator):
    """`numerator` as a percentage of `denominator`, in SQL, to one decimal (None when it is 0)."""
    from django.db.models import DecimalField, ExpressionWrapper, FloatField, Value
    from django.db.models.functions import Cast, NullIf, Round

    # Divided as floating point: SQLite's CAST(… AS NUMERIC) keeps an integer an integer, and its
    # division would then drop the fraction (66.0% for two of three). Rounded as a decimal:
    # PostgreSQL rounds only numeric to a number of places.
    real = FloatField()
    number = DecimalField(max_digits=20, decimal_places=6)
    share = ExpressionWrapper(
        Cast(numerator, real)
        * Value(100.0, output_field=real)
        / NullIf(Cast(denominator, real), Value(0.0, output_field=real)),
        output_field=real,
    )
    return Round(Cast(share, number), 1, output_field=number)


@dataclass(frozen=True)
class Figure:
    """One figure over every row of the report (not the page's): an aggregate expression on the
    rows' queryset — `Count("id")`, `Avg(…)`, `percent(Sum("dispatched"), Sum("workers_wanted"))`."""

    label: str
    aggregate: Any  # an aggregate, or a function making one when it is run (one that reads today)
    type: str = "int"

    def compute(self, rows: QuerySet) -> tuple[str, str]:
        aggregate = self.aggregate() if callable(self.aggregate) else self.aggregate
        value = rows.order_by().aggregate(v=aggregate)["v"]
        if isinstance(value, datetime.timedelta):  # an average of durations, in days
            value = Decimal(value.total_seconds()) / 86400
        column = Column("v", self.label, self.type)
        return self.label, column.text(column.convert(value)) if value is not None else "—"


@dataclass(frozen=True)
class Breakdown:
    """How many rows have each value of a column (by book, employer, status), each with its
    percentage of all rows, most first: grouped and counted by the database."""

    accessor: str
    label: str

    def compute(self, report: type["Report"], rows: QuerySet) -> tuple[str, list[tuple[str, str, str]]]:
        from django.db.models import Count, Value

        column = report.column(self.accessor)
        field = column.sort_field if column else self.accessor
        total = rows.order_by().count()
        if not total:
            return self.label, []
        counts = (
            rows.order_by().values(field)
            .annotate(n=Count("*"), share=percent(Count("*"), Value(total)))
            .order_by("-n", field)
        )  # fmt: skip
        shown = column or Column(self.accessor, self.label)
        out = []
        for item in counts:
            value = item[field]
            text = shown.text(shown.convert(value)) if value not in (None, "") else "(none)"
            out.append((text, f"{item['n']:,}", f"{item['share']:.1f}%"))
        return self.label, out


class PlausibleDateField(forms.DateField):
    """A report's date filter, within the plausible range (decision 0037): 9999-12-31 is a form
    error, not a range whose end no date arithmetic reaches."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}))
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if value is not None:
            reason = implausible(value, UNTIL, show=datetime.date.isoformat)
            if reason:
                raise forms.ValidationError(reason, code="implausible")


class DateRangeForm(forms.Form):
    """From/to dates (both optional, both inclusive). A range ending before it starts, or longer
    than `max_days`, is a form error."""

    max_days: int | None = 366
    range_label = "Dates"

    date_from = PlausibleDateField(label="From")
    date_to = PlausibleDateField(label="To")

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", f"The range ends ({end:%Y-%m-%d}) before it starts ({start:%Y-%m-%d}).")
        elif self.max_days and start and end and (end - start).days + 1 > self.max_days:
            self.add_error(
                None,
                f"{(end - start).days + 1:,} days is too long a range for this report: "
                f"choose at most {self.max_days} days.",
            )
        return data


class Report:
    """Subclass and declare; `register` it. See the module docstring."""

    slug: str = ""
    title: str = ""  # LaborPower's name for it (the first of `laborpower_ids`), or ours if it had none
    our_name: str = ""  # what it shows, in our words, beside LaborPower's name ("Roll-off report")
    # The ids of LaborPower's reports it answers (reports/laborpower.py), its own first: a Custom-tab
    # copy of a Basic or Advanced report is merged into that report's declaration as another id.
    laborpower_ids: tuple[str, ...] = ()
    # The filters (query-string values) an id is run with when it is a saved variant of the report
    # ("B-03": Dropped Due to Checkmarks is the roll-off report of third check marks).
    variants: dict[str, dict[str, str]] = {}
    replaces: str = ""  # the LaborPower report it replaces, as the hall describes it
    description: str = ""
    permission: str = REFERRAL
    filters: type[forms.Form] = NoFilters
    # Or LaborPower's filters (reports/filters.py): `DispatchFilters.taking("employer", …)`. The
    # selector then returns the subject's rows unfiltered (it gets the cleaned values named in
    # `selector_takes` only) and the filter set filters them.
    filterset: Any = None
    selector_takes: tuple[str, ...] = ()
    selector: Callable[..., QuerySet | list] = None  # staticmethod(selectors.x), takes the cleaned filters
    columns: tuple[Column, ...] = ()
    group_by: str | None = None  # the accessor of the column rows are grouped on (shown as a heading)
    group_new_page: bool = False  # the PDF starts each group on a new page (LaborPower's page per book)
    default_sort: tuple[str, ...] = ()  # accessors, "-" for descending; () keeps the selector's order
    page_size: int = 100
    # Summary figures (Figure, Breakdown), shown above the table on the page, in the PDF and on
    # the Excel file's "Summary" sheet; LaborPower's Format: Summary shows them without the rows.
    summary: tuple = ()

    # --- The declaration, read ---

    @classmethod
    def column(cls, accessor: str) -> Column | None:
        return next((c for c in cls.columns if c.accessor == accessor), None)

    @classmethod
    def with_columns(cls, accessors) -> type["Report"]:
        """The report showing only these of its columns, in its own order (a saved report's
        choice, `?columns=` on its page), the grouping column always; unknown ones are ignored,
        none means every column. Sorting and summaries still find every declared column."""
        wanted = set(accessors or ())
        kept = tuple(c for c in cls.columns if c.accessor in wanted or c.accessor == cls.group_by)
        if not wanted or len(kept) == len(cls.columns) or not [c for c in kept if c.accessor != cls.group_by]:
            return cls
        declared = cls.column
        return type(cls.__name__, (cls,), {"columns": kept, "column": classmethod(lambda _, a: declared(a))})

    @classmethod
    def shown_columns(cls) -> tuple[Column, ...]:
        """The columns of the table (the grouping column is the group's heading instead)."""
        return tuple(c for c in cls.columns if c.accessor != cls.group_by)

    @classmethod
    def totalled(cls) -> tuple[Column, ...]:
        return tuple(c for c in cls.columns if c.total)

    @classmethod
    def initial(cls) -> dict:
        """Filter values for a first visit (no filters given)."""
        return {}

    @classmethod
    def form(cls, data=None, user=None) -> forms.Form:
        """The filters, bound to `data` (a query string or a dict). Demographic filters only for a
        `user` who may see them; without one, never."""
        names = set(cls.filters.base_fields)
        if cls.filterset is not None and not sees_demographics(user):
            from reports.filters import DEMOGRAPHIC_FILTERS

            names -= DEMOGRAPHIC_FILTERS
        given = _query_dict(data or {}, names)
        if not given:
            given = _query_dict({k: v for k, v in cls.initial().items() if v is not None}, names)
        if not given and any(f.required for f in cls.filters.base_fields.values()):
            form = cls.filters()  # a first visit: the filters to fill in, no errors yet
        else:
            form = cls.filters(data=given)
        for name in set(form.fields) - names:
            del form.fields[name]
        return form

    @classmethod
    def can_run(cls, user) -> bool:
        allowed = bool(user and user.is_active and user.is_staff and user.has_perm(cls.permission))
        # A demographic report also needs the demographics' own permission (decision 0053).
        return allowed and (cls.permission != DEMOGRAPHIC or sees_demographics(user))

    # --- The rows ---

    @classmethod
    def rows(cls, filters: dict, sort: str = ""):
        if cls.filterset is not None:
            rows = cls.selector(**{k: filters.get(k) for k in cls.selector_takes})
            rows = cls.filterset.apply(rows, filters)
        else:
            rows = cls.selector(**filters)
        return cls.ordered(rows, sort)

    @classmethod
    def sort_keys(cls, sort: str) -> list[str]:
        keys = []
        if sort:
            column = cls.column(sort.lstrip("-"))
            if column is not None and column.sortable:
                keys = [("-" if sort.startswith("-") else "") + column.accessor]
        if not keys:
            keys = list(cls.default_sort)
        if cls.group_by and keys and keys[0].lstrip("-") != cls.group_by:
            keys = [cls.group_by, *keys]
        return keys

    @classmethod
    def ordered(cls, rows, sort: str = ""):
        keys = cls.sort_keys(sort)
        if not keys:
            return rows
        if isinstance(rows, QuerySet):
            fields = []
            for key in keys:
                column = cls.column(key.lstrip("-"))
                field = column.sort_field if column else key.lstrip("-")
                if key.startswith("-"):
                    fields.append(_desc(field))
                else:
                    fields.append(_asc(field))
            return rows.order_by(*fields, *_tie_breaker(rows))
        rows = list(rows)
        for key in reversed(keys):
            column = cls.column(key.lstrip("-"))
            rows.sort(key=lambda r, c=column, k=key: _none_last(c.raw(r) if c else r.get(k.lstrip("-"))),
                      reverse=key.startswith("-"))  # fmt: skip
        return rows

    @staticmethod
    def count(rows) -> int:
        return rows.count() if isinstance(rows, QuerySet) else len(rows)

    @staticmethod
    def iterate(rows) -> Iterator:
        if isinstance(rows, QuerySet):
            return rows.iterator(chunk_size=CHUNK)
        return iter(rows)

    @classmethod
    def totals(cls, rows) -> dict[str, Decimal | int]:
        """The sum of each totalled column over every row (not only the page's)."""
        columns = cls.totalled()
        if not columns:
            return {}
        if isinstance(rows, QuerySet):
            sums = rows.order_by().aggregate(**{f"t_{c.accessor}": Sum(c.sort_field) for c in columns})
            return {c.accessor: c.convert(sums[f"t_{c.accessor}"] or 0) for c in columns}
        return Totals(columns).add_all(rows).sums

    @classmethod
    def summary_only(cls, filters: dict) -> bool:
        """LaborPower's Format: Summary (the `detail` filter): the figures without the rows."""
        return filters.get("detail") == "summary"

    @classmethod
    def summarise(cls, rows) -> list[tuple]:
        """("figure", label, text) and ("breakdown", label, [(value, count, percent)]) of the
        report's summary, worked out by the database over every row."""
        if not cls.summary or not isinstance(rows, QuerySet):
            return []
        out = []
        for item in cls.summary:
            if isinstance(item, Breakdown):
                out.append(("breakdown", *item.compute(cls, rows)))
            else:
                out.append(("figure", *item.compute(rows)))
        return out

    @classmethod
    def layout(cls, rows, *, on_row: Callable[[int], None] | None = None) -> Iterator[tuple]:
        """What a printed report shows, in order: ("group", heading), ("row", [typed values]),
        ("subtotal", heading, Totals), then ("total", Totals). Streams: one row at a time."""
        shown = cls.shown_columns()
        group_column = cls.column(cls.group_by) if cls.group_by else None
        grand, group, heading = Totals(cls.totalled()), None, object()
        for n, row in enumerate(cls.iterate(rows), start=1):
            if group_column is not None:
                value = group_column.text(group_column.value(row))
                if value != heading:
                    if group is not None:
                        yield ("subtotal", heading, group)
                    heading, group = value, Totals(cls.totalled())
                    yield ("group", value)
                group.add(row)
            grand.add(row)
            yield ("row", [c.value(row) for c in shown])
            if on_row is not None:
                on_row(n)
        if group is not None:
            yield ("subtotal", heading, group)
        yield ("total", grand)


def _query_dict(data, names) -> QueryDict:
    """The filters given, as a query string: a filter of several values (employers, books) keeps
    them all, from a request or from the JSON of an audit row (a list, or one value)."""
    out = QueryDict(mutable=True)
    for key in data:
        if key in names:
            values = data.getlist(key) if hasattr(data, "getlist") else data[key]
            out.setlist(key, [str(v) for v in (values if isinstance(values, list | tuple) else [values])])
    return out


class Totals:
    """A running count and the sums of the totalled columns."""

    def __init__(self, columns: Iterable[Column]):
        self.columns = tuple(columns)
        self.count = 0
        self.sums = {c.accessor: (0 if c.type == "int" else Decimal("0.00")) for c in self.columns}

    def add(self, row) -> None:
        self.count += 1
        for c in self.columns:
            value = c.value(row)
            if value is not None:
                self.sums[c.accessor] += value

    def add_all(self, rows) -> "Totals":
        for row in rows:
            self.add(row)
        return self

    def cells(self, shown: Iterable[Column]) -> list:
        return [self.sums.get(c.accessor) if c.total else None for c in shown]


def _asc(field):
    from django.db.models import F

    return F(field).asc(nulls_last=True)


def _desc(field):
    from django.db.models import F

    return F(field).desc(nulls_last=True)


def _tie_breaker(rows: QuerySet) -> list:
    """A stable order for pagination: the primary key last, when the rows have one."""
    if rows.query.group_by is not None or rows.query.distinct:
        return []
    return ["pk"]


def _none_last(value):
    return (value is None, value if value is not None else 0)


# --- The registry ---

REPORTS: dict[str, type[Report]] = {}


def register(report: type[Report]) -> type[Report]:
    if not report.slug or report.slug in REPORTS:
        raise ValueError(f"report slug {report.slug!r} missing or taken")
    if report.selector is None or not report.columns:
        raise ValueError(f"report {report.slug} declares no selector or no columns")
    if report.group_by and report.column(report.group_by) is None:
        raise ValueError(f"report {report.slug} groups on an unknown column {report.group_by!r}")
    for lp_id in report.laborpower_ids:
        if lp_id not in BY_ID:
            raise ValueError(f"report {report.slug}: {lp_id!r} is not a LaborPower report id")
        taken = next((r.slug for r in REPORTS.values() if lp_id in r.laborpower_ids), None)
        if taken:
            raise ValueError(f"report {report.slug}: {lp_id} is already answered by {taken}")
    if set(report.variants) - set(report.laborpower_ids):
        raise ValueError(f"report {report.slug} has a variant of an id it does not answer")
    if report.filterset is not None:
        report.filters = report.filterset.form_class()
    REPORTS[report.slug] = report
    return report


def all_reports() -> list[type[Report]]:
    from reports import catalog  # noqa: F401  (registers the reports)

    return list(REPORTS.values())


def get(slug: str) -> type[Report] | None:
    from reports import catalog  # noqa: F401

    return REPORTS.get(slug)


def visible_to(user) -> list[type[Report]]:
    return [r for r in all_reports() if r.can_run(user)]


@dataclass(frozen=True)
class IndexEntry:
    """One line of the reports index: a LaborPower report and the report (and filters) that
    answers it; `report` None for one not answered yet."""

    name: str  # LaborPower's name (ours for a report LaborPower did not have)
    lp_id: str
    priority: str
    report: type[Report] | None
    query: dict[str, str]

    @property
    def url(self) -> str:
        from django.urls import reverse
        from django.utils.http import urlencode

        if self.report is None:
            return ""
        if hasattr(self.report, "page_url"):  # not a table: a letter (reports/letters.py)
            return self.report.page_url()
        url = reverse("admin:reports_report", args=[self.report.slug])
        return f"{url}?{urlencode(self.query)}" if self.query else url


def index_by_tab(reports: Iterable[type[Report]]) -> dict[str, list[IndexEntry]]:
    """LaborPower's four tabs in its order, each report under every tab one of its ids belongs
    to; then our own reports. Ids no report answers yet are listed too (report None); ids of
    reports the user may not run are left out."""
    reports = list(reports)
    by_id = {lp_id: r for r in reports for lp_id in r.laborpower_ids}
    tabs: dict[str, list[IndexEntry]] = {tab: [] for tab in TABS}
    for lp in PARITY:
        report = by_id.get(lp.id)
        if report is not None:
            query = {**report.variants.get(lp.id, {})}
            if lp.id != report.laborpower_ids[0]:
                query["variant"] = lp.id
            tabs[lp.tab].append(IndexEntry(lp.name, lp.id, lp.priority, report, query))
        elif lp.id in PENDING:
            tabs[lp.tab].append(IndexEntry(lp.name, lp.id, lp.priority, None, {}))
    ours = [IndexEntry(r.title, "", "", r, {}) for r in reports if not r.laborpower_ids]
    if ours:
        tabs[OURS] = ours
    return tabs


def variant_name(report: type[Report], data) -> str:
    """The LaborPower name a page was opened under (`?variant=B-03`), if it is one of the report's."""
    lp_id = (data or {}).get("variant", "")
    return BY_ID[lp_id].name if lp_id in report.laborpower_ids and lp_id in BY_ID else ""


# --- Filters as text and as JSON (the audit row, the background job) ---


def filters_json(form: forms.Form) -> dict:
    """The cleaned filters as the form takes them again (a background export rebuilds its form
    from them): a field with `filter_value` says how (a member by card number, not by id)."""
    out = {}
    for name, value in form.cleaned_data.items():
        if value in (None, "", [], ()):
            continue
        field = form.fields.get(name)
        out[name] = field.filter_value(value) if hasattr(field, "filter_value") else _jsonable(value)
    return out


def _jsonable(value):
    if isinstance(value, QuerySet):  # several employers, skills: their ids, as the form takes them
        return [v.pk for v in value]
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def describe_filters(form: forms.Form) -> list[tuple[str, str]]:
    """(label, value) of each filter given, as a person reads it."""
    out = []
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name) if hasattr(form, "cleaned_data") else None
        if value in (None, "", [], ()) or value is False:
            continue
        if isinstance(field, forms.MultipleChoiceField):
            labels = dict(field.choices)
            value = ", ".join(str(labels.get(v, v)) for v in value)
        elif isinstance(field, forms.ModelMultipleChoiceField):
            value = ", ".join(str(v) for v in value)
        elif isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
            value = dict(field.choices).get(value, value)
        elif isinstance(value, datetime.date):
            value = f"{value:%Y-%m-%d}"
        elif value is True:
            value = "yes"
        out.append((str(field.label or pretty_name(name)), str(value)))
    return out
