"""The district file: the one district an installation serves, as data.

``DISTRICT_FILE`` (environment) names the file loaded after every ``migrate`` — Qingpu's
``centers/reference/qingpu.json`` when unset. ``manage.py load_district FILE [--dry-run]`` validates
and loads or updates one, printing what it creates and changes. The format is
``district.schema.json`` beside this module (JSON Schema, documented in the README's "Another
district" section); a file that does not follow it is refused with a Chinese message naming the line.

After ``migrate`` loading only creates what is missing (and fills a field the database leaves empty),
so edits the bureau made in the admin stay and running it twice changes nothing; ``load_district``
makes the database say what the file says. Streets/towns or units that are in the database but not in
the file are reported, never deleted. One district per installation: a file of another district is
refused while the database holds one (``--replace`` swaps a district that nothing refers to yet).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.conf import settings
from django.db import transaction

SCHEMA_FILE = Path(__file__).with_name("district.schema.json")
DEFAULT_FILE = Path(__file__).with_name("qingpu.json")


class DistrictFileError(Exception):
    """A district file that cannot be loaded; the message is Chinese and names the line."""


def reference_file() -> Path:
    return Path(getattr(settings, "DISTRICT_FILE", None) or DEFAULT_FILE)


def street_office_name(street_town: dict) -> str:
    """The supervising unit of a street/town when the file names none: 夏阳街道办事处, 朱家角镇人民政府."""
    if street_town.get("supervising_unit"):
        return street_town["supervising_unit"]
    suffix = "办事处" if street_town["kind"] == "street" else "人民政府"
    return f"{street_town['name']}{suffix}"


# ---- reading and validating ------------------------------------------------------------------------

LABELS = {
    "source": "数据来源",
    "district": "区",
    "code": "区划代码",
    "name": "名称",
    "bureau": "区民政局",
    "registration_authority": "登记管理机关名称",
    "portal_name": "门户名称",
    "policy": "政策文件",
    "number": "文号",
    "title": "标题",
    "structure_label": "服务中心体系标签",
    "street_towns": "街镇",
    "kind": "类型",
    "supervising_unit": "业务主管单位",
    "industry_supervising_units": "行业主管部门",
}
TYPE_LABELS = {"object": "由 { } 括起的一组项", "array": "由 [ ] 括起的列表", "string": "带引号的文字"}
PATTERN_HINTS = {
    ("district", "code"): "应为 6 位数字的行政区划代码（如 310117）",
    ("district", "name"): "应为区的名称，以“区”结尾（如 松江区）",
    ("street_towns", "code"): '应为 9 位（或 12 位）数字的街镇区划代码；不知道可填空文字 ""',
    ("street_towns", "name"): "应为街镇的名称，以“街道”“镇”或“乡”结尾",
    ("structure_label",): "应含字母 N（页面上显示为本区的街镇数，如 1+N+X）",
}

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


@cache
def schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def _skip(text: str, pos: int) -> int:
    return _WHITESPACE.match(text, pos).end()


def line_of(text: str, path) -> int:
    """The line (from 1) where the value at ``path`` (keys and list indexes) starts in the JSON ``text``."""
    pos = _skip(text, 0)
    for key in path:
        if pos >= len(text):
            break
        if text[pos] == "{" and isinstance(key, str):
            pos = _skip(text, pos + 1)
            while pos < len(text) and text[pos] == '"':
                name, pos = json.decoder.scanstring(text, pos + 1)
                pos = _skip(text, _skip(text, pos) + 1)  # past the colon
                if name == key:
                    break
                _, pos = _DECODER.raw_decode(text, pos)
                pos = _skip(text, pos)
                if text[pos] == ",":
                    pos = _skip(text, pos + 1)
            else:
                break
        elif text[pos] == "[" and isinstance(key, int):
            pos = _skip(text, pos + 1)
            for _ in range(key):
                _, pos = _DECODER.raw_decode(text, pos)
                pos = _skip(text, _skip(text, pos) + 1)  # past the comma
        else:
            break
    return text.count("\n", 0, pos) + 1


def _where(path) -> str:
    parts = []
    for key in path:
        if isinstance(key, int):
            parts.append(f"第 {key + 1} 项")
        else:
            parts.append(f"“{key}”（{LABELS.get(key, key)}）")
    return " → ".join(parts) if parts else "文件整体"


def _schema_message(error) -> str:
    path = list(error.absolute_path)
    where = _where(path)
    keys = tuple(k for k in path if isinstance(k, str))
    kind = error.validator
    if kind == "required":
        missing = [p for p in error.validator_value if p not in error.instance]
        names = "、".join(f"“{p}”（{LABELS.get(p, p)}）" for p in missing)
        return f"{where}缺少 {names}，请补上。"
    if kind == "additionalProperties":
        known = set(error.schema.get("properties", {}))
        extra = "、".join(f"“{p}”" for p in error.instance if p not in known)
        allowed = "、".join(f"“{p}”" for p in error.schema.get("properties", {}))
        return f"{where}中有不认识的项 {extra}，请检查拼写；可用的项为 {allowed}。"
    if kind == "type":
        return f"{where}应为{TYPE_LABELS.get(error.validator_value, error.validator_value)}，请修改。"
    if kind == "pattern":
        hint = PATTERN_HINTS.get(keys[:1] + keys[-1:]) or PATTERN_HINTS.get(keys) or "格式不正确"
        return f"{where}为“{error.instance}”，{hint}。"
    if kind == "enum":
        return f"{where}为“{error.instance}”，应为 street（街道）或 town（镇）。"
    if kind == "minLength":
        return f"{where}不能为空，请填写。"
    if kind == "maxLength":
        return f"{where}过长：不超过 {error.validator_value} 个字，请缩短。"
    if kind == "minItems":
        return f"{where}至少要有 {error.validator_value} 项，请填写。"
    return f"{where}不符合区数据文件的格式，请对照 README 的“Another district”一节修改。"


def _semantic_problems(data: dict) -> list[tuple[list, str]]:
    """Rules the schema cannot say: codes inside the district, names unique, kind matching the name."""
    problems = []
    code = data["district"]["code"]
    seen: dict[str, int] = {}
    units = {data["bureau"]["name"]: ["bureau", "name"]}
    for index, item in enumerate(data["street_towns"]):
        path = ["street_towns", index]
        name = item["name"]
        if name in seen:
            problems.append(
                (path + ["name"], f"街镇“{name}”重复（与第 {seen[name] + 1} 项同名），请删除其一。")
            )
        seen.setdefault(name, index)
        if item["kind"] == "street" and not name.endswith("街道"):
            problems.append(
                (path + ["kind"], f"“{name}”不以“街道”结尾，类型却为 street（街道）；请核对类型。")
            )
        if item["kind"] == "town" and name.endswith("街道"):
            problems.append((path + ["kind"], f"“{name}”是街道，类型应为 street 而不是 town；请修改。"))
        if item.get("code") and not item["code"].startswith(code):
            problems.append(
                (path + ["code"], f"“{name}”的区划代码 {item['code']} 不以本区代码 {code} 开头，请核对。")
            )
        unit = street_office_name(item)
        if unit in units:
            problems.append((path + ["supervising_unit"], f"业务主管单位“{unit}”重复，请核对。"))
        units.setdefault(unit, path)
    for index, item in enumerate(data.get("industry_supervising_units", [])):
        if item["name"] in units:
            problems.append(
                (
                    ["industry_supervising_units", index, "name"],
                    f"业务主管单位“{item['name']}”重复，请删除其一。",
                )
            )
        units.setdefault(item["name"], ["industry_supervising_units", index])
    return problems


def read_district_file(path: Path) -> dict:
    """The file's data, or DistrictFileError naming the file, the line and the fix (in Chinese)."""
    from jsonschema import Draft202012Validator

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DistrictFileError(
            f"找不到区数据文件 {path}，请检查路径（DISTRICT_FILE 或命令参数）。"
        ) from None
    except UnicodeDecodeError:
        raise DistrictFileError(f"区数据文件 {path} 不是 UTF-8 编码，请用 UTF-8 保存后重试。") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DistrictFileError(
            f"区数据文件 {path} 第 {exc.lineno} 行第 {exc.colno} 列不是正确的 JSON"
            "（常见原因：缺少逗号或引号、多了末尾逗号、使用了中文引号），请修改。"
        ) from None
    errors = sorted(
        Draft202012Validator(schema()).iter_errors(data), key=lambda e: line_of(text, e.absolute_path)
    )
    problems = [(line_of(text, e.absolute_path), _schema_message(e)) for e in errors]
    if not problems:
        problems = [(line_of(text, p), message) for p, message in _semantic_problems(data)]
    if problems:
        lines = "\n".join(f"  第 {line} 行：{message}" for line, message in problems)
        raise DistrictFileError(f"区数据文件 {path} 有 {len(problems)} 处错误，未载入任何数据：\n{lines}")
    return data


# ---- loading -----------------------------------------------------------------------------------------


@dataclass
class LoadReport:
    district: object = None
    created: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # in the database, not in the file (left as is)

    def lines(self) -> list[str]:
        out = [f"新增：{line}" for line in self.created] + [f"修改：{line}" for line in self.changed]
        out += [f"保留（文件中没有，未删除）：{line}" for line in self.kept]
        return out or ["没有变化：数据库与文件一致。"]


DISTRICT_FIELDS = {
    # model field → (Chinese label, value from the file)
    "name": ("区名称", lambda d: d["district"]["name"]),
    "bureau_name": ("区民政局全称", lambda d: d["bureau"]["name"]),
    "registration_authority_name": ("登记管理机关名称", lambda d: d["bureau"]["registration_authority"]),
    "portal_name": ("门户名称", lambda d: d["portal_name"]),
    "policy_number": ("政策文号", lambda d: d["policy"]["number"]),
    "policy_title": ("政策名称", lambda d: d["policy"]["title"]),
    "structure_label": ("服务中心体系标签", lambda d: d.get("structure_label", "1+N+X")),
}


def _update(obj, values: dict, labels: dict, *, overwrite: bool, report: LoadReport, prefix: str, using: str):
    changed = []
    for name, value in values.items():
        current = getattr(obj, name)
        if current == value or (not overwrite and current not in ("", None)):
            continue
        report.changed.append(f"{prefix}{labels[name]}：“{current or '（空）'}” → “{value or '（空）'}”")
        setattr(obj, name, value)
        changed.append(name)
    if changed:
        obj.save(
            using=using, update_fields=[*changed, "updated_at"] if hasattr(obj, "updated_at") else changed
        )


def _replace_district(existing, *, using: str, report: LoadReport) -> None:
    from django.db.models import ProtectedError

    from centers.models import StreetTown, SupervisingUnit

    try:
        with transaction.atomic(using=using):
            SupervisingUnit.objects.using(using).filter(district=existing).delete()
            StreetTown.objects.using(using).filter(district=existing).delete()
            existing.delete()
    except ProtectedError:
        raise DistrictFileError(
            f"数据库中的{existing.name}（{existing.code}）已有服务中心、社会组织或账号引用它，不能替换；"
            "请为新的区使用一个新的数据库。"
        ) from None
    report.changed.append(
        f"删除原有的{existing.name}（{existing.code}）及其街镇、业务主管单位（尚无数据引用）"
    )


def _cite_policy(district, old_citation: str | None, *, using: str, report: LoadReport) -> None:
    """The policy parameters (core.reference) name their source: the district's policy, not Qingpu's."""
    from core.models import PolicyParameter
    from core.reference import POLICY

    citation = district.policy_citation
    for parameter in PolicyParameter.objects.using(using).order_by("key"):
        for old in {POLICY, old_citation} - {None, citation}:
            if parameter.source.startswith(old):
                parameter.source = citation + parameter.source[len(old) :]
                parameter.save(using=using, update_fields=["source"])
                report.changed.append(f"政策参数“{parameter.label}”的依据改为 {parameter.source}")
                break


def load_district(
    path: Path | None = None,
    *,
    overwrite: bool = True,
    dry_run: bool = False,
    replace: bool = False,
    using: str = "default",
) -> LoadReport:
    """Load the district file at ``path`` (``DISTRICT_FILE`` / Qingpu's when None) in one transaction.

    ``overwrite`` makes the database say what the file says (``load_district``); without it only what
    is missing or empty is filled (after ``migrate``). ``dry_run`` reports and rolls back."""
    from centers.choices import SupervisingUnitKind
    from centers.models import District, StreetTown, SupervisingUnit

    data = read_district_file(path or reference_file())
    report = LoadReport()
    with transaction.atomic(using=using):
        code, name = data["district"]["code"], data["district"]["name"]
        others = list(District.objects.using(using).exclude(code=code))
        if others and replace and len(others) == 1:
            _replace_district(others[0], using=using, report=report)
        elif others:
            held = "、".join(f"{d.name}（{d.code}）" for d in others)
            raise DistrictFileError(
                f"数据库中已有{held}，而文件是{name}（{code}）的：一套门户只服务一个区。"
                f"请为{name}使用一个新的数据库（设置 DISTRICT_FILE 后运行 migrate），"
                "或在尚无任何数据引用原有区时加 --replace 替换它。"
            )
        values = {f: get(data) for f, (_, get) in DISTRICT_FIELDS.items()}
        labels = {f: label for f, (label, _) in DISTRICT_FIELDS.items()}
        district = District.objects.using(using).filter(code=code).first()
        old_citation = district.policy_citation if district and district.policy_number else None
        if district is None:
            district = District(code=code, **values)
            district.save(using=using)
            report.created.append(f"区 {name}（{code}）")
        else:
            _update(district, values, labels, overwrite=overwrite, report=report, prefix="", using=using)
        report.district = district
        _cite_policy(district, old_citation, using=using, report=report)

        units = SupervisingUnit.objects.using(using).filter(district=district)
        bureau = units.filter(kind=SupervisingUnitKind.BUREAU).order_by("pk").first()
        bureau_name = data["bureau"]["name"]
        if bureau is None:
            bureau = units.filter(name=bureau_name).first() or SupervisingUnit(
                district=district, name=bureau_name
            )
            bureau.kind = SupervisingUnitKind.BUREAU
            bureau.save(using=using)
            report.created.append(f"业务主管单位 {bureau_name}（区民政局）")
        else:
            _update(bureau, {"name": bureau_name}, {"name": "区民政局"}, overwrite=overwrite, report=report,
                    prefix="", using=using)  # fmt: skip

        existing = {st.name: st for st in StreetTown.objects.using(using).filter(district=district)}
        for order, item in enumerate(data["street_towns"], start=1):
            street_town = existing.pop(item["name"], None)
            values = {"kind": item["kind"], "code": item.get("code", ""), "sort_order": order}
            if street_town is None:
                street_town = StreetTown(district=district, name=item["name"], **values)
                street_town.save(using=using)
                report.created.append(f"街镇 {item['name']}")
            elif overwrite:
                labels = {"kind": "类型", "code": "区划代码", "sort_order": "排序"}
                _update(street_town, values, labels, overwrite=True, report=report, prefix=f"{item['name']} ",
                        using=using)  # fmt: skip
            unit_kind = (
                SupervisingUnitKind.STREET_OFFICE
                if item["kind"] == "street"
                else SupervisingUnitKind.TOWN_GOVERNMENT
            )
            unit_name = street_office_name(item)
            unit = units.filter(street_town=street_town).first() or units.filter(name=unit_name).first()
            if unit is None:
                SupervisingUnit(
                    district=district, name=unit_name, kind=unit_kind, street_town=street_town
                ).save(using=using)
                report.created.append(f"业务主管单位 {unit_name}")
            elif overwrite or unit.street_town_id is None:
                values = {"name": unit_name, "kind": unit_kind, "street_town": street_town}
                labels = {"name": "名称", "kind": "类型", "street_town": "对应街镇"}
                _update(unit, values, labels, overwrite=True, report=report, prefix=f"{item['name']}的业务主管单位",
                        using=using)  # fmt: skip
        report.kept += [f"街镇 {name}" for name in existing]

        for item in data.get("industry_supervising_units", []):
            if not units.filter(name=item["name"]).exists():
                SupervisingUnit(
                    district=district, name=item["name"], kind=SupervisingUnitKind.INDUSTRY_AUTHORITY
                ).save(using=using)
                report.created.append(f"业务主管单位 {item['name']}（行业主管部门）")
        if dry_run:
            transaction.set_rollback(True, using=using)
    return report


def load_reference_district(*, using: str = "default", path: Path | None = None, **kwargs):
    """post_migrate: load ``DISTRICT_FILE`` (Qingpu's when unset), creating only what is missing.
    A wrong file or another district's stops ``migrate`` with the Chinese message (no traceback)."""
    from django.core.management.base import CommandError

    try:
        return load_district(path, overwrite=False, using=using).district
    except DistrictFileError as exc:
        raise CommandError(f"DISTRICT_FILE：{exc}") from None
