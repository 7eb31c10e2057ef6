"""A member's home under /portal/me/. The other member pages belong to the apps that serve them
(referral/portal/member_urls.py, dispatch/portal/member_urls.py, fulfillment/portal/member_urls.py);
the portal's URL list (the wiring, unioncore/portal/urls.py) puts them all under /portal/me/."""

from django.urls import path

from members.portal import views

urlpatterns = [
    path("", views.home, name="member-home"),
]
