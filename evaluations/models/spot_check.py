from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from core.versioning import VersionedModel

from ..choices import RESULTS_OUT_STATES, SeedSource
from ._access import global_perm
from .cycle import Cycle, Indicator
from .filing import Filing


class SeedCommitment(TimeStampedModel):
    """The draw's seed, committed when the cycle enters spot check, its SHA-256 (``digest``) published at
    once with the time (``/public/draws/<year>/``).

    ``source`` portal: the seed is made by the portal (``evaluations.draw.new_seed``) and shown nowhere
    until the draw reveals it; nobody types it, so nobody can choose it. ``source`` public: the seed is
    a value a third party will publish later (``source_description``, published on
    ``source_published_on``, e.g. the next day's lottery number); the digest covers that description
    and date (``evaluations.draw.source_statement``), and the value is entered at the draw (then
    ``seed``), so anyone can look it up and check it."""

    cycle = models.OneToOneField(
        Cycle, verbose_name=_("考评年度"), on_delete=models.PROTECT, related_name="seed_commitment"
    )
    source = models.CharField(
        _("种子来源"), max_length=10, choices=SeedSource.choices, default=SeedSource.PORTAL
    )
    seed = models.CharField(_("随机种子（抽样前保密）"), max_length=64, blank=True)
    source_description = models.CharField(
        _("公开来源"), max_length=200, blank=True, help_text=_("如：中国福利彩票双色球 2027001 期开奖号码")
    )
    source_published_on = models.DateField(_("公开来源的公布日期"), null=True, blank=True)
    digest = models.CharField(_("种子承诺值（SHA-256）"), max_length=64)
    committed_at = models.DateTimeField(_("承诺公布时间"))
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, on_delete=models.SET_NULL
    )

    permission_parent = "cycle"

    class Meta:
        verbose_name = _("抽样种子承诺")
        verbose_name_plural = _("抽样种子承诺")

    def __str__(self):
        return f"{self.cycle.year} 年度抽样种子承诺 {self.digest}"


class Draw(TimeStampedModel):
    """The spot-check draw (抽检抽样) of a cycle: its inputs and result, stored so anyone can re-run it.

    Algorithm: ``evaluations.draw`` (the version in ``algorithm``; old versions stay for old records).
    A draw made after a commitment links it (``seed_commitment``): SHA-256(seed) must equal its digest.
    """

    cycle = models.OneToOneField(
        Cycle, verbose_name=_("考评年度"), on_delete=models.PROTECT, related_name="draw"
    )
    algorithm = models.CharField(_("抽样算法"), max_length=40)
    seed = models.CharField(_("随机种子"), max_length=64)
    seed_commitment = models.OneToOneField(
        SeedCommitment,
        verbose_name=_("种子承诺"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="draw",
    )
    share_numerator = models.PositiveSmallIntegerField(_("抽检比例（分子）"))
    share_denominator = models.PositiveSmallIntegerField(_("抽检比例（分母）"))
    sample_size = models.PositiveIntegerField(_("抽检数量"))
    population = models.JSONField(_("抽样总体（排序后）"), encoder=DjangoJSONEncoder)
    must_include = models.JSONField(_("必检中心"), default=list, blank=True)
    excluded = models.JSONField(_("排除中心及原因"), default=list, blank=True)
    result = models.JSONField(_("抽中中心"), encoder=DjangoJSONEncoder)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("抽样人"), null=True, on_delete=models.SET_NULL
    )

    permission_parent = "cycle"

    class Meta:
        verbose_name = _("抽检抽样")
        verbose_name_plural = _("抽检抽样")

    def __str__(self):
        return f"{self.cycle.year} 年度抽检抽样（种子 {self.seed}）"


class Assignment(VersionedModel, TimeStampedModel):
    """A sampled center's filing assigned to an auditor for this cycle (grants on the filing)."""

    cycle = models.ForeignKey(
        Cycle, verbose_name=_("考评年度"), on_delete=models.PROTECT, related_name="assignments"
    )
    filing = models.OneToOneField(
        Filing, verbose_name=_("年度填报"), on_delete=models.PROTECT, related_name="assignment"
    )
    auditor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("抽检评估人员"),
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("分配人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    spot_total = models.DecimalField(_("抽检总分"), max_digits=6, decimal_places=2, null=True, blank=True)

    permission_parent = "filing"

    class Meta:
        verbose_name = _("抽检任务")
        verbose_name_plural = _("抽检任务")
        ordering = ["cycle", "filing__center__street_town__sort_order", "filing__center__name"]

    def __str__(self):
        return f"{self.filing.center} → {self.auditor}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class AuditScore(VersionedModel, TimeStampedModel):
    """The auditor's score for one indicator. Computed indicators are re-checked (confirmed or not, with
    a comment), never re-typed: their score is the computed one, or 0 when the evidence does not bear
    it out."""

    filing = models.ForeignKey(
        Filing, verbose_name=_("年度填报"), on_delete=models.CASCADE, related_name="audit_scores"
    )
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("指标"), on_delete=models.PROTECT, related_name="+"
    )
    score = models.DecimalField(_("抽检分"), max_digits=5, decimal_places=1)
    occurrences = models.PositiveIntegerField(
        _("发生次数"), null=True, blank=True, help_text=_("扣分项、一票否决项、加分项：发生的次数")
    )
    not_applicable = models.BooleanField(_("不适用"), default=False)
    comment = models.TextField(_("评分意见"), blank=True)
    confirmed = models.BooleanField(_("复核属实"), null=True, blank=True)
    computed_detail = models.CharField(_("计算过程"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("抽检分")
        verbose_name_plural = _("抽检分")
        ordering = ["filing_id", "indicator__category__sort_order", "indicator__sort_order"]
        constraints = [models.UniqueConstraint(fields=["filing", "indicator"], name="audit_score_unique")]

    def __str__(self):
        return f"{self.indicator.code} = {self.score}"

    @classmethod
    def restrict_queryset(cls, queryset, user, action):
        from core.permissions import restrict

        if global_perm(user, cls, action):
            return queryset
        condition = Q(filing__in=restrict(Filing.objects.all(), user, "audit").values("pk"))
        if action == "view":
            # The center's people see spot-check scores once the results are published.
            visible = restrict(Filing.objects.all(), user, "view").filter(cycle__state__in=RESULTS_OUT_STATES)
            condition |= Q(filing__in=visible.values("pk"))
        return queryset.filter(condition)
