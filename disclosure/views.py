from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from centers.choices import CenterLevel
from centers.models import ServiceCenter
from core.access import PUBLIC, access

from .selectors import FUNCTIONS, public_center, public_centers


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
        {"page": page, "levels": CenterLevel.choices, "level": level, "q": q},
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
