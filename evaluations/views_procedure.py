"""Pages of 公示 and 复核 (review requests, 定稿) and 整改 (rectification items)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.roles import Role
from core.access import BUREAU, CENTER_EDITORS, CENTER_READERS, access, in_scope
from core.audit import entries_for, log_action
from core.audit_log import action_label
from core.errors import ApplicationError
from core.idempotency import REPEATED_MESSAGE, create_once
from core.params import int_param
from core.permissions import restrict

from . import selectors, services
from .choices import CycleState, RectificationState, ReviewRequestState
from .forms import (
    RectificationCloseForm,
    RectificationReportForm,
    RectificationReviewForm,
    ReviewDecisionForm,
    ReviewRequestForm,
)
from .models import AuditScore, Cycle, Rectification, ReviewRequest

DIRECTORS = in_scope(Role.DIRECTOR)
SUPERVISORS = in_scope(Role.SUPERVISOR)


def _is_bureau(user) -> bool:
    return user.has_perm("evaluations.change_cycle")


def _history(obj) -> list[dict]:
    return [
        {"at": e.created_at, "actor": e.actor, "label": action_label(e)}
        for e in entries_for(obj).order_by("created_at")[:30]
    ]


def _post_form(request, form, *, call, success, then, page):
    """One POST of these pages: a valid ``form`` goes to its service (``call(cleaned_data)``); done →
    the ``success`` message (text, or made from what the service returned) and ``then(returned)``'s
    redirect; refused or invalid → the page again with what was typed and the errors, status 400."""
    if form.is_valid():
        try:
            done = call(form.cleaned_data)
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            messages.success(request, success(done) if callable(success) else success)
            return then(done)
    return page(form)


# ---- 定稿 ------------------------------------------------------------------------------------------
@access(write=BUREAU)
@login_required
@require_POST
def cycle_finalize(request, pk):
    cycle = get_object_or_404(restrict(Cycle.objects.all(), request.user, "change"), pk=pk)
    try:
        services.cycle_finalize(cycle=cycle, actor=request.user)
        messages.success(request, f"{cycle.year} 年度考评结果已定稿。")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("evaluations:cycle_results", cycle.pk)


# ---- 复核申请 ---------------------------------------------------------------------------------------
@access(read=CENTER_EDITORS, write=DIRECTORS)
@login_required
def review_request_list(request):
    cycle = None
    cycle_pk = int_param(request.GET, "cycle", label="考评年度")
    if cycle_pk is not None:
        cycle = get_object_or_404(Cycle, pk=cycle_pk)
    user = request.user
    may_file = user.role == Role.DIRECTOR and bool(user.center_id)
    open_cycles = Cycle.objects.filter(state=CycleState.PUBLICITY).order_by("-year")
    form = None
    if may_file:
        form = ReviewRequestForm(request.POST or None, request.FILES or None, cycles=open_cycles)
    if request.method == "POST":
        if not may_file:
            raise Http404
        if form.is_valid():
            try:
                row, first = create_once(
                    key=form.idempotency_key,
                    actor=user,
                    create=lambda: services.review_request_file(
                        cycle=form.cleaned_data["cycle"],
                        actor=user,
                        reasons=form.cleaned_data["reasons"],
                        evidence=form.cleaned_data.get("evidence"),
                    ),
                )
            except ApplicationError as exc:
                form.add_application_error(exc)
            else:
                if first:
                    messages.success(request, "复核申请已提交，区民政局将作出决定。")
                else:
                    messages.info(request, REPEATED_MESSAGE)
                return redirect("evaluations:review_request_detail", row.pk)
    return render(
        request,
        "evaluations/review_requests.html",
        {
            "rows": selectors.review_requests_for(user, cycle=cycle),
            "form": form if may_file and open_cycles.exists() else None,
            "open_cycles": open_cycles,
            "cycle": cycle,
        },
    )


def _review(request, pk) -> ReviewRequest:
    qs = restrict(ReviewRequest.objects.select_related("cycle", "center", "result__filing"), request.user)
    return get_object_or_404(qs, pk=pk)


@access(read=CENTER_EDITORS)
@login_required
def review_request_detail(request, pk):
    review = _review(request, pk)
    return _review_page(request, review, ReviewDecisionForm(version=review.version))


def _review_page(request, review, form, status=200):
    bureau = _is_bureau(request.user)
    scores = []
    if bureau and review.state == ReviewRequestState.PENDING:
        scores = list(
            AuditScore.objects.filter(filing=review.result.filing)
            .select_related("indicator")
            .order_by("indicator__category__sort_order", "indicator__sort_order")
        )
        for s in scores:
            s.posted = request.POST.get(f"score_{s.indicator_id}") if request.method == "POST" else None
    return render(
        request,
        "evaluations/review_request_detail.html",
        {
            "review": review,
            "form": form,
            "is_bureau": bureau,
            "scores": scores,
            "history": _history(review),
        },
        status=status,
    )


@access(write=BUREAU)
@login_required
@require_POST
def review_request_decide(request, pk):
    review = _review(request, pk)
    scores = {
        key.removeprefix("score_"): value
        for key, value in request.POST.items()
        if key.startswith("score_") and key.removeprefix("score_").isdigit()
    }
    versions = {int(k): request.POST.get(f"version_{k}", "") for k in scores}
    form = ReviewDecisionForm(request.POST, version=review.version)
    return _post_form(
        request,
        form,
        call=lambda data: services.review_request_decide(
            review=review,
            actor=request.user,
            decision=data["decision"],
            reason=data["decision_reason"],
            version=form.read_version,
            scores=scores,
            versions=versions,
        ),
        success=lambda decided: f"复核决定已作出：{decided.get_state_display()}。",
        then=lambda decided: (
            redirect("core:job_detail", decided.job_id)
            if decided.job_id
            else redirect("evaluations:review_request_detail", decided.pk)
        ),
        page=lambda form: _review_page(request, review, form, status=400),
    )


@access(read=CENTER_EDITORS)
@login_required
def review_request_evidence(request, pk):
    review = _review(request, pk)
    if not review.evidence:
        raise Http404("该复核申请未附佐证材料")
    log_action("evaluations.review_request.evidence_downloaded", actor=request.user, obj=review)
    return FileResponse(review.evidence.open("rb"), as_attachment=True, filename=review.evidence_name)


# ---- 整改事项 ---------------------------------------------------------------------------------------
@access(read=CENTER_READERS)
@login_required
def rectification_list(request):
    state = request.GET.get("state", "open")
    if state not in ("open", "", *RectificationState.values):
        state = "open"
    rows = selectors.rectifications_for(request.user, state=state)
    return render(
        request,
        "evaluations/rectifications.html",
        {"rows": rows, "state": state, "states": RectificationState.choices},
    )


def _item(request, pk, action="view") -> Rectification:
    qs = restrict(
        Rectification.objects.select_related("cycle", "center", "center__supervising_unit"),
        request.user,
        action,
    )
    return get_object_or_404(qs, pk=pk)


def _item_page(request, item, forms=None, status=200):
    user = request.user
    forms = forms or {}
    context = {
        "item": item,
        "history": _history(item),
        "report_form": None,
        "review_form": None,
        "close_form": None,
    }
    if item.state in (RectificationState.OPEN, RectificationState.RETURNED) and (
        user.role == Role.DIRECTOR and user.center_id == item.center_id
    ):
        context["report_form"] = forms.get("report") or RectificationReportForm(
            version=item.version, initial={"report": item.report}
        )
    if (
        item.state == RectificationState.SUBMITTED
        and restrict(Rectification.objects.filter(pk=item.pk), user, "review").exists()
        and user.role == Role.SUPERVISOR
    ):
        context["review_form"] = forms.get("review") or RectificationReviewForm(version=item.version)
    if item.state == RectificationState.APPROVED and _is_bureau(user):
        context["close_form"] = forms.get("close") or RectificationCloseForm(version=item.version)
    return render(request, "evaluations/rectification_detail.html", context, status=status)


@access(read=CENTER_READERS)
@login_required
def rectification_detail(request, pk):
    return _item_page(request, _item(request, pk))


@access(write=DIRECTORS)
@login_required
@require_POST
def rectification_submit(request, pk):
    item = _item(request, pk, "change")
    form = RectificationReportForm(request.POST, request.FILES, version=item.version)
    return _item_post(
        request,
        item,
        form,
        "report",
        call=lambda data: services.rectification_submit(
            item=item,
            actor=request.user,
            report=data["report"],
            evidence=data.get("evidence"),
            version=form.read_version,
        ),
        success="整改报告已提交，待业务主管单位审核。",
    )


@access(write=SUPERVISORS)
@login_required
@require_POST
def rectification_review(request, pk):
    item = _item(request, pk, "review")
    form = RectificationReviewForm(request.POST, version=item.version)
    return _item_post(
        request,
        item,
        form,
        "review",
        call=lambda data: services.rectification_review(
            item=item,
            actor=request.user,
            approve=data["approve"] == "yes",
            comment=data["comment"],
            version=form.read_version,
        ),
        success="审核意见已提交。",
    )


@access(write=BUREAU)
@login_required
@require_POST
def rectification_close(request, pk):
    item = _item(request, pk, "change")
    form = RectificationCloseForm(request.POST, version=item.version)
    return _item_post(
        request,
        item,
        form,
        "close",
        call=lambda data: services.rectification_close(
            item=item, actor=request.user, comment=data["comment"], version=form.read_version
        ),
        success="整改事项已销号。",
    )


def _item_post(request, item, form, slot: str, *, call, success: str):
    """A step of a rectification item: back to the item when done, else its page with ``form`` in
    its ``slot`` (report / review / close), status 400."""
    return _post_form(
        request,
        form,
        call=call,
        success=success,
        then=lambda _done: redirect("evaluations:rectification_detail", item.pk),
        page=lambda form: _item_page(request, item, {slot: form}, status=400),
    )


@access(read=CENTER_READERS)
@login_required
def rectification_evidence(request, pk):
    item = _item(request, pk)
    if not item.evidence:
        raise Http404("该整改事项未附佐证材料")
    log_action("evaluations.rectification.evidence_downloaded", actor=request.user, obj=item)
    return FileResponse(item.evidence.open("rb"), as_attachment=True, filename=item.evidence_name)
