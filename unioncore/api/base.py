"""What every API view shares: input validation, the write throttle, lookups that answer 404
for what the caller may not see."""

from django.db.models import Model, QuerySet
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView


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


class Error(serializers.Serializer):
    """The error envelope, for the schema."""

    class Body(serializers.Serializer):
        code = serializers.CharField()
        message = serializers.CharField()
        fields = serializers.DictField(child=serializers.CharField(), required=False)

    error = Body()


def paginated(request, view, queryset, output: type[serializers.Serializer], **context):
    """A page of `queryset` (`?page=`), each row through `output`."""
    from unioncore.api.pagination import Pagination

    paginator = Pagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(output(page, many=True, context=context).data)


_pages: dict = {}


def page_of(output: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The schema of a page of `output` rows."""
    if output not in _pages:
        _pages[output] = type(
            f"Paginated{output.__name__}",
            (serializers.Serializer,),
            {
                "count": serializers.IntegerField(),
                "next": serializers.URLField(allow_null=True),
                "previous": serializers.URLField(allow_null=True),
                "results": output(many=True),
            },
        )
    return _pages[output]
