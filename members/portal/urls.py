"""A member's pages under /portal/me/."""

from django.urls import path

from members.portal import views

urlpatterns = [
    path("", views.home, name="member-home"),
]
