"""Batch actions on the filing lists (issue 15 §5): 受理所选 and 提醒未提交的中心 on the bureau's progress
board, 初审通过所选 on a supervising unit's list.

Each is two steps that work without JavaScript: the list posts the ticked filings to a confirmation
page (what the services would say is found by a dry run: the page either lists what will be done or
names every filing that does not allow it, and why), and that page's 确认 button makes the batch — all
or nothing, one transaction (``evaluations.services.batch``). A filing the user may not see among the
ticked ones is a 404: nothing is done.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from core.access import BUREAU, access
from core.errors import ApplicationError, BadInput
from core.permissions import restrict

from . import selectors, services
from .choices import CycleState
from .models import Cycle
from .views import REVIEWERS, _is_bureau


def _ticked_ids(request) -> list[int]:
    ids = []
    for raw in request.POST.getlist("filing"):
        raw = str(raw).strip()
        if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
            raise BadInput("“所选填报”无效：请从列表中勾选后再提交。", field="filing")
        ids.append(int(raw))
    return sorted(set(ids))


def _ticked(request, action: str, **narrow):
    """The ticked filings the user may ``action``; one the user may not see → 404 (nothing done)."""
    ids = _ticked_ids(request)
    filings = list(restrict(selectors.filing_queryset(), request.user, action).filter(pk__in=ids, **narrow))
    if len(filings) != len(ids):
        raise Http404
    return filings


def _batch(request, *, filings, service, what: str, back: str, note: str):
    """Step 1 (no ``confirm``): dry run → the confirmation page or the refusals. Step 2: the batch."""
    confirmed = request.POST.get("confirm") == "1"
    comment = request.POST.get("comment", "")
    context = {
        "what": what,
        "filings": filings,
        "back": back,
        "note": note,
        "comment": comment,
        "comment_max": services.COMMENT_MAX_LENGTH,
        "with_comment": True,
    }
    try:
        done = service(filings=filings, actor=request.user, comment=comment, dry_run=not confirmed)
    except services.BatchRefused as exc:
        context["refused"] = exc
        return render(request, "evaluations/batch_confirm.html", context)
    except ApplicationError as exc:
        if "comment" in exc.fields:
            context["comment_errors"] = exc.fields["comment"]
            return render(request, "evaluations/batch_confirm.html", context)
        messages.error(request, exc.message)
        return redirect(back)
    if not confirmed:
        return render(request, "evaluations/batch_confirm.html", context)
    messages.success(request, f"已{what} {len(done)} 份填报，并已分别通知各服务中心。")
    return redirect(back)


@access(write=BUREAU)
@login_required
@require_POST
def batch_accept(request, pk):
    """受理所选 on the bureau's progress board."""
    if not _is_bureau(request.user):
        raise Http404
    cycle = get_object_or_404(restrict(Cycle.objects.all(), request.user, "change"), pk=pk)
    return _batch(
        request,
        filings=_ticked(request, "change", cycle=cycle),
        service=services.filings_accept_batch,
        what="受理",
        back=reverse("evaluations:cycle_board", args=[cycle.pk]),
        note="受理后进入抽检与计分；每个服务中心各收到一条通知（含您填写的意见）。",
    )


@access(write=REVIEWERS)
@login_required
@require_POST
def batch_review(request):
    """初审通过所选 on a supervising unit's list (the bureau may review too)."""
    return _batch(
        request,
        filings=_ticked(request, "review"),
        service=services.filings_review_batch,
        what="初审通过",
        back=reverse("evaluations:review_list"),
        note="初审通过后报区民政局受理；每个服务中心各收到一条通知（含您填写的意见）。",
    )


@access(read=BUREAU, write=BUREAU)
@login_required
@require_http_methods(["GET", "POST"])
def batch_remind(request, pk):
    """提醒未提交的中心: the page lists who will be reminded; its button sends one notice each."""
    if not _is_bureau(request.user):
        raise Http404
    cycle = get_object_or_404(restrict(Cycle.objects.all(), request.user, "change"), pk=pk)
    back = reverse("evaluations:cycle_board", args=[cycle.pk])
    if request.method == "POST" and request.POST.get("confirm") == "1":
        try:
            sent = services.filings_remind(cycle=cycle, actor=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            told = len(sent["filings"]) - len(sent["unreachable"]) - len(sent["already"])
            if told:
                messages.success(request, f"已提醒 {told} 个未提交的中心（通知 {sent['notices']} 条）。")
            if sent["already"]:
                messages.info(request, f"{len(sent['already'])} 个中心今天已提醒过，未重复发送。")
            if sent["unreachable"]:
                names = "、".join(f.center.name for f in sent["unreachable"])
                messages.warning(request, f"以下中心没有可接收通知的负责人账号，请电话联系：{names}。")
            return redirect(back)
    return render(
        request,
        "evaluations/batch_confirm.html",
        {
            "what": "提醒",
            "cycle": cycle,
            "filings": services.unsubmitted_for_reminder(cycle) if cycle.state == CycleState.OPEN else [],
            "remind": True,
            "back": back,
            "note": "每个未提交的服务中心各收到一条站内通知（及邮件），同一天内不重复提醒。",
        },
    )
