"""Security (issue #11): CSRF on every portal form. Each app's portal tests post one form
without its token; here every URL under /portal/ (enumerated from the URLconf, so a page added
later is included) refuses a POST without the CSRF token, for a signed-in member and for a
visitor: no portal view is exempt."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from members.tests.factories import MemberFactory
from unioncore.models import UserKind
from unioncore.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def routes(patterns=None, prefix: str = "") -> list[str]:
    found = []
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found += routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            found.append(route)
    return found


def portal_paths() -> list[str]:
    sample = {"int": "1", "str": "x", "slug": "x", "uuid": "00000000-0000-0000-0000-000000000000", "path": "x"}
    paths = []
    for route in routes():
        if not route.startswith("portal/"):
            continue
        path = re.sub(r"<(?:(\w+):)?\w+>", lambda m: sample.get(m.group(1) or "str", "1"), route)
        paths.append("/" + path.lstrip("^").rstrip("$"))
    return sorted(set(paths))


def test_every_portal_url_refuses_a_post_without_the_csrf_token():
    paths = portal_paths()
    member = UserFactory(kind=UserKind.MEMBER)
    MemberFactory(user=member)
    signed_in = Client(enforce_csrf_checks=True)
    signed_in.force_login(member)
    accepted = []
    for client in (signed_in, Client(enforce_csrf_checks=True)):
        for path in paths:
            response = client.post(path, {})
            if not (response.status_code == 403 and b"CSRF" in response.content):
                accepted.append((path, response.status_code))
    print(f"\n{len(paths)} portal URLs, {2 * len(paths) - len(accepted)} of {2 * len(paths)} POSTs refused", end="")
    assert len(paths) >= 5, paths
    assert not accepted, f"POSTs without a CSRF token not refused: {accepted}"
