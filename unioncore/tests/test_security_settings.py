"""Deployment and the browser's policy (issue 20, finding 14): SECRET_KEY read as written,
`check --deploy` clean with a random key, a Content-Security-Policy on the console, the portal
and the schema UI (every inline block carries its nonce), and Swagger UI served from this site."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management.utils import get_random_secret_key
from django.urls import reverse

from members.tests.factories import MemberFactory
from unioncore.models import UserKind
from unioncore.tests.factories import StaffFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]


def production(*args: str, secret_key: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DJANGO_SETTINGS_MODULE")}
    env.update({"ALLOWED_HOSTS": "hall.example.org", "DJANGO_SETTINGS_MODULE": "unioncore.settings.production"})
    if secret_key is not None:
        env["SECRET_KEY"] = secret_key
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_check_deploy_is_clean_with_a_random_key_even_one_starting_with_a_dollar():
    """Django's random keys may start with `$`; django-environ read such a key as the name of
    another variable and refused to start, printing most of the key in its error."""
    key = "$" + get_random_secret_key()
    checked = production("manage.py", "check", "--deploy", "--fail-level", "WARNING", secret_key=key)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "no issues" in checked.stdout
    read = production("-c", "from django.conf import settings as s; import os; "
                      "print(s.SECRET_KEY == os.environ['SECRET_KEY'])", secret_key=key)  # fmt: skip
    assert read.stdout.strip() == "True", read.stderr[-500:]
    assert key[1:20] not in read.stdout + read.stderr


def test_production_refuses_to_start_without_a_key_and_says_which_variable():
    started = production("manage.py", "check", secret_key=None)
    assert started.returncode != 0
    assert "Set the SECRET_KEY environment variable." in started.stderr


NONCE = re.compile(r"'nonce-([^']+)'")
INLINE = re.compile(r"<(script|style)\b(?![^>]*\bsrc=)([^>]*)>", re.IGNORECASE)


def assert_policed(response) -> None:
    """The response carries the policy, and every inline script and style carries its nonce;
    no element has a style attribute or an inline event handler (the policy refuses both)."""
    policy = response.headers.get("Content-Security-Policy", "")
    assert "script-src 'self'" in policy, policy
    assert "frame-ancestors 'none'" in policy, policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    page = response.content.decode()
    nonce = NONCE.search(policy)
    for tag, attributes in INLINE.findall(page):
        assert nonce, f"<{tag}{attributes}> with no nonce in the policy"
        assert f'nonce="{nonce[1]}"' in attributes, f"<{tag}{attributes}> without the nonce"
    assert not re.search(r"<[a-z][^>]*\sstyle=", page), "a style attribute"
    assert not re.search(r"<[a-z][^>]*\son[a-z]+=", page), "an inline event handler"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/reports/",
        "/admin/reports/run/out-of-work-list/",
        "/admin/unioncore/user/",
        "/admin/unioncore/importjob/add/",
        "/api/schema/ui/",
    ],
)
def test_console_pages_carry_the_policy_and_nonces(client, url):
    client.force_login(StaffFactory(groups=["admin"]))
    response = client.get(url)
    assert response.status_code == 200, url
    assert_policed(response)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/portal/login/", "/portal/login/link/", "/portal/me/", "/portal/me/timelogs/"])
def test_portal_pages_carry_the_policy(client, url):
    user = UserFactory(kind=UserKind.MEMBER)
    MemberFactory(user=user)
    if url.startswith("/portal/me"):
        client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    assert_policed(response)


@pytest.mark.django_db
def test_the_schema_ui_loads_swagger_ui_from_this_site_only(client):
    page = client.get(reverse("schema-ui")).content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources, page
    assert not [s for s in sources if s.startswith(("http:", "https:", "//"))], sources
    assert any("swagger-ui-bundle.js" in s for s in sources)
    script = [s for s in sources if s.startswith(reverse("schema-ui"))]
    assert [client.get(s)["Content-Type"] for s in script] == ["application/javascript"], "start-up script as a file"
    for source in set(sources) - set(script):  # each a static file of this site (the live server serves them)
        assert source.startswith(settings.STATIC_URL) or source.startswith("/" + settings.STATIC_URL), source
        assert finders.find(source.split(settings.STATIC_URL, 1)[1]), source
