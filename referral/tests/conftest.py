"""API test fixtures (the client, a token per user)."""

from unioncore.api.testing import api, api_as, fresh_throttles  # noqa: F401
