from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class MinimumWage(TimeStampedModel):
    """Shanghai monthly minimum wage (上海市月最低工资标准), for R-PAY-3. Reference data, editable."""

    effective_from = models.DateField(_("施行日期"), unique=True)
    monthly_amount = models.DecimalField(_("月最低工资（元）"), max_digits=8, decimal_places=2)
    source = models.CharField(_("来源"), max_length=300)
    to_confirm = models.BooleanField(_("待核实"), default=False, help_text=_("施行日期等尚待核实"))
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("上海市月最低工资标准")
        verbose_name_plural = _("上海市月最低工资标准")
        ordering = ["-effective_from"]

    def __str__(self):
        return f"{self.effective_from:%Y-%m-%d} 起 {self.monthly_amount.normalize()} 元/月"
