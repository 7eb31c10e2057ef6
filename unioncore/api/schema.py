from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from drf_spectacular.openapi import AutoSchema as BaseAutoSchema


class AutoSchema(BaseAutoSchema):
    """Views nest their own `Input` and `Output`: name components by the qualified name
    (`LoginApi.Input` → `LoginApiInput`) so that they never collide."""

    def get_serializer_name(self, serializer, direction):
        return type(serializer).__qualname__.replace(".", "")


class TokenScheme(KnoxTokenScheme):
    """The schema's `knoxApiToken` for unioncore.api.authentication.TokenAuthentication (knox's,
    in one query): the same scheme as knox's own class."""

    target_class = "unioncore.api.authentication.TokenAuthentication"
