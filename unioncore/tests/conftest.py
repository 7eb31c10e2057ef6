"""API test fixtures (the client, a token per user); uploads in the test's own folder."""

import pytest

from unioncore.api.testing import api, api_as, fresh_throttles  # noqa: F401


@pytest.fixture
def media(settings, tmp_path):
    """Uploaded files (LaborPower imports) stored in the test's own folder: `usefixtures("media")`."""
    settings.MEDIA_ROOT = tmp_path
