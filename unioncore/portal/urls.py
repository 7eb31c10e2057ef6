"""Every portal URL lives under /portal/ (card links in SMS point at /portal/timelogs/<token>/).
This list is wiring (.importlinter): it may name every app."""

from django.urls import include, path

from unioncore.notifications import views as notification_views
from unioncore.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("login/link/", views.login_link_request, name="login-link"),
    path("login/link/sent/", views.login_link_sent, name="login-link-sent"),
    path("login/link/<str:token>/", views.login_link_redeem, name="login-link-redeem"),
    path("nothing-here/", views.nothing_here, name="nothing-here"),
    # Anyone signed in: texts on or off (STOP / START).
    path("texts/", notification_views.text_messages, name="text-messages"),
    # Members: home, books, jobs, dispatches, time logs, each from the app that serves it.
    path("me/", include("members.portal.urls")),
    path("me/", include("referral.portal.member_urls")),
    path("me/", include("dispatch.portal.member_urls")),
    path("me/timelogs/", include("fulfillment.portal.member_urls")),
    # Supervisors: verification card (the SMS deep link), waiting list, kiosk.
    path("", include("fulfillment.portal.supervisor_urls")),
    # Employers: their job orders to the hall.
    path("orders/", include("dispatch.portal.employer_urls")),
    # Staff dashboards.
    path("staff/", include("reports.portal.urls")),
]
