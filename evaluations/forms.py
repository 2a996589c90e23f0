"""Forms read and label input; the rules are in services."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from accounts.models import User
from accounts.roles import Role
from core.versioning import VersionedFormMixin

from .choices import (
    CombinationRule,
    IndicatorKind,
    IndicatorMethod,
    NotApplicableRule,
    RubricTemplate,
    SeedSource,
    UnsubmittedRule,
)
from .models import Cycle, RubricCategory
from .models.filing import FILING_FIGURES

LEVEL_CHOICES = [("street_town", "街镇服务中心"), ("district", "区级服务中心"), ("industry", "行业服务中心")]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _bands_text(bands) -> str:
    return "\n".join(f"{b['grade']}={b['min']}" for b in bands)


class CycleForm(VersionedFormMixin, forms.Form):
    year = forms.IntegerField(label="考评年度", min_value=2016, max_value=2100)
    title = forms.CharField(label="名称", max_length=200, required=False)
    levels = forms.MultipleChoiceField(
        label="参评层级", choices=LEVEL_CHOICES, widget=forms.CheckboxSelectMultiple, initial=["street_town"]
    )
    filing_deadline = forms.DateField(label="填报截止日期", widget=DateInput())
    review_deadline = forms.DateField(label="初审截止日期", widget=DateInput())
    acceptance_deadline = forms.DateField(label="受理截止日期", widget=DateInput())
    spot_check_deadline = forms.DateField(label="抽检截止日期", widget=DateInput())
    sample_numerator = forms.IntegerField(label="抽检比例分子", min_value=1, initial=1)
    sample_denominator = forms.IntegerField(
        label="抽检比例分母", min_value=1, initial=3, help_text="默认 1/3，向上取整"
    )
    combination_rule = forms.ChoiceField(label="计分规则", choices=CombinationRule.choices)
    self_weight = forms.DecimalField(
        label="自评分权重（加权规则）", min_value=0, max_value=1, decimal_places=2, initial=Decimal("0.30")
    )
    gap_tolerance = forms.DecimalField(
        label="分差容差（分）", min_value=0, max_value=100, decimal_places=1, initial=10
    )
    performance_weight = forms.DecimalField(
        label="计入街镇民政绩效考核的分值 W", min_value=0, max_value=1000, decimal_places=2, initial=10
    )
    grade_bands = forms.CharField(
        label="等次划分",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="每行“等次=最低分”，如 优秀=90",
        initial="优秀=90\n良好=80\n合格=60\n不合格=0",
    )
    reminder_days = forms.CharField(label="提醒天数", initial="7,3,1", help_text="截止日前几天提醒，逗号分隔")
    publicity_days = forms.IntegerField(
        label="公示期（工作日）",
        min_value=1,
        max_value=30,
        initial=5,
        required=False,
        help_text="公布后公示的工作日数，不含周末和节假日；公示期内服务中心可申请复核",
    )
    rectification_days = forms.IntegerField(
        label="整改期限（天）",
        min_value=1,
        max_value=365,
        initial=30,
        required=False,
        help_text="结果公布后的整改期限",
    )
    unsubmitted_rule = forms.ChoiceField(
        label="未提交填报的计分",
        choices=UnsubmittedRule.choices,
        required=False,
        initial=UnsubmittedRule.NO_SCORE,
        help_text="两种情况下，结果、报告和公开名单中均显示为“未提交”",
    )
    not_applicable_rule = forms.ChoiceField(
        label="不适用指标的处理",
        choices=NotApplicableRule.choices,
        required=False,
        initial=NotApplicableRule.REDISTRIBUTE,
    )
    rubric_template = forms.ChoiceField(
        label="评分表模板",
        choices=RubricTemplate.choices,
        required=False,
        initial=RubricTemplate.DEFAULT,
        help_text="建立考评时载入；草拟阶段可逐项修改，开启后冻结",
    )

    def __init__(self, *args, cycle: Cycle | None = None, **kwargs):
        if cycle is not None:
            kwargs.setdefault(
                "initial",
                {
                    **{f: getattr(cycle, f) for f in self.base_fields if hasattr(cycle, f)},
                    "grade_bands": _bands_text(cycle.grade_bands),
                    "reminder_days": ",".join(str(d) for d in cycle.reminder_days),
                },
            )
        if cycle is not None:
            kwargs.setdefault("version", cycle.version)
        super().__init__(*args, **kwargs)
        if cycle is not None:
            self.fields["year"].disabled = True
            # the rubric is loaded when the cycle is made; afterwards it is edited item by item
            del self.fields["rubric_template"]

    def clean_grade_bands(self):
        bands = []
        for line in self.cleaned_data["grade_bands"].splitlines():
            if not line.strip():
                continue
            grade, sep, minimum = line.partition("=")
            try:
                bands.append({"grade": grade.strip(), "min": float(Decimal(minimum.strip()))})
            except Exception:
                raise forms.ValidationError(f"“{line}”格式不对：应为“等次=最低分”，如 优秀=90。") from None
            if not sep or not grade.strip():
                raise forms.ValidationError(f"“{line}”格式不对：应为“等次=最低分”。")
        if not bands:
            raise forms.ValidationError("请至少填写一个等次。")
        return sorted(bands, key=lambda b: b["min"], reverse=True)

    def clean_reminder_days(self):
        try:
            return sorted(
                {
                    int(x)
                    for x in self.cleaned_data["reminder_days"].replace("，", ",").split(",")
                    if x.strip()
                },
                reverse=True,
            )
        except ValueError:
            raise forms.ValidationError("请填写逗号分隔的天数，如 7,3,1。") from None

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("year", None)
        data.pop("version", None)
        data.pop("idempotency_key", None)
        if not data.get("title"):
            data.pop("title", None)
        for name in ("publicity_days", "rectification_days"):
            if data.get(name) is None:
                data.pop(name, None)
        for optional in ("unsubmitted_rule", "not_applicable_rule", "rubric_template"):
            if not data.get(optional):
                data.pop(optional, None)
        return data


class IndicatorForm(VersionedFormMixin, forms.Form):
    category = forms.ModelChoiceField(label="类别", queryset=RubricCategory.objects.none())
    code = forms.CharField(label="编号", max_length=10)
    name = forms.CharField(label="名称", max_length=200)
    description = forms.CharField(label="评分标准", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    max_score = forms.DecimalField(
        label="满分",
        min_value=Decimal("0"),
        max_value=100,
        decimal_places=1,
        help_text="一票否决项、加分项填 0",
    )
    kind = forms.ChoiceField(
        label="指标类型", choices=IndicatorKind.choices, required=False, initial="standard"
    )
    per_occurrence = forms.DecimalField(
        label="每次扣分/加分（扣分项、加分项）", min_value=0, max_value=100, decimal_places=1, required=False
    )
    floor = forms.DecimalField(
        label="扣完为止的最低分（扣分项）", min_value=0, max_value=100, decimal_places=1, required=False
    )
    cap = forms.DecimalField(
        label="加分上限（加分项）", min_value=0, max_value=100, decimal_places=1, required=False
    )
    may_be_not_applicable = forms.BooleanField(label="可认定不适用（常规项）", required=False)
    expected_evidence = forms.CharField(label="应提供的佐证材料", max_length=300, required=False)
    evidence_required = forms.BooleanField(label="必须上传佐证", required=False)
    method = forms.ChoiceField(label="计分方式", choices=IndicatorMethod.choices)
    # The formula of a computed indicator, chosen rather than typed (never a dict on the page).
    formula_kind = forms.ChoiceField(
        label="计算方式（系统计算时）",
        required=False,
        choices=[("", "—"), ("rule", "按政策要求是否达标"), ("figure", "按年度工作数据")],
    )
    formula_rule = forms.ChoiceField(label="政策要求", required=False, choices=())
    formula_figure = forms.ChoiceField(label="年度工作数据", required=False, choices=())
    formula_full_at = forms.DecimalField(
        label="满分所需数量",
        required=False,
        min_value=Decimal("0.1"),
        decimal_places=1,
        help_text="按年度工作数据计算时：达到此数量得满分，不足按比例计分。",
    )
    sort_order = forms.IntegerField(label="排序", min_value=0, initial=0)

    def __init__(self, *args, cycle: Cycle, **kwargs):
        super().__init__(*args, **kwargs)
        from centers.rules import RULE_TITLES

        self.fields["category"].queryset = RubricCategory.objects.filter(cycle=cycle)
        self.fields["formula_rule"].choices = [("", "—")] + [
            (rule, f"{title}（{rule}）") for rule, title in RULE_TITLES.items()
        ]
        self.fields["formula_figure"].choices = [("", "—"), ("work_plan", "年度工作计划及实施方案（份）")] + [
            (name, str(label)) for name, label in FILING_FIGURES
        ]

    def clean(self):
        data = super().clean()
        if data.get("method") != IndicatorMethod.COMPUTED:
            return data
        kind = data.get("formula_kind")
        if not kind:
            self.add_error("formula_kind", "系统计算的指标须选择计算方式。")
        elif kind == "rule" and not data.get("formula_rule"):
            self.add_error("formula_rule", "请选择据以判定的政策要求。")
        elif kind == "figure" and not data.get("formula_figure"):
            self.add_error("formula_figure", "请选择据以计分的年度工作数据。")
        return data

    @staticmethod
    def formula_initial(formula: dict | None) -> dict:
        formula = formula or {}
        return {
            "formula_kind": formula.get("kind", ""),
            "formula_rule": formula.get("rule", ""),
            "formula_figure": formula.get("figure", ""),
            "formula_full_at": formula.get("full_at"),
        }

    def service_fields(self) -> dict:
        data = self.service_data()
        kind = data.pop("formula_kind", "")
        rule, figure = data.pop("formula_rule", ""), data.pop("formula_figure", "")
        full_at = data.pop("formula_full_at", None)
        if kind == "rule":
            data["formula"] = {"kind": "rule", "rule": rule}
        elif kind == "figure":
            full_at = full_at if full_at is not None else 1
            data["formula"] = {
                "kind": "figure",
                "figure": figure,
                "full_at": int(full_at) if full_at == int(full_at) else float(full_at),
            }
        else:
            data["formula"] = {}
        data["kind"] = data.get("kind") or IndicatorKind.STANDARD
        for number in ("per_occurrence", "floor", "cap"):
            if data.get(number) is None:
                data[number] = Decimal("0")
        return data


class FiguresForm(VersionedFormMixin, forms.Form):
    notes = forms.CharField(label="填报说明", widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, filing=None, **kwargs):
        if filing is not None:
            kwargs.setdefault("version", filing.version)
        super().__init__(*args, **kwargs)
        for name, label in FILING_FIGURES:
            decimal = name in ("project_funding", "party_coverage_percent")
            self.fields[name] = forms.CharField(
                label=label,
                required=False,
                widget=forms.NumberInput(
                    attrs={"min": 0, "step": "0.1" if decimal else "1", "inputmode": "decimal"}
                ),
            )
            self.fields[f"note_{name}"] = forms.CharField(
                label=f"{label}：手工填写的说明",
                required=False,
                max_length=300,
                help_text="登记册无法提供此项时，说明原因和数据来源；留空则以登记册的统计为准",
            )
            if filing is not None and not self.is_bound:
                # The typed column shows only what was typed with a note: a number without one (such
                # as those written into the filing on submission) does not count and is not shown.
                note = (filing.figure_notes or {}).get(name, "")
                value = getattr(filing, name) if note else None
                self.initial[name] = "" if value is None else value
                self.initial[f"note_{name}"] = note
        if filing is not None and not self.is_bound:
            self.initial["notes"] = filing.notes


class UploadForm(forms.Form):
    file = forms.FileField(label="选择文件", help_text="PDF、JPEG、PNG、DOCX、XLSX，不超过 20 MB")


class ReturnForm(forms.Form):
    reason = forms.CharField(label="退回原因", widget=forms.Textarea(attrs={"rows": 3}))


class ReopenForm(forms.Form):
    until = forms.DateField(label="延期至", widget=DateInput())
    reason = forms.CharField(label="原因", max_length=300)


class SeedSourceForm(forms.Form):
    """Where the draw's seed will come from, chosen as the cycle enters spot check: the portal's own
    random seed (default), or a public source named now and published later (services.draw_commit)."""

    source = forms.ChoiceField(
        label="抽样种子来源",
        choices=SeedSource.choices,
        initial=SeedSource.PORTAL,
        widget=forms.RadioSelect,
        required=False,
    )
    source_description = forms.CharField(
        label="公开来源",
        max_length=200,
        required=False,
        help_text="仅选“事先指定的公开来源”时填写，如“中国福利彩票双色球 2027001 期开奖号码”",
    )
    source_published_on = forms.DateField(
        label="该来源公布数值的日期", required=False, widget=DateInput(), help_text="须晚于今天"
    )

    def commit_fields(self) -> dict:
        """What draw_commit takes: nothing for the portal's seed, the source for a public one."""
        if self.cleaned_data.get("source") != SeedSource.PUBLIC:
            return {}
        return {
            "source_description": self.cleaned_data.get("source_description") or "",
            "source_published_on": self.cleaned_data.get("source_published_on") or "",
        }


class DrawForm(forms.Form):
    """The bureau names the centers that must be checked and those left out (with reasons). There is
    no seed field: the seed was made by the portal and its commitment published (services.draw_commit);
    when the commitment named a public source, the value it published is entered here."""

    must_include = forms.MultipleChoiceField(
        label="必检中心", required=False, widget=forms.CheckboxSelectMultiple
    )
    source_value = forms.CharField(
        label="公开来源公布的数值",
        max_length=64,
        required=False,
        help_text="照抄公开来源公布的数值，抽样以此为种子",
    )

    def __init__(self, *args, population: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["must_include"].choices = [(str(c["id"]), c["name"]) for c in population]
        for c in population:
            self.fields[f"exclude_{c['id']}"] = forms.CharField(
                label=f"排除 {c['name']} 的原因", required=False, max_length=200
            )

    def excluded(self, population) -> dict:
        return {
            c["id"]: self.cleaned_data[f"exclude_{c['id']}"]
            for c in population
            if self.cleaned_data.get(f"exclude_{c['id']}")
        }


class AssignmentForm(forms.Form):
    center = forms.IntegerField(widget=forms.HiddenInput)
    auditor = forms.ModelChoiceField(label="抽检评估人员", queryset=User.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["auditor"].queryset = auditors()


def auditors():
    return User.objects.filter(groups__name=Role.AUDITOR, is_active=True).order_by("username")


class CorrectionForm(forms.Form):
    reason = forms.CharField(label="更正原因", widget=forms.Textarea(attrs={"rows": 3}))


# ---- 公示 and 复核, 整改 ------------------------------------------------------------------------------
class ReviewRequestForm(VersionedFormMixin, forms.Form):
    """A director's review request (a create: it carries an idempotency key)."""

    cycle = forms.ModelChoiceField(label="考评年度", queryset=Cycle.objects.none(), empty_label=None)
    reasons = forms.CharField(
        label="复核理由",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="写明对哪项结果（如某项指标的抽检分）有异议及理由",
    )
    evidence = forms.FileField(label="佐证材料", required=False, help_text="PDF、图片或文档，可不附")

    def __init__(self, *args, cycles=None, **kwargs):
        super().__init__(*args, creating=True, **kwargs)
        self.fields["cycle"].queryset = cycles if cycles is not None else Cycle.objects.none()


class ReviewDecisionForm(VersionedFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label="复核决定", choices=[("maintain", "维持原结果"), ("adjust", "调整结果")]
    )
    decision_reason = forms.CharField(label="决定理由", widget=forms.Textarea(attrs={"rows": 3}))


class RectificationReportForm(VersionedFormMixin, forms.Form):
    report = forms.CharField(label="整改报告", widget=forms.Textarea(attrs={"rows": 5}))
    evidence = forms.FileField(label="整改佐证材料", required=False)


class RectificationReviewForm(VersionedFormMixin, forms.Form):
    approve = forms.ChoiceField(label="审核结论", choices=[("yes", "通过"), ("no", "退回")])
    comment = forms.CharField(label="审核意见", widget=forms.Textarea(attrs={"rows": 3}), required=False)


class RectificationCloseForm(VersionedFormMixin, forms.Form):
    comment = forms.CharField(label="销号意见", widget=forms.Textarea(attrs={"rows": 2}), required=False)
