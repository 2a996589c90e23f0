import json

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render

from centers.choices import CenterLevel
from centers.models import ServiceCenter
from core.access import PUBLIC, access

from .selectors import FUNCTIONS, public_center, public_centers, public_draw_record, public_draw_years


@access(read=PUBLIC)
def center_list(request):
    level = request.GET.get("level") or None
    if level not in CenterLevel.values:
        level = None
    q = (request.GET.get("q") or "").strip()[:50]
    page = Paginator(public_centers(level=level, q=q or None), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "disclosure/center_list.html",
        {
            "page": page,
            "levels": CenterLevel.choices,
            "level": level,
            "q": q,
            "draw_years": public_draw_years(),
        },
    )


@access(read=PUBLIC)
def center_detail(request, pk: int):
    try:
        center = public_center(pk)
    except ServiceCenter.DoesNotExist as exc:
        raise Http404("未找到该服务中心") from exc
    return render(
        request, "disclosure/center_detail.html", {"center": center, "functions": FUNCTIONS[center.level]}
    )


def _draw_record(year: int) -> dict:
    record = public_draw_record(year)
    if record is None:
        raise Http404("该年度尚未公布抽检抽样信息")
    return record


@access(read=PUBLIC)
def draw_record(request, year: int):
    record = _draw_record(year)
    return render(request, "disclosure/draw_record.html", {"record": record})


@access(read=PUBLIC)
def draw_record_json(request, year: int):
    """The same record as a file anyone can replay (scripts/replay_draw.py), UTF-8, Chinese unescaped."""
    record = _draw_record(year)
    response = HttpResponse(
        json.dumps(record, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'inline; filename="draw-{record["year"]}.json"'
    return response
