"""The phone app's API (SPEC §9): the shared parts — error format, auth, pagination, throttles,
URLs. Each app keeps its own views and serializers in `<app>/api.py`."""
