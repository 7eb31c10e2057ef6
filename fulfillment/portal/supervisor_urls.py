"""Supervisor pages: the verification card, the waiting list, the site kiosk."""

urlpatterns = []
