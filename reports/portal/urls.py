"""Staff dashboards: out-of-work counts, dispatches per day, time logs waiting."""

from django.urls import path

from reports.portal import views

urlpatterns = [
    path("", views.dashboards, name="staff-dashboard"),
]
