from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel

from ._access import global_perm
from .cycle import Cycle
from .filing import Filing


class ResultSet(TimeStampedModel):
    """One computation of a cycle's results. Revision 1 is the scoring job's; a correction after
    publication is a new revision with its reason, and every revision stays visible."""

    cycle = models.ForeignKey(
        Cycle, verbose_name=_("考评年度"), on_delete=models.PROTECT, related_name="result_sets"
    )
    revision = models.PositiveSmallIntegerField(_("版本"))
    reason = models.TextField(_("更正原因"), blank=True)
    is_published = models.BooleanField(_("已公布"), default=False)
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)
    is_current = models.BooleanField(_("现行版本"), default=True)
    job = models.ForeignKey(
        "core.Job", verbose_name=_("计分任务"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), null=True, on_delete=models.SET_NULL
    )
    computed_at = models.DateTimeField(_("计算时间"), null=True, blank=True)
    rules = models.JSONField(_("计分规则"), default=dict, blank=True)

    permission_parent = "cycle"

    class Meta:
        verbose_name = _("考评结果版本")
        verbose_name_plural = _("考评结果版本")
        ordering = ["cycle", "-revision"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "revision"], name="result_set_unique_revision")
        ]

    def __str__(self):
        return f"{self.cycle.year} 年度考评结果 第 {self.revision} 版"


class Result(models.Model):
    """One center's result in a result set."""

    result_set = models.ForeignKey(
        ResultSet, verbose_name=_("结果版本"), on_delete=models.CASCADE, related_name="results"
    )
    filing = models.ForeignKey(
        Filing, verbose_name=_("年度填报"), on_delete=models.PROTECT, related_name="results"
    )
    center = models.ForeignKey(
        "centers.ServiceCenter", verbose_name=_("服务中心"), on_delete=models.PROTECT, related_name="+"
    )
    submitted = models.BooleanField(_("已提交年度填报"), default=True)
    self_score = models.DecimalField(_("自评分"), max_digits=6, decimal_places=2, null=True, blank=True)
    sampled = models.BooleanField(_("被抽检"), default=False)
    spot_score = models.DecimalField(_("抽检分"), max_digits=6, decimal_places=2, null=True, blank=True)
    final_score = models.DecimalField(_("最终得分"), max_digits=6, decimal_places=2, null=True, blank=True)
    gap = models.DecimalField(_("自评与抽检分差"), max_digits=6, decimal_places=2, null=True, blank=True)
    finding = models.CharField(_("发现问题"), max_length=300, blank=True)
    grade = models.CharField(_("等次"), max_length=20)
    rank = models.PositiveIntegerField(_("排名"), null=True, blank=True)
    contribution = models.DecimalField(
        _("计入绩效考核分"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    veto = models.CharField(_("一票否决"), max_length=300, blank=True)
    explanation = models.CharField(_("计算说明"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("考评结果")
        verbose_name_plural = _("考评结果")
        ordering = ["result_set_id", "rank", "center__name"]
        constraints = [models.UniqueConstraint(fields=["result_set", "center"], name="result_one_per_center")]

    def __str__(self):
        return f"{self.center} {self.final_score}（{self.grade}）"

    @classmethod
    def restrict_queryset(cls, queryset, user, action):
        from core.permissions import restrict

        if global_perm(user, cls, action):
            return queryset
        if action != "view":
            return queryset.none()
        # Others see a result once published, for the filings they may see.
        filings = restrict(Filing.objects.all(), user, "view")
        return queryset.filter(result_set__is_published=True, filing__in=filings.values("pk"))
