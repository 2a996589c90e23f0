from django.contrib.auth.signals import user_login_failed
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from core.access import PUBLIC, SIGNED_IN, access
from core.errors import ApplicationError

from .. import tokens, two_factor


class TokenObtainSerializer(AuthTokenSerializer):
    code = serializers.CharField(
        label="动态验证码或恢复码",
        required=False,
        help_text="已启用双因素认证的账号必填：验证器应用的 6 位数字或一个恢复码。",
    )


@access(write=PUBLIC)
class ObtainTokenView(APIView):
    """POST username and password (and ``code`` for users enrolled in two-factor), get
    ``{"token": "…"}``. Failed attempts, wrong codes included, count toward the lockout."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    @extend_schema(
        request=TokenObtainSerializer,
        responses=inline_serializer(
            "TokenResponse",
            fields={"token": serializers.CharField(), "expires_at": serializers.DateTimeField()},
        ),
        auth=[],
    )
    def post(self, request):
        serializer = TokenObtainSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        if two_factor.has_confirmed_device(user):
            code = str(request.data.get("code") or "")
            if two_factor.match_code(user, code) is None:
                user_login_failed.send(
                    sender=__name__, credentials={"username": user.get_username()}, request=request
                )
                raise ApplicationError(
                    "该账号已启用双因素认证，请提供正确的动态验证码。",
                    fields={"code": ["请填写验证器应用当前显示的 6 位数字，或一个未用过的恢复码。"]},
                    code="two_factor_code_invalid",
                )
        token = tokens.token_issue(user=user)
        return Response({"token": token.key, "expires_at": tokens.token_expires_at(token)})


@access(write=SIGNED_IN)
class RevokeTokenView(APIView):
    """POST: end the caller's own API token at once (the next call with it is a 401)."""

    @extend_schema(
        request=None,
        responses=inline_serializer("TokenRevoked", fields={"revoked": serializers.IntegerField()}),
    )
    def post(self, request):
        return Response({"revoked": tokens.tokens_end(user=request.user, reason="revoked")})
