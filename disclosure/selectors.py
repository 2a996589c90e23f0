"""Public reads. Only what the bureau discloses: who the centers are, how to reach them, what they do,
their current rating grade and their latest *published* evaluation result. Never drafts, never
unpublished results, never personal data beyond the names the registration already makes public."""

from __future__ import annotations

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from centers.choices import CenterLevel, CenterStatus
from centers.models import RatingRecord, ServiceCenter
from evaluations.models import Result

# What each level of center does, from the policy's section 二 (功能定位), shown to the public.
FUNCTIONS = {
    CenterLevel.DISTRICT: "辅助区登记管理机关做好社会组织注册登记、变更咨询、年度检查、培训、等级评估等服务；"
    "建立区专业人才档案库；开展信息服务、培训交流、宣传推介、项目（财务）指导；承接政府转移职能和购买服务；"
    "指导街镇服务中心。",
    CenterLevel.STREET_TOWN: "为辖区内各类社会组织提供服务；开展信息员培训；辅助做好预警、社区群众活动团队备案、"
    "年度检查与政策咨询、成立登记现场勘察、等级评估；协助指导党建工作；孵化培育社会组织，引导参与公益招投标和公益创投。",
    CenterLevel.INDUSTRY: "围绕本行业开展课题研究、信息服务、培训交流；培养领军人才；加强行业信用体系建设；"
    "协助做好年度检查；协助指导所属社会组织开展党建工作。",
}


def _latest_published_result():
    return Result.objects.filter(
        center=OuterRef("pk"), result_set__is_published=True, result_set__is_current=True
    ).order_by("-result_set__cycle__year")


def public_centers(*, level: str | None = None, q: str | None = None) -> QuerySet[ServiceCenter]:
    today = timezone.localdate()
    latest = _latest_published_result()
    centers = (
        ServiceCenter.objects.exclude(status=CenterStatus.DEREGISTERED)
        .select_related("street_town", "supervising_unit")
        .prefetch_related(
            Prefetch(
                "ratings",
                queryset=RatingRecord.objects.filter(valid_until__gte=today).order_by("-rated_on"),
                to_attr="valid_ratings",
            )
        )
        .annotate(
            published_year=Subquery(latest.values("result_set__cycle__year")[:1]),
            published_score=Subquery(latest.values("final_score")[:1]),
            published_grade=Subquery(latest.values("grade")[:1]),
            published_rank=Subquery(latest.values("rank")[:1]),
            published_submitted=Subquery(latest.values("submitted")[:1]),
        )
        .order_by("level", "street_town__sort_order", "name")
    )
    if level:
        centers = centers.filter(level=level)
    if q:
        centers = centers.filter(
            Q(name__icontains=q) | Q(address__icontains=q) | Q(street_town__name__icontains=q)
        )
    return centers


def public_center(pk: int) -> ServiceCenter:
    return public_centers().get(pk=pk)
