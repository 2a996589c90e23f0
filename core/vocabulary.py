"""The portal's one vocabulary: every code that reaches a person is turned into Chinese here.

Pages use the template filters of ``core/templatetags/vocabulary.py``; PDFs, exports, job logs and
API messages call these functions. What is here:

- ``yes_no`` / ``value_text``: booleans 是/否, empty values “—”, lists and records in words (never a
  Python literal);
- ``rule_name`` / ``rule_text``: a policy rule by its Chinese name first, the ID after it;
- ``figure_label`` / ``figure_text``: a filing figure by its name and unit (“举办培训 6 场次”);
- ``formula_text``: a computed indicator's formula in words;
- ``state_label``: states of cycles, filings and rule verdicts;
- ``algorithm_text``: the spot-check draw's algorithm;
- ``action_sentence``: an audit entry as a sentence (“王敏 公布了 2026 年度考评结果（第 1 版）”), built on
  ``core.audit_log.action_label``;
- ``changes_text``: a change history's before/after in words;
- ``technical_failure`` / ``readable_log``: technical failures (“database is locked”) in Chinese;
- ``framework_message``: Django's and DRF's default messages replaced by the portal's own.
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal
from types import MappingProxyType

EMPTY = "—"


# ---- values -----------------------------------------------------------------------------------------
def yes_no(value) -> str:
    if value is None or value == "":
        return EMPTY
    return "是" if value else "否"


def _number(value) -> str:
    if isinstance(value, float | Decimal):
        text = f"{Decimal(str(value)).normalize():f}"
        return text
    return str(value)


def value_text(value) -> str:
    """Any stored value in words: 是/否, “—”, lists with 、, records as “名称：值；…”."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, int | float | Decimal):
        return str(value)  # as stored: “230.00” stays as the register shows it
    if isinstance(value, list | tuple | set):
        return "、".join(value_text(item) for item in value) or EMPTY
    if isinstance(value, dict):
        parts = [f"{field_label(key)}：{value_text(item)}" for key, item in value.items() if key != "id"]
        return "；".join(parts) or EMPTY
    if isinstance(value, str):
        return CODE_LABELS.get(value, value)
    return str(value)


# Stored codes that are values (not field names) and reach a page or a PDF.
CODE_LABELS = {
    "street_town": "街镇服务中心",
    "district": "区级服务中心",
    "industry": "行业服务中心",
    "met": "达标",
    "not_met": "未达标",
    "no_data": "无数据",
    "not_applicable": "不适用",
}


def field_label(key) -> str:
    """A stored record's field by its Chinese name (the snapshot's and the change history's keys)."""
    key = str(key)
    if key in FIELD_LABELS:
        return FIELD_LABELS[key]
    from reports.builders import SNAPSHOT_LABELS

    if key in SNAPSHOT_LABELS:
        return SNAPSHOT_LABELS[key]
    if key in _figures():
        return figure_label(key)
    return key.replace("_", " ")  # never reached by the demo data; the crawler test says so


FIELD_LABELS = {
    "before": "变更前",
    "after": "变更后",
    "reference_date": "判定基准日",
    "minimum_wage_effective_from": "最低工资标准执行日期",
    "monthly_subsidies": "月补贴（元）",
    "without_post_grade": "未定岗位等级的人员",
    "without_pay": "未领取报酬的人员",
    "paid": "领取报酬的人员",
    "below": "低于最低工资标准的人员",
    "yearly_pay": "年薪酬（元）",
    "by_source": "按来源",
    "due_on": "应完成日期",
    "missing_rules": "缺少的制度",
    "legal_person": "独立法人",
    "independent_account": "独立账户",
    "inventory_complete": "档案目录齐全",
    "min_area": "最低面积（㎡）",
    "min_grade": "最低等级",
    "venue_year": "场地年度",
    "board_meetings": "理事会会议（次）",
    "supervisor_meetings": "监事会会议（次）",
    "extras": "另设场所",
    "required": "应配人数",
    "n": "辖区社会组织数",
    "ratio": "每名专职人员对应社会组织数",
    "minimum": "最少人数",
    "certificate": "证书",
    "seed": "随机种子",
    "sample_size": "抽检数量",
    "result": "抽中中心",
    "population": "抽样总体",
    "must_include": "必检中心",
    "exclude": "排除中心",
    "job": "后台任务",
    "reason": "原因",
    "score": "分数",
    "comment": "意见",
    "indicator": "指标",
    "version": "版本",
    "state": "状态",
    "deadline": "截止日期",
    "file": "文件",
    "filters": "筛选条件",
}


# ---- rules ------------------------------------------------------------------------------------------
RULE_ID = re.compile(r"(?<![\w-])R-[A-Z]+-\d+(?![\w-])")


def rule_name(rule_id: str) -> str:
    from centers.rules import RULE_TITLES

    return RULE_TITLES.get(rule_id, rule_id)


def rule_text(rule_id: str) -> str:
    """“基本运作经费保障（R-FUND-2）”: for PDFs, exports and messages (pages use the ``rule`` filter)."""
    name = rule_name(rule_id)
    return f"{name}（{rule_id}）" if name != rule_id else rule_id


def name_rules(text: str) -> str:
    """Every bare rule ID in a free text gets its name in front: “R-FUND-2 达标” → “基本运作经费保障（R-FUND-2）达标”."""
    from centers.rules import RULE_TITLES

    def named(match):
        rule_id = match.group(0)
        name = RULE_TITLES.get(rule_id)
        if not name:
            return rule_id
        before = text[max(0, match.start() - len(name) - 2) : match.start()]
        if name in before:
            return rule_id
        if text[match.start() - 1 : match.start()] in ("（", "(", "、", "，"):
            return f"{name} {rule_id}"  # already in brackets: “（街镇中心专职人员配备 R-STAFF-2）”
        return f"{name}（{rule_id}）"

    text = str(text or "")
    return RULE_ID.sub(named, text)


# ---- figures ----------------------------------------------------------------------------------------
def _figures() -> MappingProxyType:
    """Every filing figure's label with its unit, in the active language (built once per language: a
    filing page names the figures of some 30 explanations)."""
    from django.utils.translation import get_language

    return _figures_in(get_language())[0]


@functools.lru_cache(maxsize=8)
def _figures_in(language: str | None) -> tuple[MappingProxyType, re.Pattern]:
    from evaluations.models.filing import FILING_FIGURES

    figures = dict(
        [(name, str(label)) for name, label in FILING_FIGURES]
        + [("work_plan", "年度工作计划及实施方案（份）")]
    )
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, figures)) + r") = ([\d.]+)(，满分要求 [\d.]+)?")
    return MappingProxyType(figures), pattern  # shared by every caller: read-only


def _split_unit(label: str) -> tuple[str, str]:
    match = re.fullmatch(r"(.+?)（(.+)）", label)
    return (match.group(1), match.group(2)) if match else (label, "")


def figure_label(name: str) -> str:
    """“举办培训（场次）”: the figure's name with its unit."""
    figures = _figures()
    return figures.get(name, field_label(name) if name not in figures else name)


def figure_text(name: str, value) -> str:
    """“举办培训 6 场次”, “党建工作覆盖率 100 %”, “年度工作计划及实施方案 已上传”."""
    if name == "work_plan":
        return "年度工作计划及实施方案 " + ("已上传" if value else "未上传")
    label = _figures().get(name)
    if label is None:
        return f"{field_label(name)} {value_text(value)}"
    title, unit = _split_unit(label)
    if value is None:
        return f"{title} 未填写"
    return f"{title} {value_text(value)} {unit}".rstrip()


def name_figures(text: str) -> str:
    """In a computed indicator's explanation (“work_plan = 1，满分要求 1 → 3.0/3.0”), figure codes become
    their names with units (“年度工作计划及实施方案 1 份，满分要求 1 份 → 3.0/3.0”)."""
    from django.utils.translation import get_language

    figures, pattern = _figures_in(get_language())

    def named(match):
        name = match.group(1)
        title, unit = _split_unit(figures[name])
        rest = match.group(3)
        if unit and rest:
            rest = re.sub(r"满分要求 ([\d.]+)", rf"满分要求 \1 {unit}", rest, count=1)
        return f"{title} {match.group(2)} {unit}".rstrip() + (rest or "")

    if not text:
        return ""
    return pattern.sub(named, str(text))


def explanation_text(text: str) -> str:
    """A computed score's explanation in words: figure codes and bare rule IDs named."""
    return name_rules(name_figures(text))


def formula_text(formula: dict | None) -> str:
    """A computed indicator's formula in words."""
    formula = formula or {}
    kind = formula.get("kind")
    if kind == "rule":
        rule_id = str(formula.get("rule", ""))
        return f"按政策要求“{rule_name(rule_id)}”（{rule_id}）自动判定：达标或不适用得满分，未达标或无数据得 0 分"
    if kind == "figure":
        name = str(formula.get("figure", ""))
        title, unit = _split_unit(figure_label(name))
        full_at = _number(formula.get("full_at") or 1)
        return f"按“{title}”计：达到 {full_at}{(' ' + unit) if unit else ''}得满分，不足按比例计分（按 0.5 分向下取整）"
    return "未设置计算公式"


FORMULA_HELP = (
    "系统计算的指标须写明计算方式：按政策要求是否达标（选择一项政策要求），或按年度工作数据"
    "（选择数据项，并填写满分所需数量，须大于 0）。"
)


# ---- states and algorithms --------------------------------------------------------------------------
def state_label(code) -> str:
    if not isinstance(code, str):
        return value_text(code)
    from django.utils.translation import get_language

    label = _state_labels(get_language()).get(code)
    return label if label is not None else CODE_LABELS.get(code, value_text(code))


@functools.cache
def _state_labels(language) -> dict[str, str]:
    """The cycles', filings' and verdicts' states → their labels (the first enumeration that has a
    value wins), translated once per language: the district table asks for one per pay finding."""
    from centers.compliance import RuleStatus
    from evaluations.choices import CycleState, FilingState

    labels: dict[str, str] = {}
    for choices in (CycleState, FilingState, RuleStatus):
        for value, label in choices.choices:
            labels.setdefault(value, str(label))
    return labels


def algorithm_text(code: str) -> str:
    """The draw's algorithm in words; the labels live with the algorithm (evaluations.draw)."""
    from evaluations.draw import ALGORITHM_LABELS

    return ALGORITHM_LABELS.get(code, "按公开的随机种子抽样")


# ---- audit entries ----------------------------------------------------------------------------------
# "{actor} {sentence}": the verb phrase of an action, {obj} the entry's object, data fields by name.
ACTION_SENTENCES = {
    "evaluations.cycle.created": "新建了{obj}",
    "evaluations.cycle.updated": "修改了{obj}的设置",
    "evaluations.cycle.opened": "开放了{obj}的填报",
    "evaluations.cycle.state_changed": "将{obj}从“{before}”推进到“{after}”",
    "evaluations.cycle.published": "公布了{obj}",
    "evaluations.cycle.filing_closed": "结束了{obj}的填报",
    "evaluations.cycle.finalized": "将{obj}定稿",
    "evaluations.rubric.copied": "复制了{obj}的评分表",
    "evaluations.draw.created": "完成了{obj}的抽检抽样（种子 {seed}）",
    "evaluations.draw.verified": "复核了{obj}的抽检抽样",
    "evaluations.results.requested": "发起了{obj}的结果计算",
    "evaluations.results.corrected": "更正了{obj}的考评结果",
    "evaluations.filing.figures_saved": "保存了{obj}的年度工作数据",
    "evaluations.filing.work_plan_uploaded": "上传了{obj}的年度工作计划",
    "evaluations.filing.work_plan_downloaded": "下载了{obj}的年度工作计划",
    "evaluations.filing.submitted": "提交了{obj}",
    "evaluations.filing.reviewed": "初审通过了{obj}",
    "evaluations.filing.accepted": "受理了{obj}",
    "evaluations.filing.returned": "退回了{obj}",
    "evaluations.filing.reopened": "重新开放了{obj}的填报",
    "evaluations.filing.reminded": "提醒{obj}尽快提交",
    "evaluations.draw.exported": "导出了{obj}的抽检记录",
    "staffing.district_table.exported": "导出了全区人员配备表",
    "core.import_errors.exported": "下载了导入错误清单",
    "evaluations.evidence.uploaded": "上传了{obj}的佐证材料",
    "evaluations.evidence.deleted": "删除了{obj}的佐证材料",
    "evaluations.self_score.saved": "保存了{obj}的自评分",
    "evaluations.audit_score.saved": "保存了{obj}的抽检评分",
    "evaluations.audit_score.corrected": "更正了{obj}的抽检评分",
    "evaluations.assignment.set": "分配了{obj}的抽检人员",
    "evaluations.assignment.submitted": "提交了{obj}的抽检评分",
    "reports.document.rendered": "生成了{obj}",
    "reports.document.downloaded": "下载了{obj}",
    "reports.draw_record.printed": "打印了{obj}的抽检记录",
}


def action_sentence(entry) -> str:
    """“王敏 公布了 2026 年度考评结果（第 1 版）”: who did what to which object."""
    actor = entry.actor.display_name if getattr(entry, "actor_id", None) else "系统"
    obj = entry.object_repr or ""
    data = entry.data if isinstance(entry.data, dict) else {}
    template = ACTION_SENTENCES.get(entry.action)
    if template:
        fields = {
            key: state_label(value) if key in ("before", "after") else value_text(value)
            for key, value in data.items()
        }
        fields.setdefault("before", EMPTY)
        fields.setdefault("after", EMPTY)
        fields.setdefault("seed", EMPTY)
        fields["obj"] = f"“{obj}”" if obj else ""
        return f"{actor} {template.format(**fields)}"
    from .audit_log import action_label

    label = action_label(entry)
    return f"{actor} {label}" + (f"：{obj}" if obj else "")


def changes_text(data) -> str:
    """A change's data in words: “状态：抽检中 → 计分中”, other fields by name."""
    if not isinstance(data, dict) or not data:
        return ""
    if set(data) >= {"before", "after"} and not isinstance(data["before"], dict):
        return f"{state_label(data['before'])} → {state_label(data['after'])}"
    return value_text(data)


# ---- technical failures and framework messages ------------------------------------------------------
TECHNICAL_FAILURES = [
    (re.compile(r"database is locked", re.I), "数据库繁忙，已自动重试"),
    (
        re.compile(r"could not connect to server|connection refused|server closed the connection", re.I),
        "数据库暂时不可用，已自动重试",
    ),
    (re.compile(r"(?:Soft)?TimeLimitExceeded|timed? ?out", re.I), "执行超时"),
    (re.compile(r"No space left on device", re.I), "存储空间已满，文件未能写入"),
    (
        re.compile(r"Error \d+ connecting to|Connection (?:reset|closed) by", re.I),
        "后台服务（消息队列）暂时不可用",
    ),
    (
        re.compile(r"Traceback \(most recent call last\)|\b\w+(?:Error|Exception)\b: "),
        "内部错误（详情已记入系统日志，请联系管理员）",
    ),
]


def technical_failure(text: str) -> str:
    """One line of a job log or a failure reason, with any technical message put in Chinese."""
    for pattern, words in TECHNICAL_FAILURES:
        if pattern.search(text or ""):
            prefix = re.split(r"[A-Za-z(]", text, maxsplit=1)[0]
            return f"{prefix}{words}"
    return text


def readable_log(log: str) -> str:
    return "\n".join(technical_failure(line) for line in (log or "").splitlines())


def framework_message(message: str, *, model=None, fields=None) -> str:
    """Django's and DRF's default messages in the portal's words.

    “具有 统一社会信用代码 的 社会组织 已存在。” (Django's unique check) → “已有统一社会信用代码相同的社会组织，
    请核对后重新填写。”"""
    text = str(message)
    match = re.fullmatch(r"具有 (.+?) 的 (.+?) 已存在。", text)
    if match:
        return f"已有{match.group(1).replace(' 和 ', '、')}相同的{match.group(2)}，请核对后重新填写。"
    match = re.fullmatch(r"(?:字段 )?(.+?) 必须能够唯一标识.*|The fields (.+) must make a unique set\.", text)
    if match:
        return "已有相同的记录，请核对后重新填写。"
    replacements = {
        "该字段是必填项。": "此项为必填项，请填写。",
        "这个字段是必填项。": "此项为必填项，请填写。",
        "This field is required.": "此项为必填项，请填写。",
        "This field may not be blank.": "此项不能为空，请填写。",
        "This field may not be null.": "此项不能为空，请填写。",
        "该字段不能为空。": "此项不能为空，请填写。",
        "该字段不能为 null。": "此项不能为空，请填写。",
        "A valid integer is required.": "请填写整数。",
        "请填写合法的整数值。": "请填写整数。",
        "A valid number is required.": "请填写数字。",
        "Not a valid string.": "请填写文字。",
        'Invalid pk "{pk_value}" - object does not exist.': "所选对象不存在，请重新选择。",
    }
    if text in replacements:
        return replacements[text]
    match = re.fullmatch(r'Invalid pk "(.+)" - object does not exist\.|无效主键 “(.+)” － 对象不存在。', text)
    if match:
        return "所选对象不存在或您无权使用，请重新选择。"
    return text
