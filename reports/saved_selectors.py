"""Reads of the saved custom reports (decision 0055): which a user sees — their own and those
shared with one of their groups, of reports they may run with every filter they were saved with."""

from django.db.models import Q
from django.http import Http404

from reports import framework
from reports.models import SavedReport


def _usable(saved: SavedReport, user) -> bool:
    from reports.filters import DEMOGRAPHIC_FILTERS

    report = framework.get(saved.report)
    if report is None or not report.can_run(user):
        return False
    # Saved with race, gender or ages: not for someone whose form lacks them (their run would
    # quietly drop them and show other rows than the name promises).
    return not (set(saved.filters) & DEMOGRAPHIC_FILTERS) or framework.sees_demographics(user)


def saved_reports_for(user) -> list[SavedReport]:
    """The saved reports `user` sees, by name: their own, and those shared with their groups."""
    if not (user and user.is_active and user.is_staff):
        return []
    rows = (
        SavedReport.objects.filter(Q(owner=user) | Q(shared_with__in=user.groups.all()))
        .distinct().select_related("owner").prefetch_related("shared_with").order_by("name", "id")
    )  # fmt: skip
    return [saved for saved in rows if _usable(saved, user)]


def saved_report_for(user, pk: int) -> SavedReport:
    """One saved report `user` sees; any other is not there for them (404, not 403: a name is
    not leaked)."""
    saved = next((s for s in saved_reports_for(user) if s.pk == pk), None)
    if saved is None:
        raise Http404("No such saved report.")
    return saved
