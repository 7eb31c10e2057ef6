"""What fulfillment adds to pages and rules owned by the apps below it (unioncore.composition)."""

from unioncore.composition import add_part


def _clocked_in_before(*, before):
    """Dispatches whose member clocked in before `before`: they turned up (dispatch's no-shows)."""
    from fulfillment.models import TimeLog

    return TimeLog.objects.filter(clock_in_at__lt=before).values("dispatch_id")


def register_parts() -> None:
    from fulfillment.portal import member_selectors as hours

    add_part("member_home", "open_shift", lambda *, user, **_: hours.open_shift(user=user))
    add_part("member_home", "waiting_on_me", lambda *, user, **_: hours.waiting_on_worker(user=user).count())
    add_part("dispatch_turned_up", "clocked_in", _clocked_in_before)
