"""API of the centers app: the same selectors, services, filtersets and ``restrict`` as the pages.

Reads narrow by "view", writes by "change"; an object outside the narrowed set is a 404, and so is a
write aimed at a center (or organization) the user may not change.
"""

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from core.access import BUREAU, CENTER_EDITORS, CENTER_READERS, access
from core.api.mixins import RestrictedQuerysetMixin
from core.api.pagination import IdsFirstPagination
from core.errors import ApplicationError
from core.idempotency import api_key, create_once_or_now
from core.permissions import can

from .. import filtersets, selectors, services
from ..compliance_table import compliance_for
from ..forms import PROFILE_FIELDS
from ..models import (
    ArchiveInventory,
    BankAccount,
    BoardMember,
    District,
    GovernanceRule,
    HandOver,
    IncomeLine,
    Meeting,
    PurchaseContract,
    RatingRecord,
    SealCustodian,
    ServiceCenter,
    SocialOrganization,
    Supervisor,
    Venue,
)
from . import serializers as s


def year_param(request) -> int:
    """``?year=``: a four-digit year 2000–2100, this year when absent; else a 400 naming the field."""
    raw = (request.query_params.get("year") or "").strip()
    if not raw:
        return timezone.localdate().year
    if not (raw.isascii() and raw.isdigit() and len(raw) == 4):
        raise ApplicationError(
            f"年度“{raw}”无效：应为四位年份，如 2025。", fields={"year": ["请填写四位年份，如 2025。"]}
        )
    year = int(raw)
    if not 2000 <= year <= 2100:
        raise ApplicationError(
            f"年度 {year} 超出范围：应在 2000 至 2100 年之间。",
            fields={"year": ["请填写 2000 至 2100 之间的年份。"]},
        )
    return year


class WriteViewSet(
    RestrictedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Writes go through the services; an update carries the version read (stale → 409)."""

    @staticmethod
    def split_version(serializer) -> tuple[dict, object]:
        data = dict(serializer.validated_data)
        return data, data.pop("version", None)

    def create_once(self, create):
        """Run a create service once per ``Idempotency-Key`` header (core.idempotency); its row."""
        obj, _first = create_once_or_now(key=api_key(self.request), actor=self.request.user, create=create)
        return obj


@access(read=CENTER_READERS, write=CENTER_EDITORS, create=BUREAU)
class ServiceCenterViewSet(WriteViewSet):
    queryset = selectors.center_queryset().order_by("level", "street_town__sort_order", "name", "pk")
    serializer_class = s.ServiceCenterSerializer
    filterset_class = filtersets.CenterFilterSet

    def perform_create(self, serializer):
        if not self.request.user.has_perm("centers.add_servicecenter"):
            raise NotFound
        center = ServiceCenter(district=selectors.current_district())
        data, _version = self.split_version(serializer)
        serializer.instance = self.create_once(
            lambda: services.center_save(center=center, data=data, actor=self.request.user)
        )

    def perform_update(self, serializer):
        data, version = self.split_version(serializer)
        if not self.request.user.has_perm("centers.change_servicecenter"):
            forbidden = sorted(
                k for k, v in data.items() if k not in PROFILE_FIELDS and getattr(serializer.instance, k) != v
            )
            if forbidden:
                raise ApplicationError(
                    "层级、状态、街镇、行业和业务主管单位由区民政局维护，中心只能修改基本信息。",
                    fields={k: ["无权修改此项。"] for k in forbidden},
                )
        serializer.instance = services.center_save(
            center=serializer.instance, data=data, actor=self.request.user, version=version
        )

    @extend_schema(
        parameters=[OpenApiParameter("year", int, description="年度，默认今年")],
        responses=s.ComplianceSerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def compliance(self, request, pk=None):
        center = self.get_object()
        year = year_param(request)
        verdicts = compliance_for([center], year)[center.pk]
        computed_at = timezone.localtime(verdicts.computed_at).isoformat() if verdicts.computed_at else None
        return Response([{**r.as_dict(), "computed_at": computed_at} for r in verdicts.results])


# The district as a whole is the bureau's view (like the district overview page).
@access(read=BUREAU)
class DistrictViewSet(viewsets.GenericViewSet):
    """``districts/{id}/compliance/?year=``: R-COVER-1 and the district's figures."""

    serializer_class = s.DistrictComplianceSerializer
    queryset = District.objects.all()

    def get_queryset(self):
        if not self.request.user.has_perm("centers.view_servicecenter"):
            return District.objects.none()
        return District.objects.filter(pk=selectors.current_district().pk)

    @extend_schema(
        parameters=[OpenApiParameter("year", int, description="年度（四位年份），默认今年")],
        responses=s.DistrictComplianceSerializer,
    )
    @action(detail=True, methods=["get"])
    def compliance(self, request, pk=None):
        district = self.get_object()
        year = year_param(request)
        return Response(selectors.district_compliance(district, year))


class CenterRecordViewSet(WriteViewSet):
    """A register row of a center: writes need the change right on its center."""

    def _check_center(self, center):
        if center is None or not can(self.request.user, "change", center):
            raise NotFound

    def perform_create(self, serializer):
        self._check_center(serializer.validated_data.get("center"))
        model = self.get_queryset().model
        data, _version = self.split_version(serializer)
        serializer.instance = self.create_once(
            lambda: services.record_save(instance=model(), data=data, actor=self.request.user)
        )

    def perform_update(self, serializer):
        self._check_center(serializer.validated_data.get("center", serializer.instance.center))
        data, version = self.split_version(serializer)
        serializer.instance = services.record_save(
            instance=serializer.instance, data=data, actor=self.request.user, version=version
        )


def _record_viewset(model, serializer, filterset):
    return access(read=CENTER_READERS, write=CENTER_EDITORS)(
        type(
            f"{model.__name__}ViewSet",
            (CenterRecordViewSet,),
            {
                "queryset": model.objects.select_related("center").order_by("pk"),
                "serializer_class": serializer,
                "filterset_class": filterset,
            },
        )
    )


VenueViewSet = _record_viewset(Venue, s.VenueSerializer, filtersets.VenueFilterSet)
BankAccountViewSet = _record_viewset(BankAccount, s.BankAccountSerializer, filtersets.BankAccountFilterSet)
IncomeLineViewSet = _record_viewset(IncomeLine, s.IncomeLineSerializer, filtersets.IncomeLineFilterSet)
PurchaseContractViewSet = _record_viewset(PurchaseContract, s.PurchaseContractSerializer, None)
BoardMemberViewSet = _record_viewset(BoardMember, s.BoardMemberSerializer, filtersets.BoardMemberFilterSet)
SupervisorViewSet = _record_viewset(Supervisor, s.SupervisorSerializer, filtersets.SupervisorFilterSet)
GovernanceRuleViewSet = _record_viewset(
    GovernanceRule, s.GovernanceRuleSerializer, filtersets.GovernanceRuleFilterSet
)
MeetingViewSet = _record_viewset(Meeting, s.MeetingSerializer, filtersets.MeetingFilterSet)
SealCustodianViewSet = _record_viewset(SealCustodian, s.SealCustodianSerializer, None)
HandOverViewSet = _record_viewset(HandOver, s.HandOverSerializer, None)
ArchiveInventoryViewSet = _record_viewset(
    ArchiveInventory, s.ArchiveInventorySerializer, filtersets.ArchiveInventoryFilterSet
)


# Ratings are the registration authority's record (centers.services._require_bureau_for_rating).
@access(read=CENTER_READERS, write=BUREAU)
class RatingRecordViewSet(WriteViewSet):
    queryset = RatingRecord.objects.select_related("center", "organization").order_by("-rated_on", "pk")
    serializer_class = s.RatingRecordSerializer
    filterset_class = filtersets.RatingFilterSet
    pagination_class = IdsFirstPagination

    def _check(self, data, instance=None):
        center = data.get("center", instance.center if instance else None)
        organization = data.get("organization", instance.organization if instance else None)
        target = center or organization
        if target is None:
            raise ApplicationError(
                "评估记录须对应一个服务中心或一个社会组织。",
                fields={"center": ["请选择服务中心或社会组织。"]},
            )
        if not can(self.request.user, "change", target):
            raise NotFound

    def perform_create(self, serializer):
        self._check(serializer.validated_data)
        data, _version = self.split_version(serializer)
        serializer.instance = self.create_once(
            lambda: services.record_save(instance=RatingRecord(), data=data, actor=self.request.user)
        )

    def perform_update(self, serializer):
        self._check(serializer.validated_data, serializer.instance)
        data, version = self.split_version(serializer)
        serializer.instance = services.record_save(
            instance=serializer.instance, data=data, actor=self.request.user, version=version
        )


@access(read=CENTER_READERS, write=BUREAU)
class SocialOrganizationViewSet(WriteViewSet):
    serializer_class = s.SocialOrganizationSerializer
    filterset_class = filtersets.OrganizationFilterSet
    pagination_class = IdsFirstPagination
    queryset = SocialOrganization.objects.all()

    def get_queryset(self):
        queryset = selectors.organizations_for(self.request.user).order_by("name", "pk")
        if self.request.method not in ("GET", "HEAD", "OPTIONS"):
            queryset = queryset.restrict(self.request.user, "change")
        return queryset

    def perform_create(self, serializer):
        if not self.request.user.has_perm("centers.add_socialorganization"):
            raise NotFound
        data, _version = self.split_version(serializer)
        saved = self.create_once(
            lambda: services.organization_save(
                organization=SocialOrganization(), data=data, actor=self.request.user
            )
        )
        serializer.instance = saved[0] if isinstance(saved, tuple) else saved

    def perform_update(self, serializer):
        data, version = self.split_version(serializer)
        serializer.instance, _ = services.organization_save(
            organization=serializer.instance, data=data, actor=self.request.user, version=version
        )
