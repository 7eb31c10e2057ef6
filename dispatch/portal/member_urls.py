"""A member's job and dispatch pages, under /portal/me/ (unioncore/portal/urls.py)."""

from django.urls import path

from dispatch.portal import views

urlpatterns = [
    path("jobs/", views.jobs, name="member-jobs"),
    path("jobs/<int:pk>/", views.job_detail, name="member-job"),
    path("jobs/<int:pk>/bid/", views.bid, name="member-bid"),
    path("jobs/<int:pk>/withdraw/", views.withdraw, name="member-withdraw"),
    path("dispatches/<int:pk>/", views.dispatch_detail, name="member-dispatch"),
    path("dispatches/<int:pk>/accept/", views.accept, name="member-accept"),
    path("dispatches/<int:pk>/decline/", views.decline, name="member-decline"),
]
