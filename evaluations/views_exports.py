"""Excel of the evaluation's lists that have no export of their own page (issue 15 §5), through the
one spreadsheet writer (``core.spreadsheets``): the draw record (抽检记录) — the population in its
order, which centers were named (必检) or excluded (with the reason), which were drawn — and the facts
of the draw on a second sheet. Access as the draw page (the bureau); every download is recorded."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404

from core.access import BUREAU, access
from core.audit import log_action
from core.permissions import restrict
from core.spreadsheets import XLSX, attachment, workbook_bytes

from . import draw as draw_algorithm
from .models import Cycle, Draw, SeedCommitment

DRAW_HEADER = ["序号", "服务中心", "统一社会信用代码", "抽样结果", "必检", "排除原因"]


def draw_record_workbook(cycle: Cycle, draw: Draw) -> bytes:
    named = {c["id"] for c in draw.must_include}
    excluded = {c["id"]: c.get("reason", "") for c in draw.excluded}
    drawn = {c["id"] for c in draw.result}
    rows = [DRAW_HEADER]
    for number, center in enumerate(draw.population, start=1):
        cid = center["id"]
        outcome = "排除" if cid in excluded else ("抽中" if cid in drawn else "未抽中")
        rows.append(
            [
                number,
                center["name"],
                center.get("credit_code") or "",
                outcome,
                "是" if cid in named else "否",
                excluded.get(cid, ""),
            ]
        )
    commitment = SeedCommitment.objects.filter(cycle=cycle).first()
    facts = [
        ["项目", "内容"],
        ["考评年度", f"{cycle.year} 年度"],
        ["抽样方法", draw_algorithm.ALGORITHM_LABELS.get(draw.algorithm, "按公开的随机种子抽样")],
        ["随机种子", draw.seed],
        ["种子承诺值（SHA-256）", commitment.digest if commitment else "未公布"],
        ["抽检比例", cycle.sample_share_label],
        ["抽样总体", f"{len(draw.population)} 个中心"],
        ["抽检数量", f"{draw.sample_size} 个中心"],
        ["必检中心", "、".join(c["name"] for c in draw.must_include) or "无"],
        ["排除中心", "；".join(f"{c['name']}（{c.get('reason', '')}）" for c in draw.excluded) or "无"],
        ["抽中中心", "、".join(c["name"] for c in draw.result)],
        ["抽样时间", f"{draw.created_at:%Y-%m-%d %H:%M}"],
        ["抽样人", draw.drawn_by.display_name if draw.drawn_by else ""],
    ]
    return workbook_bytes([(f"{cycle.year}年度抽检记录", rows), ("抽样信息", facts)])


@access(read=BUREAU)
@login_required
def draw_record_export(request, pk):
    cycle = get_object_or_404(restrict(Cycle.objects.all(), request.user, "change"), pk=pk)
    draw = Draw.objects.filter(cycle=cycle).select_related("drawn_by").first()
    if draw is None:
        raise Http404("本年度尚未抽样。")
    content = draw_record_workbook(cycle, draw)
    log_action("evaluations.draw.exported", actor=request.user, obj=draw, data={"year": cycle.year})
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = attachment(f"{cycle.year}年度抽检记录.xlsx")
    return response
