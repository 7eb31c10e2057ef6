"""Logging in from a phone: one knox token per device (stored hashed, expiring, revocable)."""

from django.contrib.auth import user_logged_in
from drf_spectacular.utils import extend_schema
from knox.models import AuthToken
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from unioncore import services
from unioncore.api.authentication import delete_expired_tokens
from unioncore.api.base import ApiView, Error, validated
from unioncore.models import User, UserKind


class UserOutput(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.SerializerMethodField()
    kind = serializers.CharField()
    phone = serializers.CharField(allow_null=True)
    member_card_number = serializers.SerializerMethodField()
    employer = serializers.SerializerMethodField()

    def get_name(self, user: User) -> str:
        return user.get_full_name() or user.username

    def get_member_card_number(self, user: User) -> str | None:
        member = getattr(user, "member", None) if user.kind == UserKind.MEMBER else None
        return member.card_number if member is not None else None

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
        username = serializers.CharField(required=False, allow_blank=False)
        phone = serializers.CharField(required=False, allow_blank=False)
        password = serializers.CharField(trim_whitespace=False)

        def validate(self, attrs):
            if not attrs.get("username") and not attrs.get("phone"):
                raise serializers.ValidationError({"username": "Give a username or a phone number."})
            return attrs

    class Output(serializers.Serializer):
        token = serializers.CharField()
        expires_at = serializers.DateTimeField(allow_null=True)
        user = UserOutput()

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
