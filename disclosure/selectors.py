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
            published_state=Subquery(latest.values("result_set__cycle__state")[:1]),
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


# ---- the public draw record (/public/draws/<year>/ and .json) ---------------------------------------
def public_draw_years() -> list[int]:
    """The years whose draw record is public (a commitment published, or an older draw), newest first."""
    from evaluations.models import Cycle

    return list(
        Cycle.objects.filter(Q(seed_commitment__isnull=False) | Q(draw__isnull=False))
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct()
    )


def public_draw_record(year: int) -> dict | None:
    """Everything needed to check a year's spot-check draw, and nothing else: the seed's commitment and
    its time (from the moment the cycle enters spot check), then the population in order with names and
    credit codes, the named and excluded centers (with reasons), k, the seed and the result. ``None``
    when the year has no commitment and no draw. Centers are referred to by their place in the
    population (``position``, from 1), so the record can be replayed from the file alone
    (``scripts/replay_draw.py``)."""
    from evaluations.choices import SeedSource
    from evaluations.draw import ALGORITHM, ALGORITHM_LABELS, sample_size, source_statement
    from evaluations.models import Cycle, Draw, SeedCommitment
    from evaluations.services import draw_population

    cycle = Cycle.objects.filter(year=year).first()
    if cycle is None:
        return None
    draw = Draw.objects.filter(cycle=cycle).select_related("seed_commitment").first()
    commitment = draw.seed_commitment if draw else SeedCommitment.objects.filter(cycle=cycle).first()
    if draw is None and commitment is None:
        return None
    population = draw.population if draw else draw_population(cycle)
    position = {c["id"]: index for index, c in enumerate(population, start=1)}

    def center(item: dict, **extra) -> dict:
        row = population[position[item["id"]] - 1]
        return {
            "position": position[item["id"]],
            "name": row["name"],
            "credit_code": row.get("credit_code", ""),
            **extra,
        }

    numerator = draw.share_numerator if draw else cycle.sample_numerator
    denominator = draw.share_denominator if draw else cycle.sample_denominator
    algorithm = draw.algorithm if draw else ALGORITHM
    return {
        "year": cycle.year,
        "title": f"{cycle.year} 年度服务中心绩效考评抽检抽样记录",
        "algorithm": algorithm,
        "algorithm_label": ALGORITHM_LABELS.get(algorithm, ""),
        "commitment": (
            {
                "sha256": commitment.digest,
                "published_at": timezone.localtime(commitment.committed_at).isoformat(),
                # what the digest covers: the seed itself, or the public source named in advance
                "covers": "source" if commitment.source == SeedSource.PUBLIC else "seed",
            }
            if commitment
            else None
        ),
        "seed_source": (
            {
                "description": commitment.source_description,
                "published_on": commitment.source_published_on.isoformat(),
                "statement": source_statement(commitment.source_description, commitment.source_published_on),
            }
            if commitment and commitment.source == SeedSource.PUBLIC
            else None
        ),
        "share": {"numerator": numerator, "denominator": denominator},
        "sample_size": draw.sample_size if draw else sample_size(numerator, denominator, len(population)),
        "population": [
            {
                "position": index,
                "name": c["name"],
                "credit_code": c.get("credit_code", ""),
                "street_town": c.get("street_town", ""),
                "street_town_order": c.get("street_town_order"),
            }
            for index, c in enumerate(population, start=1)
        ],
        "must_include": [center(c) for c in draw.must_include] if draw else [],
        "excluded": [center(c, reason=c.get("reason", "")) for c in draw.excluded] if draw else [],
        "seed": draw.seed if draw else None,
        "drawn_at": timezone.localtime(draw.created_at).isoformat() if draw else None,
        "result": [center(c) for c in draw.result] if draw else [],
    }
