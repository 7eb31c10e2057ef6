"""Every decision record says whether it stands (issue 23, item 7): a `Status:` line, accepted
or superseded (in part) by the record that replaced it."""

import re
from pathlib import Path

from django.conf import settings

DECISIONS = Path(settings.BASE_DIR) / "docs" / "decisions"
STATUS = re.compile(r"^Status: (accepted|superseded (in part )?by \d{4}|superseded in part\b)", re.MULTILINE)


def test_every_decision_record_has_a_status_line():
    records = sorted(DECISIONS.glob("[0-9][0-9][0-9][0-9]-*.md"))
    assert len(records) >= 49
    missing = [record.name for record in records if not STATUS.search(record.read_text())]
    assert not missing, missing


def test_no_benchmark_figure_is_quoted_in_a_code_comment():
    """Measured figures live in docs/performance.md; a comment names the choice and points there."""
    figure = re.compile(r"#.*\b\d[\d,.]* ?(ms|µs)\b|\b\d[\d,.]* ?(ms|µs) (per|of)\b|approvals a second|a millisecond")
    apps = ("unioncore", "members", "referral", "dispatch", "fulfillment", "reports")
    found = [
        f"{source.relative_to(settings.BASE_DIR)}:{n}"
        for app in apps
        for source in sorted((Path(settings.BASE_DIR) / app).rglob("*.py"))
        if "tests" not in source.parts
        for n, line in enumerate(source.read_text().splitlines(), 1)
        if figure.search(line)
    ]
    assert not found, found
