"""Staff dashboards: out-of-work counts, dispatches per day, time logs waiting."""

urlpatterns = []
