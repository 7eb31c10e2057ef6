"""A member's pages under /portal/me/."""

from django.urls import include, path

from dispatch.portal import views as dispatch_views
from members.portal import views
from referral.portal import views as referral_views

urlpatterns = [
    path("", views.home, name="member-home"),
    path("activity/", referral_views.activity, name="member-activity"),
    path("books/<int:pk>/re-sign/", referral_views.re_sign, name="member-re-sign"),
    path("books/<int:pk>/re-register/", referral_views.re_register, name="member-re-register"),
    path("jobs/<int:pk>/", dispatch_views.job_detail, name="member-job"),
    path("jobs/<int:pk>/bid/", dispatch_views.bid, name="member-bid"),
    path("jobs/<int:pk>/withdraw/", dispatch_views.withdraw, name="member-withdraw"),
    path("dispatches/<int:pk>/", dispatch_views.dispatch_detail, name="member-dispatch"),
    path("dispatches/<int:pk>/accept/", dispatch_views.accept, name="member-accept"),
    path("dispatches/<int:pk>/decline/", dispatch_views.decline, name="member-decline"),
    path("timelogs/", include("fulfillment.portal.member_urls")),
]
