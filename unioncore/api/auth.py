"""Logging in from a phone: one knox token per device (stored hashed, expiring, revocable)."""

from django.contrib.auth import user_logged_in
from drf_spectacular.utils import extend_schema, extend_schema_field
from knox.models import AuthToken
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from unioncore import services
from unioncore.api.authentication import delete_expired_tokens
from unioncore.api.base import ApiView, Error, validated
from unioncore.models import User, UserKind


class EmployerOfUser(serializers.Serializer):
    """The employer an employer user works for, and their role there."""

    id = serializers.IntegerField(help_text="The employer's id")
    name = serializers.CharField(help_text="The employer's name")
    role = serializers.CharField(help_text="supervisor, manager or admin (who may verify hours), or another role")


class UserOutput(serializers.Serializer):
    id = serializers.IntegerField(help_text="The user's id")
    username = serializers.CharField(help_text="The login name")
    name = serializers.SerializerMethodField(help_text="First and last name, else the login name")
    kind = serializers.CharField(help_text="member, employer or staff")
    phone = serializers.CharField(allow_null=True, help_text="The phone number (E.164), if any")
    member_card_number = serializers.SerializerMethodField(help_text="A member's card number; null for others")
    employer = serializers.SerializerMethodField()

    def get_name(self, user: User) -> str:
        return user.get_full_name() or user.username

    def get_member_card_number(self, user: User) -> str | None:
        member = getattr(user, "member", None) if user.kind == UserKind.MEMBER else None
        return member.card_number if member is not None else None

    @extend_schema_field(EmployerOfUser(allow_null=True, help_text="An employer user's employer; null for others"))
    def get_employer(self, user: User) -> dict | None:
        employer_user = getattr(user, "employer_user", None) if user.kind == UserKind.EMPLOYER else None
        if employer_user is None:
            return None
        return {"id": employer_user.employer_id, "name": employer_user.employer.name, "role": employer_user.role}


class LoginApi(ApiView):
    """Username or phone + password → a token for this device. Failed logins count towards the
    account lock, exactly as in the console."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    class Input(serializers.Serializer):
        username = serializers.CharField(required=False, allow_blank=False, help_text="The login name (or `phone`)")
        phone = serializers.CharField(
            required=False, allow_blank=False, help_text="The phone number on the account (or `username`)"
        )
        password = serializers.CharField(trim_whitespace=False, help_text="The password, as typed")

        def validate(self, attrs):
            if not attrs.get("username") and not attrs.get("phone"):
                raise serializers.ValidationError({"username": "Give a username or a phone number."})
            return attrs

    class Output(serializers.Serializer):
        token = serializers.CharField(help_text="This device's token: send it as `Authorization: Token …`")
        expires_at = serializers.DateTimeField(allow_null=True, help_text="When the token expires (null: never)")
        user = UserOutput(help_text="Who logged in")

    @extend_schema(request=Input, responses={200: Output, 400: Error, 429: Error}, auth=[])
    def post(self, request):
        data = validated(self.Input, request.data)
        user = services.login_authenticate(
            request=request, identifier=data.get("username") or data["phone"], password=data["password"]
        )
        delete_expired_tokens(user)
        instance, token = AuthToken.objects.create(user)
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        return Response(self.Output({"token": token, "expires_at": instance.expiry, "user": user}).data)


class LogoutApi(ApiView):
    """Revoke this device's token (the others stay)."""

    @extend_schema(request=None, responses={204: None, 401: Error})
    def post(self, request):
        if isinstance(request.auth, AuthToken):
            request.auth.delete()
        return Response(status=204)


class MeApi(ApiView):
    """Who this token is: profile, kind, member card number or employer and role."""

    @extend_schema(responses={200: UserOutput, 401: Error})
    def get(self, request):
        user = User.objects.select_related("member", "employer_user__employer").get(pk=request.user.pk)
        return Response(UserOutput(user).data)
