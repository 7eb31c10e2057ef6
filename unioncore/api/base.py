"""What every API view shares: input validation, the write throttle, lookups that answer 404
for what the caller may not see."""

import datetime

import django_filters
from django import forms
from django.db.models import Count, Func, IntegerField, Model, QuerySet, Subquery, Window
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_filters.utils import translate_validation
from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from unioncore.dates import UNTIL, implausible


def validated(serializer_class: type[serializers.Serializer], data, **context) -> dict:
    """The input, validated (a ValidationError becomes a 400 with `fields`)."""
    serializer = serializer_class(data=data, context=context)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def visible_or_404(queryset: QuerySet, pk) -> Model:
    """The object if the caller may see it; another party's object is a 404, never a 403."""
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise NotFound("Not found.")
    return obj


def filtered(filterset_class: type[django_filters.FilterSet], request, queryset: QuerySet) -> QuerySet:
    """`queryset` narrowed by the query string through a django-filter FilterSet; a bad value
    (an unknown status, a date that is not one) is a 400 in the error format, naming the field.
    Without any of its parameters in the query string (a phone's usual list) the FilterSet, which
    would filter nothing, is not built: building it copies every filter and makes a form."""
    if unfiltered(filterset_class, request):
        return queryset
    filterset = filterset_class(data=request.query_params, queryset=queryset, request=request)
    if not filterset.is_valid():
        raise translate_validation(filterset.errors)
    return filterset.qs


def unfiltered(filterset_class: type[django_filters.FilterSet], request) -> bool:
    """None of the FilterSet's parameters is in the query string (`filtered` filters nothing)."""
    return not any(name in request.query_params for name in filterset_class.base_filters)


def filter_parameters(filterset_class: type[django_filters.FilterSet]) -> list[OpenApiParameter]:
    """The schema's query parameters of a FilterSet (the views are plain APIViews, so
    drf-spectacular's django-filter extension does not see them), plus `page` and `page_size`."""
    parameters = []
    for name, field in filterset_class.base_filters.items():
        description = str(field.extra.get("help_text", "") or field.label or "")
        if isinstance(field, django_filters.ModelChoiceFilter):
            parameters.append(OpenApiParameter(name, int, description=description))
        elif isinstance(field, django_filters.ChoiceFilter):
            values = [value for value, _ in field.extra["choices"]]
            parameters.append(OpenApiParameter(name, str, enum=values, description=description))
        elif isinstance(field, django_filters.DateFilter):
            parameters.append(OpenApiParameter(name, datetime.date, description=description))
        else:  # NumberFilter
            parameters.append(OpenApiParameter(name, int, description=description))
    return [*parameters, OpenApiParameter("page", int), OpenApiParameter("page_size", int)]


class WriteThrottle(ScopedRateThrottle):
    """The `write` scope, counted on writes only (reads are not throttled)."""

    def allow_request(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        return super().allow_request(request, view)


class ApiView(APIView):
    """Base of every endpoint: authenticated, writes throttled per user."""

    throttle_classes = [WriteThrottle]
    throttle_scope = "write"


# A moment further than this from now is no one's shift or clock reading; Python's dates end at
# 9999 and an offset added to one near the edge overflowed (a 500).
PLAUSIBLE_SPAN = datetime.timedelta(days=3652)


class InstantField(serializers.DateTimeField):
    """A moment with its offset, within ten years of the server's now (a year-1 or year-9999
    time is a typo or a broken clock; converted to UTC it even overflowed). A time without an
    offset is refused, as offline sync refuses it: read in the hall's zone it was 8 hours off for
    a phone sending UTC (issue 21)."""

    far_off_message = "This time is more than ten years from now."
    no_offset_message = "Give the time with its offset, e.g. 2026-12-07T07:00:00-08:00."

    def to_internal_value(self, value):
        if _naive(value):
            raise serializers.ValidationError(self.no_offset_message)
        try:
            moment = super().to_internal_value(value)
        except OverflowError:  # DRF's own check of a naive time near year 9999 overflows
            self.fail("overflow")
        try:
            off = abs(moment - timezone.now()) > PLAUSIBLE_SPAN
        except OverflowError:
            off = True
        if off:
            raise serializers.ValidationError(self.far_off_message)
        return moment


def _naive(value) -> bool:
    """A date and time written without an offset (what is not a date and time at all is left to
    DRF's own message)."""
    if isinstance(value, str):
        try:
            value = parse_datetime(value.strip())
        except ValueError:
            return False
    return isinstance(value, datetime.datetime) and timezone.is_naive(value)


class PlausibleDateField(forms.DateField):
    """A date within the hall's plausible dates for a filter (unioncore.dates, decision 0037)."""

    def validate(self, value):
        super().validate(value)
        if value is not None and (problem := implausible(value, UNTIL, show=datetime.date.isoformat)):
            raise forms.ValidationError(problem)


class DateFilter(django_filters.DateFilter):
    """A date query parameter within the hall's plausible dates (else a 400 naming it): a day
    added to 9999-12-31 overflowed (a 500)."""

    field_class = PlausibleDateField


class IdField(forms.IntegerField):
    """A row's id in the query string: a whole number a database key can hold (else a 400 naming
    the parameter). SQLite (`make run`) cannot even compare a larger one (it was a 500 there)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", -(2**63))
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(**kwargs)


class IdFilter(django_filters.NumberFilter):
    """Rows by the id of a related row (`field_name="dispatch_id"`), within a key's range."""

    field_class = IdField


@extend_schema_field({"type": "string", "pattern": r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$", "example": "07:00:00"})
class WallClockTimeField(serializers.TimeField):
    """A local time of day without an offset ("07:00:00"); the schema's `format: time` would
    demand an RFC 3339 offset, so it is described by a pattern instead."""


class Error(serializers.Serializer):
    """The error envelope, for the schema."""

    class Body(serializers.Serializer):
        code = serializers.CharField(help_text="Stable, for the app's logic (docs/api.md, Errors)")
        message = serializers.CharField(help_text="For people: what was refused and why")
        fields = serializers.DictField(
            child=serializers.JSONField(),
            required=False,
            help_text="field → message; a nested input's errors nest the same way (a list's by index)",
        )

    error = Body(help_text="What went wrong")


def paginated(request, view, queryset, output: type[serializers.Serializer], *, read=None, page_rows=None, **context):
    """A page of `queryset` (`?page=`), each row through `output`. With `read`, the page's slice
    is read through it (e.g. into `values()` rows with joined columns). The page and the count
    of every row come in one query (`_OnePage`): `counted(queryset, read)`'s rows, or, with
    `page_rows`, `page_rows(low, high)`'s (the same query run from its compiled SQL:
    unioncore.sql.Compiled)."""
    from unioncore.api.pagination import Pagination

    paginator = Pagination()
    rows = _OnePage(
        queryset, read, request.query_params.get(paginator.page_query_param), paginator.get_page_size(request),
        page_rows=page_rows,
    )  # fmt: skip
    page = paginator.paginate_queryset(rows, request, view=view)
    return paginator.get_paginated_response(output(page, many=True, context=context).data)


class _OnePage:
    """What Django's Paginator needs of a queryset, in one query: asked for the count, it reads
    the requested page with the count of all rows beside it, and hands that page out when the
    paginator slices it. A count query and a page query were a third of the API list's database
    time and a fifth of its Python (bench/api_throughput.py). The count is a scalar subquery of
    the same filter (`(SELECT COUNT(*) … WHERE …)`, run once: an index-only scan), not
    `COUNT(*) OVER ()`: a window makes the database join and hold every matching row, not just
    the page's — most of the list's time in PostgreSQL (decision 0063, docs/performance.md). A
    queryset that groups or aggregates keeps the window. A page with no rows
    (past the last, or a page number that is not one) is counted by a count query, so the
    paginator answers it as ever (a 404, or the empty first page)."""

    TOTAL = "page_total"

    def __init__(self, queryset: QuerySet, read, number, size: int, page_rows=None):
        self.queryset, self.read = queryset, read or (lambda rows: rows)
        self.page_rows = page_rows or (lambda low, high: list(counted(self.queryset, self.read)[low:high]))
        self.ordered = queryset.ordered
        self.span = None
        # A window counts rows before DISTINCT or a UNION would merge them: those are counted apart.
        plain = not (queryset.query.distinct or queryset.query.combinator)
        if plain and (number in (None, "", "1") or (isinstance(number, str) and number.isdigit())):
            first = (int(number or 1) - 1) * size
            if first + size < 2**63:  # an OFFSET the database can take; further is past the end anyway
                self.span = (first, first + size)
        self.rows: list | None = None
        self.total: int | None = None

    def count(self) -> int:
        if self.total is None and self.span is not None:
            self.rows = self.page_rows(*self.span)
            if self.rows:
                first = self.rows[0]
                self.total = first[self.TOTAL] if isinstance(first, dict) else getattr(first, self.TOTAL)
        if self.total is None:
            self.total = self.queryset.count()
        return self.total

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        # The paginator slices the last page short, to the count: the rows read are all there is.
        if self.rows and isinstance(index, slice) and index.start == self.span[0] and index.stop <= self.span[1]:
            return self.rows[: index.stop - index.start]
        return list(self.read(self.queryset[index]))


def counted(queryset: QuerySet, read=None) -> QuerySet:
    """`queryset`'s rows (through `read`, if given) each with the count of all of them
    (`_OnePage.TOTAL`), to be sliced to a page."""
    return (read or (lambda rows: rows))(queryset).annotate(**{_OnePage.TOTAL: _total_of(queryset)})


def _total_of(queryset: QuerySet):
    """An expression of how many rows `queryset` has, for beside each row of its page."""
    query = queryset.query
    if query.group_by is None and not any(
        getattr(a, "contains_aggregate", False) or getattr(a, "contains_over_clause", False)
        for a in query.annotations.values()
    ):
        count = Func(function="COUNT", template="COUNT(*)", output_field=IntegerField())
        return Subquery(queryset.order_by().values(**{_OnePage.TOTAL: count}))
    return Window(Count("*"))


_pages: dict = {}


def page_of(output: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The schema of a page of `output` rows."""
    if output not in _pages:
        _pages[output] = type(
            f"Paginated{output.__name__}",
            (serializers.Serializer,),
            {
                "count": serializers.IntegerField(help_text="How many there are in all pages"),
                "next": serializers.URLField(allow_null=True, help_text="The next page's URL; null on the last"),
                "previous": serializers.URLField(allow_null=True, help_text="The previous page's URL, or null"),
                "results": output(many=True, help_text="This page's rows (50 a page, `page_size` up to 200)"),
            },
        )
    return _pages[output]
