"""``/api/v1/users/``: account administration over the API (the same services as the pages).

Only holders of ``accounts.manage_user`` reach it; everyone else gets 404 on every URL and method.
``PATCH`` with ``is_active: false`` deactivates (sessions and tokens end at once); other fields need
the ``version`` read. Create without ``password`` returns ``initial_password`` once.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from core.access import access, roles
from core.api.errors import error_response
from core.errors import ApplicationError

from .. import selectors, services
from ..filtersets import UserFilterSet
from ..roles import Role
from . import serializers as s


@access(read=roles(Role.ACCOUNT_ADMIN), write=roles(Role.ACCOUNT_ADMIN))
class UserViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = s.UserSerializer
    filterset_class = UserFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not services.can_manage_accounts(request.user):
            raise NotFound

    def get_queryset(self):
        return selectors.user_list(self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "masked": self.action == "list"}

    def handle_exception(self, exc):
        if isinstance(exc, ApplicationError) and exc.code == "conflict":
            return error_response(status.HTTP_409_CONFLICT, exc.code, exc.message, exc.fields)
        return super().handle_exception(exc)

    @extend_schema(request=s.UserSerializer, responses={201: s.CreatedUserSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        password = data.pop("password", None) or None
        data.pop("version", None)
        data.pop("is_active", None)
        issued = services.deliver_password(
            services.user_create(actor=request.user, data=data, password=password)
        )
        user = self.get_queryset().get(pk=issued.user.pk)
        body = s.CreatedUserSerializer(user, context=self.get_serializer_context()).data
        if issued.password:
            body["initial_password"] = issued.password
        else:
            body.pop("initial_password", None)
        return Response(body, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        target = self.get_object()
        serializer = self.get_serializer(target, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "password" in data:
            raise ApplicationError(
                "不能通过此接口设置密码，请使用重置密码接口。",
                fields={"password": ["请改用 reset-password。"]},
            )
        active = data.pop("is_active", None)
        version = data.pop("version", None)
        if data:
            services.user_update(actor=request.user, user=target, version=version, data=data)
        if active is not None:
            services.user_set_active(actor=request.user, user=target, active=active)
        return Response(self.get_serializer(self.get_queryset().get(pk=target.pk)).data)

    @extend_schema(request=None, responses=s.PasswordResetSerializer)
    @action(detail=True, methods=["post"], url_path="reset-password")
    def reset_password(self, request, pk=None):
        issued = services.deliver_password(
            services.user_reset_password(actor=request.user, user=self.get_object())
        )
        return Response({"one_time_password": issued.password, "emailed": issued.emailed})
