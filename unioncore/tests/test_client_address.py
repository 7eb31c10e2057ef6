"""Whose address a request comes from, for the per-address limits (the API's login throttle and
the sign-in links sent per address): REMOTE_ADDR, or with NUM_PROXIES proxies in front the
address the first of them appended; never what the visitor wrote in X-Forwarded-For."""

import pytest
from django.test import RequestFactory

from unioncore.portal.views import client_address

LOGIN = "/api/v1/auth/login/"


def request_from(remote: str, forwarded: str | None = None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **headers)


def test_without_proxies_the_client_is_the_connections_address(settings):
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == 0
    assert client_address(request_from("203.0.113.7", forwarded="198.51.100.1")) == "203.0.113.7"


def test_behind_one_proxy_the_client_is_what_that_proxy_appended(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    # The visitor wrote 198.51.100.1 themselves; the proxy appended the address it saw.
    assert client_address(request_from("10.0.0.2", forwarded="198.51.100.1, 203.0.113.7")) == "203.0.113.7"
    assert client_address(request_from("10.0.0.2")) == "10.0.0.2"


@pytest.mark.django_db
def test_a_forged_forwarded_header_does_not_escape_the_login_throttle(api):
    for n in range(10):
        api.post(LOGIN, {"username": "nobody", "password": "x"}, format="json", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    response = api.post(LOGIN, {"username": "nobody", "password": "x"}, format="json", HTTP_X_FORWARDED_FOR="192.0.2.1")
    assert response.status_code == 429
