"""One viewset base for every register under /api/v1/<register>/: the same services, selectors,
restrict rules and masking as the pages. Reads: the bureau, the center's people and its supervising
unit; writes: the center's own director only. ``?center=&year=&figure=`` and the register's filters
narrow the list as on the page; writes carry the ``version`` read (a stale one is a 409)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from centers.models import ServiceCenter
from core.access import CENTER_READERS, access
from core.api.fields import LabelField
from core.api.mixins import RestrictedQuerysetMixin
from core.errors import ApplicationError
from core.idempotency import api_key, create_once_or_now
from core.permissions import restrict

from .. import selectors, services
from ..models import WelfareProject
from ..registers import REGISTERS, Register
from ..views import WRITERS


class StageSerializer(serializers.Serializer):
    stage = serializers.CharField()
    stage_label = LabelField("stage")
    done_on = serializers.DateField()
    result = serializers.CharField(max_length=300)


def serializer_for(register: Register):
    """A ModelSerializer of the register's fields plus id, center, year and version; labels of choices."""
    label_fields = {
        f"{name}_label": serializers.CharField(source=f"get_{name}_display", read_only=True)
        for name in register.fields
        if register.field(name).choices
    }

    class Meta:
        model = register.model
        fields = [
            "id",
            "center",
            "year",
            *register.fields,
            *label_fields,
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "center", "created_at", "updated_at"]
        extra_kwargs = {"year": {"required": False}} | {name: {"validators": []} for name in register.fields}
        validators = []

    def to_representation(self, instance):
        data = serializers.ModelSerializer.to_representation(self, instance)
        visible = self.context.get("visible", set())
        for name in register.masked:
            data[name] = selectors.cell(register, instance, name, visible)
        if register.slug == "early-warnings":
            data["age_days"] = selectors.warning_age(instance)
            data["overdue"] = selectors.overdue(instance)
        if register.slug == "welfare-projects":
            data["stages"] = StageSerializer(instance.stages.all(), many=True).data
        return data

    def validate(self, attrs):
        return attrs  # the rules are the service's

    attrs = {
        "Meta": Meta,
        "version": serializers.IntegerField(required=False),
        "to_representation": to_representation,
        "validate": validate,
        **label_fields,
    }
    name = f"{register.model.__name__}Serializer"
    return type(name, (serializers.ModelSerializer,), attrs)


class RegisterViewSet(RestrictedQuerysetMixin, viewsets.ModelViewSet):
    """The base: subclasses name their ``register``."""

    register: Register
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.register.model.objects.none()
        if self.action == "list":
            qs = selectors.list_queryset(self.register, self.request.user, self.request.query_params)
            if self.register.slug == "welfare-projects":  # the stages are in every row (one query)
                qs = qs.prefetch_related("stages")
            return qs
        qs = self.register.model.objects.select_related("center")
        if self.register.m2m:
            qs = qs.prefetch_related(*self.register.m2m)
        from core.permissions import ACTIONS_BY_METHOD

        return restrict(qs, self.request.user, ACTIONS_BY_METHOD.get(self.request.method, "change"))

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.request.user.is_authenticated:
            context["visible"] = selectors.writable_center_ids(self.request.user)
        return context

    def _data(self, partial: bool) -> dict:
        serializer = self.get_serializer(data=self.request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "year" in data and "year" not in self.register.fields:
            data.pop("year")
        return data

    def create(self, request, *args, **kwargs):
        center = get_object_or_404(
            restrict(ServiceCenter.objects.all(), request.user, "change"), pk=request.user.center_id or 0
        )
        data = self._data(partial=False)
        data.pop("version", None)
        row, _first = create_once_or_now(
            key=api_key(request),
            actor=request.user,
            create=lambda: services.register_create(
                self.register, center=center, actor=request.user, data=data
            ),
        )
        return Response(self.get_serializer(row).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        row = self.get_object()
        data = self._data(partial=True)
        version = data.pop("version", None)
        row = services.register_update(self.register, row=row, version=version, actor=request.user, data=data)
        return Response(self.get_serializer(row).data)

    def destroy(self, request, *args, **kwargs):
        row = self.get_object()
        services.register_delete(
            self.register, row=row, version=request.query_params.get("version"), actor=request.user
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class WelfareProjectViewSetBase(RegisterViewSet):
    @action(detail=True, methods=["post"], serializer_class=StageSerializer)
    def stages(self, request, pk=None):
        """登记项目的下一环节（依次：材料收集 → 资格预审 → 立项 → 项目监管 → 绩效评估 → 结项）。"""
        project = self.get_object()
        parsed = StageSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        try:
            stage = services.stage_record(project=project, actor=request.user, **parsed.validated_data)
        except ApplicationError:
            raise
        return Response(StageSerializer(stage).data, status=status.HTTP_201_CREATED)


def _viewset(register: Register):
    base = WelfareProjectViewSetBase if register.model is WelfareProject else RegisterViewSet
    attrs = {
        "register": register,
        "queryset": register.model.objects.all(),
        "serializer_class": serializer_for(register),
        "__doc__": f"{register.label}。{register.intro} ?center=<id>；?year=YYYY；?q= 关键词。",
    }
    cls = type(f"{register.model.__name__}ViewSet", (base,), attrs)
    return access(read=CENTER_READERS, write=WRITERS)(cls)


VIEWSETS = {slug: _viewset(register) for slug, register in REGISTERS.items()}
