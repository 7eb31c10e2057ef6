"""The accessibility gate of the browser tests (issue 25, decisions 0040 and 0056): every portal and
console (staff) page state a browser test reaches is scanned by axe-core, and a member's or
supervisor's page by our own 44 px tap-target check; a serious or critical finding fails the test.

A state is scanned when it has loaded, and once more at the end of the test (the last htmx swap).
A page the test leaves while axe runs on it is not counted (Playwright reports the context gone)."""

from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

FAILING_IMPACTS = {"serious", "critical"}
TAP_TARGET_PX = 44
# Member and supervisor pages: the phone-first part of the portal, held to the 44 px rule. Staff
# dashboards are used at a desk (axe's 24 px AA rule covers them).
PHONE_FIRST = ("/portal/me/", "/portal/crew/", "/portal/timelogs/", "/portal/login/", "/portal/orders/")
# The pages scanned: the portal, and the staff console (the Django admin and the pages UnionCore adds
# to it: the desk, reports, imports), decision 0056.
SCANNED = ("/portal/", "/admin/")


@cache
def axe_script() -> str:
    from importlib.resources import files

    # axe-core as axe-playwright-python ships it (pinned in requirements.txt).
    return files("axe_playwright_python").joinpath("axe.min.js").read_text()


@cache
def small_targets_js() -> str:
    lines = (Path(__file__).parent / "small_targets.js").read_text().splitlines()
    return "\n".join(line for line in lines if not line.startswith("//"))  # a bare function for evaluate


class Gate:
    """Scans the page states of one browser tab; `findings` lists what failed, per page state."""

    def __init__(self, tab, base_url: str):
        self.tab, self.base_url, self.findings, self.scanned = tab, base_url, [], 0

    def scanned_path(self) -> str | None:
        url = self.tab.url
        if not url.startswith(self.base_url):
            return None
        path = urlsplit(url).path
        return path if path.startswith(SCANNED) else None

    def scan(self) -> None:
        path = self.scanned_path()
        if path is None:
            return
        try:
            if not self.tab.evaluate("() => Boolean(window.axe)"):
                self.tab.evaluate(axe_script())
            # One run at a time per page: the end-of-test scan may meet a load's scan still running.
            results = self.tab.evaluate(
                "() => (window.ucAxe = (window.ucAxe || Promise.resolve())"
                ".then(() => axe.run(document, {resultTypes: ['violations']})))"
            )
            small = self.tab.evaluate(small_targets_js(), TAP_TARGET_PX) if path.startswith(PHONE_FIRST) else []
        except Exception as gone:  # the page went away under the scan (closed, navigated by itself)
            if "closed" in str(gone) or "destroyed" in str(gone) or "navigat" in str(gone):
                return
            raise
        self.scanned += 1
        for violation in results["violations"]:
            if violation["impact"] in FAILING_IMPACTS:
                targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
                self.findings.append(f"{path}: axe {violation['impact']} {violation['id']} ({targets})")
        for target in small:
            self.findings.append(f"{path}: tap target under {TAP_TARGET_PX} px: {target}")

    def report(self) -> str:
        unique = list(dict.fromkeys(self.findings))
        return f"{len(unique)} accessibility findings in {self.scanned} page states:\n  " + "\n  ".join(unique)
