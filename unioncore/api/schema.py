"""The schema's own rules (issue 21, decision 0041): explicit operation ids, and every status an
operation can answer declared, each with the one error component whose `code` is an enum of the
codes the API really sends."""

import functools

from django.conf import settings
from django.utils.module_loading import autodiscover_modules
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from drf_spectacular.openapi import AutoSchema as BaseAutoSchema

from unioncore.errors import error_enums

# (method, path under /api/v1) → operationId: what a generated client names its functions.
OPERATION_IDS = {
    ("post", "/auth/login/"): "login",
    ("post", "/auth/logout/"): "logout",
    ("get", "/me/"): "getMe",
    ("get", "/me/registrations/"): "listMyRegistrations",
    ("post", "/registrations/{id}/re-sign/"): "reSignRegistration",
    ("post", "/registrations/{id}/re-register/"): "reRegisterRegistration",
    ("get", "/jobs/"): "listJobs",
    ("get", "/jobs/{id}/"): "getJob",
    ("post", "/jobs/{id}/bid/"): "placeBid",
    ("delete", "/jobs/{id}/bid/"): "withdrawBid",
    ("get", "/me/dispatches/"): "listMyDispatches",
    ("get", "/me/hours/"): "getMyHours",
    ("post", "/dispatches/{id}/accept/"): "acceptDispatch",
    ("post", "/dispatches/{id}/decline/"): "declineDispatch",
    ("post", "/dispatches/{id}/check-in/"): "checkInDispatch",
    ("get", "/timelogs/"): "listTimelogs",
    ("post", "/timelogs/clock-in/"): "clockIn",
    ("post", "/timelogs/retroactive/"): "enterRetroactiveTimelog",
    ("patch", "/timelogs/{id}/"): "editDraftTimelog",
    ("post", "/timelogs/{id}/events/"): "recordTimelogEvent",
    ("post", "/timelogs/{id}/submit/"): "submitTimelog",
    ("post", "/timelogs/{id}/accept/"): "acceptTimelogEdit",
    ("post", "/timelogs/{id}/reject/"): "rejectTimelogEdit",
    ("post", "/timelogs/{id}/verify/"): "verifyTimelog",
    ("post", "/timelogs/{id}/edit/"): "editTimelog",
    ("post", "/timelogs/{id}/dispute/"): "disputeTimelog",
    ("post", "/timelogs/{id}/acknowledge/"): "acknowledgeTimelog",
    ("post", "/timelogs/{id}/eject/"): "ejectWorker",
    ("post", "/timelogs/{id}/force-clock-out/"): "forceClockOut",
    ("post", "/sync/"): "syncEvents",
    ("get", "/sync/conflicts/"): "listSyncConflicts",
    ("post", "/sync/conflicts/{id}/resolve/"): "resolveSyncConflict",
}


class AutoSchema(BaseAutoSchema):
    """Views nest their own `Input` and `Output`: name components by the qualified name
    (`LoginApi.Input` → `LoginApiInput`) so that they never collide."""

    def get_serializer_name(self, serializer, direction):
        return type(serializer).__qualname__.replace(".", "")

    def get_operation_id(self):
        path = self.path.removeprefix(settings.SPECTACULAR_SETTINGS["SCHEMA_PATH_PREFIX"])
        # An endpoint missing from the table keeps drf-spectacular's id; the schema test names it.
        return OPERATION_IDS.get((self.method.lower(), path)) or super().get_operation_id()

    def get_description(self):
        from unioncore.api.base import ApiView

        description = super().get_description()
        # The base class's docstring says nothing of the operation: no description rather than it.
        return "" if description == (ApiView.__doc__ or "").strip() else description


class TokenScheme(KnoxTokenScheme):
    """The schema's `knoxApiToken` for unioncore.api.authentication.TokenAuthentication (knox's,
    in one query): the same scheme as knox's own class."""

    target_class = "unioncore.api.authentication.TokenAuthentication"


# --- Error codes ---


@functools.cache
def error_codes() -> list[str]:
    """Every `error.code` the API can send: the members of every domain's enum of codes (each
    app's `errors` module, decision 0047) and the API's own (`ApiError`: DRF's, through the error
    handler). A raise takes a member, so a new rule cannot be missing from the schema."""
    from unioncore.api.errors import ApiError  # noqa: F401  (one of the enums, beside the apps')

    autodiscover_modules("errors")
    return sorted(member.value for enum_class in error_enums() for member in enum_class)


# --- The statuses every operation can answer ---

ERROR = {"$ref": "#/components/schemas/Error"}
RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before trying again"}}
DESCRIPTIONS = {
    "400": "The input is not valid, or a rule refuses it (`fields` names each field at fault)",
    "401": "No token, or an unknown, revoked or expired one: log in again",
    "403": "Seen, but not yours to do (`not_allowed`)",
    "404": "It does not exist or it is not yours (`not_found`); for a list, a page past the last",
    "405": "This method is not allowed on this path (`method_not_allowed`)",
    "409": "The object's state forbids it",
    "422": "A `client_uuid` reused with a different body (`idempotency_key_reused`)",
    "429": "Throttled (`throttled`, `too_many_attempts`): wait `Retry-After` seconds",
}


def _paginated(operation: dict) -> bool:
    ref = operation["responses"].get("200", {}).get("content", {}).get("application/json", {}).get("schema", {})
    return ref.get("$ref", "").startswith("#/components/schemas/Paginated")


def declare_error_responses(result, generator, request, public):
    """A drf-spectacular postprocessing hook: adds to each operation the statuses the stack
    answers around the view — 401/403 where a token is needed, 404 on an object's path or a
    page of a list, 405 everywhere, 400 on every write (a body refused at the door), 429 with
    `Retry-After` where a throttle counts (writes, the login) — and types `error.code`."""
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation["responses"]
            statuses = {"405"}
            if operation.get("security"):
                statuses |= {"401", "403"}
            if "{id}" in path or _paginated(operation):
                statuses.add("404")
            if method != "get":
                statuses |= {"400", "429"}
            for status in statuses:
                responses.setdefault(status, {"content": {"application/json": {"schema": ERROR}}})
            for status, response in responses.items():
                if status in DESCRIPTIONS and not response.get("description"):
                    response["description"] = DESCRIPTIONS[status]
            if "429" in responses:
                responses["429"]["headers"] = {**responses["429"].get("headers", {}), **RETRY_AFTER}
            operation["responses"] = dict(sorted(responses.items()))
            if _paginated(operation):
                names = {parameter["name"] for parameter in operation.get("parameters", [])}
                for name, text in (("page", "A page number (50 a page)"), ("page_size", "Rows a page, up to 200")):
                    if name not in names:
                        operation.setdefault("parameters", []).append(
                            {"in": "query", "name": name, "schema": {"type": "integer"}, "description": text}
                        )
    schemas = result.get("components", {}).get("schemas", {})
    if "ErrorBody" in schemas:
        schemas["ErrorCode"] = {
            "type": "string",
            "enum": error_codes(),
            "description": "Stable, for the app's logic (docs/api.md, Errors)",
        }
        schemas["ErrorBody"]["properties"]["code"] = {
            "allOf": [{"$ref": "#/components/schemas/ErrorCode"}],
            "description": schemas["ErrorBody"]["properties"]["code"].get("description", ""),
        }
    return result
