import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_admin_login_page_renders_in_chromium(page):
    page.goto("/admin/login/")
    assert "Log in" in page.title() or page.locator("input[name=username]").count() == 1
