"""A member's book pages, under /portal/me/ (unioncore/portal/urls.py)."""

from django.urls import path

from referral.portal import views

urlpatterns = [
    path("activity/", views.activity, name="member-activity"),
    path("books/<int:pk>/re-sign/", views.re_sign, name="member-re-sign"),
    path("books/<int:pk>/re-register/", views.re_register, name="member-re-register"),
]
