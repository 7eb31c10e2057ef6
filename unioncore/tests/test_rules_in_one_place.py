"""Each rule number is written once (issue 23, item 3; decision 0047): the fixed ones in their
app's `rules.py`, the ones a hall may change as data (`dispatch.models.HallSettings`, the books'
fields). A second copy — a constant beside a setting, a beat time beside the rule's — fails here."""

import re
from pathlib import Path

from django.conf import settings

from dispatch import rules as dispatch_rules
from referral import rules as referral_rules
from unioncore.celery import app

APPS = ("unioncore", "members", "referral", "dispatch", "fulfillment", "reports")

# A literal → how many rules it may state (each named): more is a copy of one of them.
KNOWN = {
    r"time\(15, 0\)": 2,  # the request cut-off (HallSettings) and the check-in by 3 PM (dispatch/rules.py)
    r"time\(17, 30\)": 1,  # the bid window opens (HallSettings)
    r"time\(7, 0\)": 1,  # the bid window closes (HallSettings)
    r"time\(6, 0\)": 1,  # no check mark for a start before 6 AM (dispatch/rules.py)
    r"time\(10, 0\)": 1,  # the morning referral is over (referral/rules.py)
    r"minutes=25\)": 1,  # the clock-in ladder's last step, the eject window's end (fulfillment/rules.py)
    r"\bEJECT_WINDOW = ": 1,  # read from fulfillment.rules, never re-exported
    # The constants the settings replaced.
    r"\b(SAME_DAY_CUTOFF|SHORT_CALL_MAX_BUSINESS_DAYS|UNCOUNTED_SHORT_CALL_DAYS|MAX_RESTORATIONS)\b": 0,
    r"\b(BIDDING_OPENS|BIDDING_CLOSES|BY_NAME_BAR_DAYS|BID_REJECTION_SUSPENSION|HELD_AT_THE_LATEST_UNTIL)\b": 0,
}


def _product_code() -> str:
    base = Path(settings.BASE_DIR)
    return "\n".join(
        source.read_text()
        for app_name in APPS
        for source in sorted((base / app_name).rglob("*.py"))
        if not {"tests", "migrations"} & set(source.parts) and source.name != "demo.py"
    )


def test_no_rule_number_is_written_twice():
    code = _product_code()
    found = {pattern: len(re.findall(pattern, code)) for pattern in KNOWN}
    assert found == KNOWN, {p: f"{n} found, {KNOWN[p]} allowed" for p, n in found.items() if n != KNOWN[p]}


def test_the_beat_runs_at_the_rules_times():
    """The settings may not import an app (decision 0026): the beat's times are written there
    again, and held to the rules here."""
    schedule = app.conf.beat_schedule
    for name, time in (
        ("dispatch-roll-off-no-shows", dispatch_rules.CHECK_IN_BY),
        ("referral-complete-morning-referral", referral_rules.MORNING_REFERRAL_ENDS_BY),
        ("dispatch-notify-unfilled-requests", referral_rules.MORNING_REFERRAL_ENDS_BY),
    ):
        entry = schedule[name]["schedule"]
        assert (entry.hour, entry.minute) == ({time.hour}, {time.minute}), name


def _fsm_sources(model) -> dict[str, set[str]]:
    """Each transition of `model`'s status → the statuses it leaves from (django-fsm's guard)."""
    sources: dict[str, set[str]] = {}
    for transition in model._meta.get_field("status").get_all_transitions(model):
        sources.setdefault(transition.name, set()).add(transition.source)
    return sources


def test_a_time_logs_transitions_leave_from_exactly_the_statuses_its_rules_allow():
    """The service checks the rule, the FSM guards with its `source=`: one list (a status
    added to one and not the other would pass the check and fail the save, or the reverse)."""
    from fulfillment import rules
    from fulfillment.models import TimeLog

    sources = _fsm_sources(TimeLog)
    for transition, its_rules in rules.TRANSITION_RULES.items():
        allowed = {status for rule in its_rules for status in rule.statuses}
        assert sources[transition] == allowed, transition
    # `verify` ends every path: each rule leading to it is within its source.
    for rule in (rules.TIMELOG_RULES["verify"], rules.TIMELOG_RULES["accept"], rules.STOP_SHIFT):
        assert set(rule.statuses) <= sources["verify"], rule.verb


def test_a_dispatchs_answers_leave_from_exactly_the_statuses_its_rules_allow():
    from dispatch.models import Dispatch

    sources = _fsm_sources(Dispatch)
    for action in ("accept", "decline"):
        assert sources[action] == set(dispatch_rules.DISPATCH_RULES[action].statuses), action


# A rule's value written into a page as text (decision 0059): the page renders the rule's own.
WRITTEN_IN_PAGES = re.compile(r"\b25 minutes\b|\b3(:00)? ?PM\b|\b14 days\b")


def test_no_page_writes_a_rule_s_value_as_text():
    base = Path(settings.BASE_DIR) / "templates"
    found = [
        f"{page.relative_to(base)}: {match[0]}"
        for page in sorted(base.rglob("*.html"))
        for match in WRITTEN_IN_PAGES.finditer(re.sub(r"\{#.*?#\}", "", page.read_text(), flags=re.S))
    ]
    assert found == [], found
