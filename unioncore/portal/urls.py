"""Every portal URL lives under /portal/ (card links in SMS point at /portal/timelogs/<token>/)."""

from django.urls import include, path

app_name = "portal"

urlpatterns = [
    # Supervisors: verification card (the SMS deep link), waiting list, kiosk.
    path("", include("fulfillment.portal.supervisor_urls")),
    # Staff dashboards.
    path("staff/", include("reports.portal.urls")),
]
