"""A member's time logs under /portal/me/timelogs/."""

from django.urls import path

from fulfillment.portal import member as views

urlpatterns = [
    path("", views.timelogs, name="member-timelogs"),
    path("clock-in/", views.clock_in, name="member-clock-in"),
    path("manual/", views.retroactive, name="member-retroactive"),
    path("<int:pk>/", views.timelog_detail, name="member-timelog"),
    path("<int:pk>/segment/<str:edge>/", views.segment, name="member-timelog-segment"),
    path("<int:pk>/stop/", views.stop, name="member-timelog-stop"),
    path("<int:pk>/draft/", views.draft_edit, name="member-timelog-draft"),
    path("<int:pk>/submit/", views.submit, name="member-timelog-submit"),
    path("<int:pk>/accept/", views.accept_edit, name="member-timelog-accept"),
    path("<int:pk>/reject/", views.reject_edit, name="member-timelog-reject"),
    path("<int:pk>/message/", views.dispute_message, name="member-timelog-message"),
    path("<int:pk>/correction/", views.correction, name="member-timelog-correction"),
]
