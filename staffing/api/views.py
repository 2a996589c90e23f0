"""API for the roster, trainings and the talent pool: same services, selectors, permissions, masking.

Reads are narrowed by "view", writes by "change" (core.api.mixins.RestrictedQuerysetMixin); an object
outside the narrowed set is a 404. Updates must carry the ``version`` read: a stale one is a 409.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from rest_framework import status, viewsets
from rest_framework.response import Response

from accounts.roles import Role
from centers.models import ServiceCenter
from core.access import BUREAU, CENTER_EDITORS, CENTER_READERS, access, in_scope, roles
from core.api.mixins import RestrictedQuerysetMixin
from core.api.pagination import IdsFirstPagination
from core.errors import ApplicationError
from core.idempotency import api_key, create_once_or_now
from core.permissions import restrict
from staffing import selectors, services
from staffing.filtersets import StaffMemberFilterSet, TalentProfileFilterSet
from staffing.models import StaffMember, TalentProfile, Training

from .serializers import StaffMemberSerializer, TalentProfileSerializer, TrainingSerializer

TALENT_READERS = roles(Role.BUREAU, Role.DIRECTOR, Role.SUPERVISOR)
TALENT_KEEPERS = BUREAU | in_scope(Role.DIRECTOR)  # the bureau and the district center


class StaffingViewSet(RestrictedQuerysetMixin, viewsets.ModelViewSet):
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    pagination_class = IdsFirstPagination  # deep pages of 20,000 staff cost what page 1 does

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.request.user.is_authenticated:
            context["phone_visible"] = selectors.phone_visible_center_ids(self.request.user)
        return context

    def _center_for_change(self, pk) -> ServiceCenter:
        if pk in (None, ""):
            raise ApplicationError("请指定服务中心。", fields={"center": ["请填写服务中心编号（center）。"]})
        return get_object_or_404(restrict(ServiceCenter.objects.all(), self.request.user, "change"), pk=pk)

    def _parsed(self, partial: bool) -> dict:
        serializer = self.get_serializer(data=self.request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


@access(read=CENTER_READERS, write=CENTER_EDITORS)
class StaffMemberViewSet(StaffingViewSet):
    """人员名册。?center=<id> 限定中心；?on=YYYY-MM-DD 为该日在册人员；?kind= 人员类别。"""

    queryset = StaffMember.objects.select_related("center").order_by("center_id", "kind", "start_date", "pk")
    serializer_class = StaffMemberSerializer

    filterset_class = StaffMemberFilterSet

    def create(self, request, *args, **kwargs):
        data = self._parsed(partial=False)
        center = self._center_for_change(getattr(data.pop("center", None), "pk", None))
        data.pop("version", None)
        member, _first = create_once_or_now(
            key=api_key(request),
            actor=request.user,
            create=lambda: services.staff_member_create(
                center=center, actor=request.user, contract=request.FILES.get("contract"), **data
            ),
        )
        return Response(self.get_serializer(member).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        member = self.get_object()
        data = self._parsed(partial=True)
        data.pop("center", None)
        version = data.pop("version", None)
        member = services.staff_member_update(
            member=member, version=version, actor=request.user, contract=request.FILES.get("contract"), **data
        )
        return Response(self.get_serializer(member).data)

    def destroy(self, request, *args, **kwargs):
        member = self.get_object()
        services.staff_member_delete(
            member=member, version=request.query_params.get("version"), actor=request.user
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


@access(read=CENTER_READERS, write=CENTER_EDITORS)
class TrainingViewSet(StaffingViewSet):
    """参加培训。?center=<id>；?year=YYYY。"""

    queryset = Training.objects.prefetch_related("attendees").order_by("center_id", "-held_on", "pk")
    serializer_class = TrainingSerializer

    def get_queryset(self):
        qs = super().get_queryset()
        params = self.request.query_params
        if params.get("center"):
            qs = qs.filter(center_id=params["center"]) if params["center"].isdigit() else qs.none()
        if params.get("year", "").isdigit():
            qs = qs.filter(held_on__year=int(params["year"]))
        return qs

    def create(self, request, *args, **kwargs):
        data = self._parsed(partial=False)
        center = self._center_for_change(getattr(data.pop("center", None), "pk", None))
        data.pop("version", None)
        attendees = data.pop("attendees", [])
        training, _first = create_once_or_now(
            key=api_key(request),
            actor=request.user,
            create=lambda: services.training_create(
                center=center, actor=request.user, attendees=attendees, **data
            ),
        )
        return Response(self.get_serializer(training).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        training = self.get_object()
        data = self._parsed(partial=True)
        data.pop("center", None)
        version = data.pop("version", None)
        attendees = data.pop("attendees", None)
        training = services.training_update(
            training=training, version=version, actor=request.user, attendees=attendees, **data
        )
        return Response(self.get_serializer(training).data)

    def destroy(self, request, *args, **kwargs):
        training = self.get_object()
        services.training_delete(
            training=training, version=request.query_params.get("version"), actor=request.user
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


@access(read=TALENT_READERS, write=TALENT_KEEPERS)
class TalentProfileViewSet(StaffingViewSet):
    """专业人才档案库。?q= 关键词；?expertise=；?willing=lecture|consult；?min_years=。"""

    queryset = TalentProfile.objects.order_by("name", "pk")
    serializer_class = TalentProfileSerializer

    filterset_class = TalentProfileFilterSet

    def list(self, request, *args, **kwargs):
        if not TalentProfile.readable_by(request.user):
            raise Http404
        return super().list(request, *args, **kwargs)

    def create(self, request, *args, **kwargs):
        keeper = selectors.talent_keeper_for(request.user)
        if keeper is None:
            raise Http404
        data = self._parsed(partial=False)
        data.pop("version", None)
        profile, _first = create_once_or_now(
            key=api_key(request),
            actor=request.user,
            create=lambda: services.talent_create(center=keeper, actor=request.user, **data),
        )
        return Response(self.get_serializer(profile).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        profile = self.get_object()
        data = self._parsed(partial=True)
        version = data.pop("version", None)
        profile = services.talent_update(profile=profile, version=version, actor=request.user, **data)
        return Response(self.get_serializer(profile).data)

    def destroy(self, request, *args, **kwargs):
        profile = self.get_object()
        services.talent_delete(
            profile=profile, version=request.query_params.get("version"), actor=request.user
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
