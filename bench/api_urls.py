"""The project's URLs plus the bare baseline of bench/api_throughput.py (bench/settings.py
selects this module; the production URLconf never contains it)."""

from django.http import JsonResponse
from django.urls import path

from fulfillment.models import TimeLog
from unioncore.urls import urlpatterns as project_urlpatterns

# Every column of a time log and the employer's name: what the API's page carries, without DRF.
FIELDS = [f.attname for f in TimeLog._meta.concrete_fields] + ["dispatch__employer__name"]


def bare_timelogs(request):
    """The same 50 rows as `GET /api/v1/timelogs/` for the worker `?worker=<user id>` (newest
    clock-in first): one query, `values()`, JsonResponse. No authentication, no serializer, no
    count — the floor the API is measured against."""
    worker = int(request.GET["worker"])
    rows = TimeLog.objects.filter(worker_id=worker).order_by("-clock_in_at", "-id").values(*FIELDS)[:50]
    return JsonResponse({"results": list(rows)})


urlpatterns = [path("bench/bare/timelogs/", bare_timelogs, name="bench-bare-timelogs"), *project_urlpatterns]
