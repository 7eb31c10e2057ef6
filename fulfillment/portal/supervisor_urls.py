"""Supervisor pages: the verification card, the waiting list, the site kiosk."""

from django.urls import path

from fulfillment.portal import conflicts, supervisor

urlpatterns = [
    path("timelogs/<str:token>/", supervisor.timelog_card, name="timelog-card"),
    path("crew/", supervisor.waiting_list, name="supervisor-list"),
    path("crew/kiosk/", supervisor.kiosk, name="supervisor-kiosk"),
    path("crew/check-in/<int:pk>/", supervisor.check_in, name="supervisor-check-in"),
    path("crew/conflicts/<int:pk>/resolve/", conflicts.resolve_on_list, name="supervisor-conflict-resolve"),
    path("crew/kiosk/<int:pk>/stop/", supervisor.kiosk_stop, name="supervisor-kiosk-stop"),
    path("crew/kiosk/<int:pk>/stop-with-changes/", supervisor.kiosk_stop_edit, name="supervisor-kiosk-stop-edit"),
    path("crew/shifts/<int:pk>/eject/", supervisor.shift_eject, name="supervisor-shift-eject"),
    path("crew/shifts/<int:pk>/clock-out/", supervisor.shift_clock_out, name="supervisor-shift-clock-out"),
    path("timelogs/photos/<int:pk>/", supervisor.photo, name="timelog-photo"),
]
