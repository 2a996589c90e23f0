"""Pages of the yearly evaluation. Each view narrows by ``restrict`` (a miss is a 404), calls one
service or selector, and renders."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.roles import Role
from core.access import (
    BUREAU,
    CENTER_EDITORS,
    CENTER_READERS,
    FILING_READERS,
    SIGNED_IN,
    TAKING_PART,
    access,
    in_scope,
)
from core.audit import entries_for, log_action
from core.errors import ApplicationError
from core.idempotency import REPEATED_MESSAGE, create_once
from core.params import int_param, safe_next
from core.permissions import can, restrict

from . import selectors, services, workflow
from .choices import (
    EDITABLE_FILING_STATES,
    RESULTS_OUT_STATES,
    UNSUBMITTED_LABEL,
    CycleState,
    FilingState,
    ReturnStage,
)
from .forms import (
    AssignmentForm,
    CorrectionForm,
    CycleForm,
    DrawForm,
    FiguresForm,
    IndicatorForm,
    ReopenForm,
    ReturnForm,
    SeedSourceForm,
    UploadForm,
    auditors,
)
from .models import Assignment, Cycle, Draw, Evidence, Filing, Indicator, ResultSet, SeedCommitment
from .models.filing import FILING_FIGURES


# ---- helpers ---------------------------------------------------------------------------------------
def _cycle(request, pk, action="view") -> Cycle:
    return get_object_or_404(restrict(Cycle.objects.all(), request.user, action), pk=pk)


def _filing(request, pk, action="view") -> Filing:
    return get_object_or_404(restrict(selectors.filing_queryset(), request.user, action), pk=pk)


def _fail(request, exc: ApplicationError, form=None) -> None:
    messages.error(request, exc.message)
    for field, errs in exc.fields.items():
        if form is not None and field in form.fields and not form.fields[field].widget.is_hidden:
            for e in errs:
                form.add_error(field, e)
        else:
            for e in errs:
                messages.error(request, e)


def _posted_versions(request, entries) -> dict:
    """indicator id → the version of its score the page was opened at (hidden ``version_<id>``)."""
    return {pk: request.POST.get(f"version_{pk}", "") for pk in entries}


def _shown_version(request, row, score, errors):
    """The version a score form carries: the stored one, or after a refused save the one posted (so
    saving again stays refused until the page is reloaded and the colleague's change seen)."""
    if errors and request.method == "POST":
        return request.POST.get(f"version_{row['indicator'].pk}", "")
    return score.version if score else 0


def _page(request, items, per_page=50):
    return Paginator(items, per_page).get_page(request.GET.get("page"))


REVIEWERS = BUREAU | in_scope(Role.SUPERVISOR)
# The self-assessment and its submission are the center's own (evaluations.workflow.CENTER).
CENTER_OWN = in_scope(Role.DIRECTOR)
AUDITORS = BUREAU | in_scope(Role.AUDITOR)


def _is_bureau(user) -> bool:
    return user.has_perm("evaluations.change_cycle")


# ---- bureau: cycles and rubric ---------------------------------------------------------------------
@access(read=TAKING_PART)
@login_required
def cycle_list(request):
    cycles = selectors.cycles_for(request.user)
    return render(
        request,
        "evaluations/cycle_list.html",
        {"page": _page(request, cycles), "is_bureau": _is_bureau(request.user)},
    )


@access(read=BUREAU, write=BUREAU)
@login_required
def cycle_create(request):
    if not _is_bureau(request.user):
        raise Http404
    form = CycleForm(request.POST or None, initial=_create_initial())
    if request.method == "POST" and form.is_valid():
        try:
            cycle, first = create_once(
                key=form.idempotency_key,
                actor=request.user,
                create=lambda: services.cycle_create(
                    year=form.cleaned_data["year"], actor=request.user, **form.service_fields()
                ),
            )
        except ApplicationError as exc:
            _fail(request, exc, form)
        else:
            if first:
                messages.success(request, f"已建立 {cycle.year} 年度考评，并载入所选评分表。")
            else:
                messages.info(request, REPEATED_MESSAGE)
            if cycle is None:
                return redirect("evaluations:cycle_list")
            return redirect("evaluations:cycle_detail", cycle.pk)
    return render(request, "evaluations/cycle_form.html", {"form": form, "cycle": None})


def _create_initial():
    year = timezone.localdate().year
    return {"year": year, **services.default_deadlines(year)}


@access(read=TAKING_PART)
@login_required
def cycle_detail(request, pk):
    cycle = _cycle(request, pk)
    context = {
        "cycle": cycle,
        "rubric": selectors.rubric_tree(cycle),
        "is_bureau": _is_bureau(request.user),
        "counts": selectors.board_counts(cycle),
        "other_cycles": Cycle.objects.exclude(pk=cycle.pk),
        "history": entries_for(cycle)[:30],
        "draw": Draw.objects.filter(cycle=cycle).first(),
        "moves": workflow.allowed_moves(cycle, request.user),
    }
    context["rubric_total"] = sum(c["total"] for c in context["rubric"])
    return render(request, "evaluations/cycle_detail.html", context)


@access(read=BUREAU, write=BUREAU)
@login_required
def cycle_edit(request, pk):
    cycle = _cycle(request, pk, "change")
    form = CycleForm(request.POST or None, cycle=cycle)
    if request.method == "POST" and form.is_valid():
        try:
            services.cycle_update(
                cycle=cycle, actor=request.user, version=form.read_version, **form.service_fields()
            )
        except ApplicationError as exc:
            _fail(request, exc, form)
        else:
            messages.success(request, "考评设置已保存。")
            return redirect("evaluations:cycle_detail", cycle.pk)
    return render(request, "evaluations/cycle_form.html", {"form": form, "cycle": cycle})


@access(write=BUREAU)
@login_required
@require_POST
def rubric_copy(request, pk):
    cycle = _cycle(request, pk, "change")
    source = get_object_or_404(
        Cycle, pk=int_param(request.POST, "source", label="来源年度的评分表", required=True)
    )
    try:
        services.rubric_copy(cycle=cycle, source=source, actor=request.user)
        messages.success(request, f"已复制 {source.year} 年度的评分表。")
    except ApplicationError as exc:
        _fail(request, exc)
    return redirect("evaluations:cycle_detail", cycle.pk)


@access(read=BUREAU, write=BUREAU)
@login_required
def indicator_edit(request, pk, indicator_pk=None):
    cycle = _cycle(request, pk, "change")
    indicator = get_object_or_404(Indicator, cycle=cycle, pk=indicator_pk) if indicator_pk else None
    initial = {}
    if indicator:
        initial = {
            f: getattr(indicator, f)
            for f in IndicatorForm.base_fields
            if f != "category" and not f.startswith("formula_")
        }
        initial.update(IndicatorForm.formula_initial(indicator.formula))
        initial["category"] = indicator.category_id
    form = IndicatorForm(
        request.POST or None, cycle=cycle, initial=initial, version=indicator.version if indicator else None
    )
    if request.method == "POST" and form.is_valid():
        try:
            if form.creating:
                _saved, first = create_once(
                    key=form.idempotency_key,
                    actor=request.user,
                    create=lambda: services.indicator_save(
                        cycle=cycle, actor=request.user, **form.service_fields()
                    ),
                )
            else:
                services.indicator_save(
                    cycle=cycle,
                    actor=request.user,
                    indicator=indicator,
                    version=form.read_version,
                    **form.service_fields(),
                )
                first = True
        except ApplicationError as exc:
            _fail(request, exc, form)
        else:
            if first:
                messages.success(request, "指标已保存。")
            else:
                messages.info(request, REPEATED_MESSAGE)
            return redirect("evaluations:cycle_detail", cycle.pk)
    return render(
        request, "evaluations/indicator_form.html", {"form": form, "cycle": cycle, "indicator": indicator}
    )


@access(write=BUREAU)
@login_required
@require_POST
def indicator_delete(request, pk, indicator_pk):
    cycle = _cycle(request, pk, "change")
    indicator = get_object_or_404(Indicator, cycle=cycle, pk=indicator_pk)
    try:
        services.indicator_delete(indicator=indicator, actor=request.user)
        messages.success(request, f"已删除指标 {indicator.code}。")
    except ApplicationError as exc:
        _fail(request, exc)
    return redirect("evaluations:cycle_detail", cycle.pk)


@access(write=BUREAU)
@login_required
@require_POST
def cycle_open(request, pk):
    cycle = _cycle(request, pk, "change")
    try:
        job = services.cycle_open(cycle=cycle, actor=request.user)
    except ApplicationError as exc:
        _fail(request, exc)
        return redirect("evaluations:cycle_detail", cycle.pk)
    messages.success(request, f"{cycle.year} 年度考评已开启，正在生成各中心的年度填报。")
    return redirect("core:job_detail", job.pk)


@access(write=BUREAU)
@login_required
@require_POST
def cycle_advance(request, pk):
    cycle = _cycle(request, pk, "change")
    to_state = request.POST.get("to_state", "")
    try:
        if to_state in (CycleState.PUBLICITY, CycleState.PUBLISHED):
            services.cycle_publish(cycle=cycle, actor=request.user)
        elif to_state == CycleState.FINAL:
            services.cycle_finalize(cycle=cycle, actor=request.user)
        elif to_state == CycleState.SPOT_CHECK:
            return redirect("evaluations:cycle_close_filing", cycle.pk)
        else:
            services.cycle_advance(cycle=cycle, actor=request.user, to_state=to_state)
        cycle.refresh_from_db()
        messages.success(request, f"考评已转为“{cycle.get_state_display()}”。")
    except ApplicationError as exc:
        _fail(request, exc)
    return redirect(safe_next(request, reverse("evaluations:cycle_detail", args=[cycle.pk])))


@access(read=BUREAU, write=BUREAU)
@login_required
def cycle_close_filing(request, pk):
    """The confirmation of 结束填报，进入抽检: the centers that have not submitted, by name, and
    (before the deadline) the reason, typed and recorded."""
    cycle = _cycle(request, pk, "change")
    reason = request.POST.get("reason", "") if request.method == "POST" else ""
    source_form = SeedSourceForm(request.POST or None)
    if request.method == "POST" and source_form.is_valid():
        try:
            services.cycle_close_filing(
                cycle=cycle, actor=request.user, reason=reason, **source_form.commit_fields()
            )
        except ApplicationError as exc:
            _fail(request, exc, source_form)
        else:
            messages.success(request, "已结束填报，考评进入抽检阶段。")
            return redirect("evaluations:cycle_detail", cycle.pk)
    move = next(
        (m for m in workflow.allowed_moves(cycle, request.user) if m.target == CycleState.SPOT_CHECK), None
    )
    return render(
        request,
        "evaluations/close_filing.html",
        {
            "cycle": cycle,
            "move": move,
            "unsubmitted": services.unsubmitted_filings(cycle),
            "needs_reason": move is not None and workflow.needs_reason(move, cycle),
            "reason": reason,
            "source_form": source_form,
        },
    )


@access(read=BUREAU)
@login_required
def cycle_board(request, pk):
    cycle = _cycle(request, pk, "change")
    state = request.GET.get("state", "")
    search = request.GET.get("q", "").strip()
    filings = selectors.board_filings(cycle, state=state, search=search)
    # A page of filings from the database, never every filing of the cycle.
    page = _page(request, filings, 50)
    page.object_list = selectors.board_rows(page.object_list)
    return render(
        request,
        "evaluations/cycle_board.html",
        {
            "cycle": cycle,
            "page": page,
            "counts": selectors.board_counts(cycle),
            "states": FilingState.choices,
            "state": state,
            "q": search,
            "late_count": filings.filter(late=True).count(),
            # 受理所选 (evaluations.views_batch) while filings are still being accepted
            "batch": cycle.state in (CycleState.OPEN, CycleState.SPOT_CHECK),
        },
    )


# ---- bureau: draw, assignment, results ------------------------------------------------------------
@access(read=BUREAU, write=BUREAU)
@login_required
def cycle_draw(request, pk):
    cycle = _cycle(request, pk, "change")
    draw = Draw.objects.filter(cycle=cycle).first()
    population = draw.population if draw else services.draw_population(cycle)
    if request.method == "POST" and request.POST.get("action") == "commit":
        source_form = SeedSourceForm(request.POST)
        if source_form.is_valid():
            try:
                services.draw_commit(cycle=cycle, actor=request.user, **source_form.commit_fields())
            except ApplicationError as exc:
                _fail(request, exc, source_form)
            else:
                messages.success(request, "已公布抽样种子的承诺值（SHA-256）。")
                return redirect("evaluations:cycle_draw", cycle.pk)
        return _draw_page(
            request, cycle, draw, DrawForm(population=population), population, source_form=source_form
        )
    form = DrawForm(request.POST or None, population=population)
    if request.method == "POST" and form.is_valid():
        # A posted seed goes to the service, which refuses it in Chinese (the seed is never typed).
        typed = {"seed": request.POST["seed"]} if "seed" in request.POST else {}
        try:
            draw = services.draw_create(
                cycle=cycle,
                actor=request.user,
                must_include=form.cleaned_data["must_include"],
                excluded=form.excluded(population),
                source_value=form.cleaned_data["source_value"],
                **typed,
            )
        except ApplicationError as exc:
            _fail(request, exc, form)
        else:
            messages.success(request, f"抽样完成：抽中 {len(draw.result)} 个中心。")
            return redirect("evaluations:cycle_draw", cycle.pk)
    return _draw_page(request, cycle, draw, form, population)


@access(write=BUREAU)
@login_required
@require_POST
def cycle_draw_verify(request, pk):
    """Re-run the recorded draw from its stored inputs; a POST, because it is recorded (no GET writes)."""
    cycle = _cycle(request, pk, "change")
    draw = get_object_or_404(Draw, cycle=cycle)
    rerun, matches = services.draw_verify(draw)
    names = {c["id"]: c["name"] for c in draw.population}
    log_action("evaluations.draw.verified", actor=request.user, obj=cycle, data={"matches": matches})
    seed_ok = services.commitment_holds(draw)
    verification = {"names": [names[c] for c in rerun], "matches": matches, "seed_ok": seed_ok}
    return _draw_page(
        request, cycle, draw, DrawForm(population=draw.population), draw.population, verification
    )


def _draw_page(request, cycle, draw, form, population, verification=None, source_form=None):
    k = services.draw_algorithm.sample_size(cycle.sample_numerator, cycle.sample_denominator, len(population))
    return render(
        request,
        "evaluations/draw.html",
        {
            "cycle": cycle,
            "draw": draw,
            "form": form,
            "population": population,
            "k": k,
            "verification": verification,
            "commitment": SeedCommitment.objects.filter(cycle=cycle).first(),
            "source_form": source_form or SeedSourceForm(),
            "algorithm_label": services.draw_algorithm.ALGORITHM_LABELS.get(draw.algorithm, "")
            if draw
            else "",
        },
    )


@access(read=BUREAU, write=BUREAU)
@login_required
def cycle_assignments(request, pk):
    cycle = _cycle(request, pk, "change")
    draw = Draw.objects.filter(cycle=cycle).first()
    if request.method == "POST":
        form = AssignmentForm(request.POST)
        if form.is_valid():
            try:
                services.assignment_set(
                    cycle=cycle,
                    center_id=form.cleaned_data["center"],
                    auditor=form.cleaned_data["auditor"],
                    actor=request.user,
                    version=request.POST.get("version", ""),
                )
                messages.success(request, "已分配评估人员。")
            except ApplicationError as exc:
                _fail(request, exc)
        else:
            messages.error(request, "请选择抽检评估人员。")
        return redirect("evaluations:cycle_assignments", cycle.pk)
    assigned = {
        a.filing.center_id: a
        for a in Assignment.objects.filter(cycle=cycle)
        .select_related("auditor", "filing")
        .defer("filing__snapshot")
    }
    rows = [{"center": c, "assignment": assigned.get(c["id"])} for c in (draw.result if draw else [])]
    return render(
        request,
        "evaluations/assignments.html",
        {"cycle": cycle, "draw": draw, "rows": rows, "auditors": list(auditors())},
    )


@access(read=TAKING_PART)
@login_required
def cycle_results(request, pk):
    cycle = _cycle(request, pk)
    bureau = _is_bureau(request.user)
    result_sets = ResultSet.objects.filter(cycle=cycle).order_by("-revision")
    if not bureau:
        result_sets = result_sets.filter(is_published=True)
    chosen = None
    revision = int_param(request.GET, "revision", label="结果版本")
    if revision is not None:
        chosen = get_object_or_404(result_sets, revision=revision)
    chosen = chosen or selectors.current_result_set(cycle, published_only=not bureau)
    context = {"page": None, "grades": {}, "findings": [], "has_last_year": False}
    if chosen:
        # A page of results from the database; the grades, the findings and "last year" are of every
        # row, counted there (the export has every row).
        results = selectors.results_queryset(chosen, user=request.user)
        page = _page(request, results, 50)
        page.object_list = selectors.cycle_results(cycle, chosen, results=page.object_list)
        context = {"page": page, **selectors.results_summary(cycle, results)}
    return render(
        request,
        "evaluations/results.html",
        {
            "cycle": cycle,
            "result_set": chosen,
            "result_sets": list(result_sets),
            "is_bureau": bureau,
            **context,
            "correction_form": CorrectionForm(),
        },
    )


@access(write=BUREAU)
@login_required
@require_POST
def results_compute(request, pk):
    cycle = _cycle(request, pk, "change")
    try:
        job = services.results_request(cycle=cycle, actor=request.user)
    except ApplicationError as exc:
        _fail(request, exc)
        return redirect("evaluations:cycle_results", cycle.pk)
    return redirect("core:job_detail", job.pk)


@access(write=BUREAU)
@login_required
@require_POST
def results_correct(request, pk):
    cycle = _cycle(request, pk, "change")
    form = CorrectionForm(request.POST)
    try:
        job = services.result_correction_request(
            cycle=cycle, actor=request.user, reason=form.data.get("reason", "")
        )
    except ApplicationError as exc:
        _fail(request, exc)
        return redirect("evaluations:cycle_results", cycle.pk)
    return redirect("core:job_detail", job.pk)


@access(read=TAKING_PART)
@login_required
def results_export(request, pk):
    from core.spreadsheets import XLSX, attachment, workbook_bytes

    cycle = _cycle(request, pk)
    bureau = _is_bureau(request.user)
    result_set = selectors.current_result_set(cycle, published_only=not bureau)
    if result_set is None:
        raise Http404
    rows = selectors.cycle_results(cycle, result_set, user=request.user)
    header = [
        "排名",
        "服务中心",
        "街镇",
        "自评分",
        "是否抽检",
        "抽检分",
        "最终得分",
        "分差",
        "发现问题",
        "等次",
        f"计入绩效考核分（W={cycle.performance_weight}）",
    ]
    body = [
        [
            r["rank"],
            r["center"].name,
            str(r["street_town"] or ""),
            float(r["self_score"]) if r["submitted"] else UNSUBMITTED_LABEL,
            "是" if r["sampled"] else "否",
            float(r["spot_score"]) if r["spot_score"] is not None else None,
            float(r["final_score"]) if r["submitted"] else UNSUBMITTED_LABEL,
            float(r["gap"]) if r["gap"] is not None else None,
            "；".join(x for x in (r["finding"], r["veto"], "" if r["submitted"] else r["explanation"]) if x),
            r["grade"],
            float(r["contribution"]) if r["submitted"] else UNSUBMITTED_LABEL,
        ]
        for r in rows
    ]
    # The one spreadsheet writer: texts that start like a formula are escaped there.
    content = workbook_bytes([(f"{cycle.year}年度考评结果", [header, *body])])
    log_action(
        "evaluations.results.exported", actor=request.user, obj=cycle, data={"revision": result_set.revision}
    )
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = attachment(
        f"{cycle.year}年度考评结果（第{result_set.revision}版）.xlsx"
    )
    return response


# ---- the filing ------------------------------------------------------------------------------------
@access(read=CENTER_EDITORS)
@login_required
def my_filings(request):
    return render(
        request, "evaluations/my_filings.html", {"page": _page(request, selectors.my_filings(request.user))}
    )


@access(read=FILING_READERS)
@login_required
def filing_detail(request, pk):
    filing = _filing(request, pk)
    detail = selectors.filing_detail(filing)
    user = request.user
    may_change = can(user, "change", filing)
    may_audit = can(user, "audit", filing)
    is_bureau = _is_bureau(user)
    editable = may_change and filing.state in EDITABLE_FILING_STATES and filing.cycle.state == CycleState.OPEN
    moves = workflow.allowed_moves(filing, user)
    indicators = [row["indicator"] for row in detail["indicators"]]
    missing = services.filing_missing_items(
        filing,
        indicators=indicators,
        self_scores=[r["self"] for r in detail["indicators"] if r["self"]],
        evidence=[e for r in detail["indicators"] for e in r["evidence"]],
        figures=detail["effective_figures"],
    )
    context = {
        **detail,
        "may_change": may_change,
        "editable": editable,
        "closed": services.filing_is_closed(filing),
        "missing": missing,
        "may_review": filing.state == FilingState.SUBMITTED and can(user, "review", filing),
        "may_submit": editable and any(m.target == FilingState.SUBMITTED for m in moves),
        "moves": moves,
        "is_bureau": is_bureau,
        "may_audit": may_audit,
        # the registers behind the figures are the center's (CENTER_READERS); an auditor checks the rows
        # frozen with the filing (the filing sheet's annex) instead of following a link to a 404
        "may_open_registers": CENTER_READERS.admits_role(user),
        "return_form": ReturnForm(),
        "reopen_form": ReopenForm(),
        "upload_form": UploadForm(),
        "history": entries_for(filing)[:50] if (may_change or is_bureau) else [],
        "show_audit": is_bureau or may_audit or filing.cycle.state in RESULTS_OUT_STATES,
        # Earlier years' rectification items still open: the center's next filing shows them.
        "rectifications": [
            r
            for r in selectors.rectifications_for(user, state="open").filter(center=filing.center_id)
            if r.cycle.year < filing.cycle.year
        ],
    }
    return render(request, "evaluations/filing_detail.html", context)


@access(read=CENTER_EDITORS, write=CENTER_EDITORS)
@login_required
def filing_edit(request, pk):
    filing = _filing(request, pk, "change")
    form = FiguresForm(request.POST or None, request.FILES or None, filing=filing)
    if request.method == "POST" and form.is_valid():
        try:  # figures and work plan together or not at all
            services.filing_save_figures(
                filing=filing,
                actor=request.user,
                version=form.read_version,
                values={name: form.cleaned_data.get(name) for name, _ in FILING_FIGURES},
                figure_notes={name: form.cleaned_data.get(f"note_{name}") for name, _ in FILING_FIGURES},
                notes=form.cleaned_data.get("notes", ""),
                work_plan=request.FILES.get("work_plan"),
            )
        except ApplicationError as exc:
            _fail(request, exc, form)
        else:
            messages.success(request, "填报数据已保存。")
            return redirect("evaluations:filing_detail", filing.pk)
    reasons = selectors.filing_detail(filing)
    rows = [
        {"figure": figure, "field": form[figure["name"]], "note": form[f"note_{figure['name']}"]}
        for figure in reasons["figures"]
    ]
    return render(
        request,
        "evaluations/filing_edit.html",
        {"filing": filing, "form": form, "detail": reasons, "rows": rows},
    )


@access(read=CENTER_EDITORS, write=CENTER_OWN)
@login_required
def self_assessment(request, pk):
    filing = _filing(request, pk, "change")
    detail = selectors.filing_detail(filing)
    errors = {}
    if request.method == "POST":
        entries = _self_entries(request, detail)
        try:
            services.self_scores_save(
                filing=filing,
                actor=request.user,
                entries=entries,
                versions=_posted_versions(request, entries),
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            errors = exc.fields
        else:
            messages.success(request, "自评分已保存。")
            return redirect("evaluations:self_assessment", filing.pk)
    return _self_assessment_page(request, filing, detail, errors, keep_typed=bool(errors))


def _self_entries(request, detail) -> dict:
    """indicator id → (typed score — "不适用" when that box is ticked —, typed comment)."""
    entries = {}
    for row in detail["indicators"]:
        indicator = row["indicator"]
        if indicator.is_computed:
            continue
        raw = request.POST.get(f"score_{indicator.pk}", "")
        if request.POST.get(f"na_{indicator.pk}"):
            raw = services.NOT_APPLICABLE_INPUT
        entries[indicator.pk] = (raw, request.POST.get(f"comment_{indicator.pk}", ""))
    return entries


def _self_assessment_page(request, filing, detail, errors, *, keep_typed: bool):
    """The self-assessment, one form: after a refused save or an evidence upload every typed score,
    comment and 不适用 box is shown as typed (nothing is lost), with the errors beside their rows."""
    preview = {}
    if filing.state in EDITABLE_FILING_STATES:
        snapshot = services.take_snapshot(filing)
        preview = services.computed_scores(filing, [r["indicator"] for r in detail["indicators"]], snapshot)
    typed = keep_typed and request.method == "POST"
    for row in detail["indicators"]:
        pk = row["indicator"].pk
        row["error"] = errors.get(f"score_{pk}")
        row["typed"] = typed and f"score_{pk}" in request.POST
        row["posted_score"] = request.POST.get(f"score_{pk}") if row["typed"] else None
        row["posted_comment"] = request.POST.get(f"comment_{pk}") if row["typed"] else None
        row["posted_na"] = bool(request.POST.get(f"na_{pk}")) if row["typed"] else None
        row["version"] = _shown_version(request, row, row["self"], errors or typed)
        row["preview"] = preview.get(pk)
    is_own = workflow.CENTER.check(request.user, filing)
    may_enter = is_own and filing.state in EDITABLE_FILING_STATES and filing.cycle.state == CycleState.OPEN
    return render(
        request,
        "evaluations/self_assessment.html",
        {
            **detail,
            "upload_form": UploadForm(),
            "upload_key": uuid.uuid4(),
            "may_enter": may_enter,
            "is_own": is_own,
        },
    )


@access(write=CENTER_EDITORS)
@login_required
@require_POST
def evidence_upload(request, pk):
    """Upload one indicator's evidence from the self-assessment form; the page comes back with what
    was typed in the form kept (scores are saved only by 保存自评分)."""
    filing = _filing(request, pk, "change")
    indicator = get_object_or_404(
        Indicator, cycle=filing.cycle, pk=int_param(request.POST, "indicator", label="指标", required=True)
    )
    upload = request.FILES.get(f"file_{indicator.pk}") or request.FILES.get("file")
    if upload is None:
        messages.error(request, f"请选择 {indicator.code} 要上传的文件。")
    else:
        try:
            _evidence, first = create_once(
                key=request.POST.get("idempotency_key"),
                actor=request.user,
                create=lambda: services.evidence_upload(
                    filing=filing, indicator=indicator, actor=request.user, upload=upload
                ),
            )
        except ApplicationError as exc:
            _fail(request, exc)
        else:
            if first:
                messages.success(request, f"已上传 {indicator.code} 的佐证材料。")
            else:
                messages.info(request, REPEATED_MESSAGE)
    if not any(key.startswith("score_") or key.startswith("comment_") for key in request.POST):
        return redirect(
            reverse("evaluations:self_assessment", args=[filing.pk]) + f"#indicator-{indicator.code}"
        )
    filing.refresh_from_db()
    return _self_assessment_page(request, filing, selectors.filing_detail(filing), {}, keep_typed=True)


@access(write=CENTER_EDITORS)
@login_required
@require_POST
def evidence_delete(request, pk):
    evidence = get_object_or_404(
        restrict(Evidence.objects.select_related("filing__cycle", "indicator"), request.user, "change"), pk=pk
    )
    try:
        services.evidence_delete(evidence=evidence, actor=request.user)
        messages.success(request, "佐证材料已删除。")
    except ApplicationError as exc:
        _fail(request, exc)
    return redirect("evaluations:self_assessment", evidence.filing_id)


@access(read=FILING_READERS)
@login_required
def evidence_download(request, pk):
    evidence = get_object_or_404(restrict(Evidence.objects.all(), request.user), pk=pk)
    log_action(
        "evaluations.evidence.downloaded",
        actor=request.user,
        obj=evidence.filing,
        data={"evidence": evidence.pk},
    )
    return FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )


@access(read=FILING_READERS)
@login_required
def work_plan_download(request, pk):
    filing = _filing(request, pk)
    if not filing.work_plan:
        raise Http404
    log_action("evaluations.filing.work_plan_downloaded", actor=request.user, obj=filing)
    return FileResponse(
        filing.work_plan.open("rb"), as_attachment=True, filename=filing.work_plan_name or "work-plan"
    )


def _filing_action(request, pk, action, call, success):
    filing = _filing(request, pk, action)
    try:
        call(filing)
        messages.success(request, success)
    except ApplicationError as exc:
        _fail(request, exc)
    return redirect(safe_next(request, reverse("evaluations:filing_detail", args=[filing.pk])))


@access(write=CENTER_OWN)
@login_required
@require_POST
def filing_submit(request, pk):
    return _filing_action(
        request,
        pk,
        "change",
        lambda f: services.filing_submit(filing=f, actor=request.user),
        "年度填报已提交，等待业务主管单位初审。",
    )


def _confirmed_move(request, filing, *, target, service, success, note):
    """初审通过 / 受理: a page that asks for confirmation and takes an optional comment (works
    without JavaScript); the POST makes the move through the service, the comment recorded with
    it and sent to the center with its notice."""
    move = next((m for m in workflow.allowed_moves(filing, request.user) if m.target == target), None)
    comment, errors = "", {}
    if request.method == "POST":
        comment = request.POST.get("comment", "")
        try:
            service(filing=filing, actor=request.user, comment=comment)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            errors = exc.fields
        else:
            messages.success(request, success)
            return redirect(safe_next(request, reverse("evaluations:filing_detail", args=[filing.pk])))
    return render(
        request,
        "evaluations/filing_confirm.html",
        {
            "filing": filing,
            "move": move,
            "target_label": workflow.state_label(filing, target),
            "note": note,
            "comment": comment,
            "comment_errors": errors.get("comment", []),
            "comment_max": services.COMMENT_MAX_LENGTH,
        },
    )


@access(read=REVIEWERS, write=REVIEWERS)
@login_required
@require_http_methods(["GET", "POST"])
def filing_review(request, pk):
    return _confirmed_move(
        request,
        _filing(request, pk, "review"),
        target=FilingState.REVIEWED,
        service=services.filing_review,
        success="初审通过，已报区民政局受理。",
        note="初审通过后，填报报区民政局受理；服务中心会收到通知（含您填写的意见）。",
    )


@access(read=BUREAU, write=BUREAU)
@login_required
@require_http_methods(["GET", "POST"])
def filing_accept(request, pk):
    if not _is_bureau(request.user):
        raise Http404
    return _confirmed_move(
        request,
        _filing(request, pk, "change"),
        target=FilingState.ACCEPTED,
        service=services.filing_accept,
        success="已受理。",
        note="受理后进入抽检与计分；服务中心会收到通知（含您填写的意见）。",
    )


@access(write=REVIEWERS)
@login_required
@require_POST
def filing_return(request, pk):
    stage = ReturnStage.ACCEPTANCE if _is_bureau(request.user) else ReturnStage.REVIEW
    action = "change" if stage == ReturnStage.ACCEPTANCE else "review"
    field_reasons = {
        key.removeprefix("field_reason__"): value
        for key, value in request.POST.items()
        if key.startswith("field_reason__")
    }
    return _filing_action(
        request,
        pk,
        action,
        lambda f: services.filing_return(
            filing=f,
            actor=request.user,
            stage=stage,
            reason=request.POST.get("reason", ""),
            field_reasons=field_reasons,
        ),
        "已退回，并通知服务中心修改。",
    )


@access(write=BUREAU)
@login_required
@require_POST
def filing_reopen(request, pk):
    if not _is_bureau(request.user):
        raise Http404
    form = ReopenForm(request.POST)
    until = form.cleaned_data["until"] if form.is_valid() else None
    return _filing_action(
        request,
        pk,
        "change",
        lambda f: services.filing_reopen(
            filing=f, actor=request.user, until=until, reason=request.POST.get("reason", "")
        ),
        "已为该中心重新开放填报。",
    )


@access(write=BUREAU)
@login_required
@require_POST
def audit_score_correct(request, pk):
    """After publication the bureau corrects one spot-check score (with a reason); a new result
    revision is then issued from the results page."""
    if not _is_bureau(request.user):
        raise Http404
    filing = _filing(request, pk, "change")
    indicator = get_object_or_404(
        Indicator, cycle=filing.cycle, pk=int_param(request.POST, "indicator", label="指标", required=True)
    )
    try:
        services.audit_score_correct(
            filing=filing,
            indicator=indicator,
            actor=request.user,
            score=request.POST.get("score", ""),
            reason=request.POST.get("reason", ""),
            version=request.POST.get(f"version_{indicator.pk}"),
        )
        messages.success(request, f"已更正 {indicator.code} 的抽检分；请在结果页发布更正版本。")
    except ApplicationError as exc:
        _fail(request, exc)
    return redirect("evaluations:filing_detail", filing.pk)


# ---- supervising unit and auditor ------------------------------------------------------------------
@access(read=REVIEWERS)
@login_required
def review_list(request):
    state = request.GET.get("state", FilingState.SUBMITTED)
    filings = selectors.review_list(request.user, state=state if state != "all" else "")
    return render(
        request,
        "evaluations/review_list.html",
        {"page": _page(request, filings), "state": state, "states": FilingState.choices},
    )


@access(read=in_scope(Role.AUDITOR))
@login_required
def my_assignments(request):
    return render(
        request,
        "evaluations/my_assignments.html",
        {"page": _page(request, selectors.my_assignments(request.user))},
    )


@access(read=AUDITORS, write=AUDITORS)
@login_required
def audit_score(request, pk):
    filing = _filing(request, pk, "audit")
    assignment = get_object_or_404(Assignment, filing=filing)
    detail = selectors.filing_detail(filing)
    errors = {}
    if request.method == "POST":
        entries = {
            row["indicator"].pk: {
                "score": (
                    services.NOT_APPLICABLE_INPUT
                    if request.POST.get(f"na_{row['indicator'].pk}")
                    else request.POST.get(f"score_{row['indicator'].pk}", "")
                ),
                "comment": request.POST.get(f"comment_{row['indicator'].pk}", ""),
                "confirmed": request.POST.get(f"confirmed_{row['indicator'].pk}", ""),
            }
            for row in detail["indicators"]
        }
        try:
            services.audit_scores_save(
                filing=filing,
                actor=request.user,
                entries=entries,
                versions=_posted_versions(request, entries),
            )
            if request.POST.get("submit"):
                services.assignment_submit(filing=filing, actor=request.user)
                messages.success(request, "抽检评分已提交并锁定。")
            else:
                messages.success(request, "抽检评分已保存。")
            return redirect("evaluations:audit_score", filing.pk)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            errors = exc.fields
    computed = services.computed_scores(
        filing, [r["indicator"] for r in detail["indicators"]], filing.snapshot or {}
    )
    typed = bool(errors) and request.method == "POST"
    for row in detail["indicators"]:
        pk = row["indicator"].pk
        row["error"] = errors.get(f"score_{pk}")
        row["version"] = _shown_version(request, row, row.get("audit"), errors)
        row["computed"] = computed.get(pk)
        # after a refused save the form shows what was typed, not what is stored
        row["typed"] = typed
        row["posted_score"] = request.POST.get(f"score_{pk}", "") if typed else None
        row["posted_comment"] = request.POST.get(f"comment_{pk}", "") if typed else None
        row["posted_confirmed"] = request.POST.get(f"confirmed_{pk}", "") if typed else None
        row["posted_na"] = bool(request.POST.get(f"na_{pk}")) if typed else None
    return render(request, "evaluations/audit_score.html", {**detail, "assignment": assignment})


@access(read=SIGNED_IN, write=SIGNED_IN)
@login_required
def notifications(request):
    from .models import Notification

    if request.method == "POST":
        services.notification_mark_read(user=request.user)
        return redirect("evaluations:notifications")
    items = Notification.objects.filter(recipient=request.user).order_by("-created_at")
    undelivered = None
    if _is_bureau(request.user):
        from .services.notifications import undelivered_notifications

        undelivered = undelivered_notifications(request.user).count()
    return render(
        request, "evaluations/notifications.html", {"page": _page(request, items), "undelivered": undelivered}
    )


@access(read=BUREAU, write=BUREAU)
@login_required
def notifications_undelivered(request):
    """The bureau's list of notices whose e-mail could not be sent, with the reason; POST sends them again."""
    from .services.notifications import notifications_resend, undelivered_notifications

    if request.method == "POST":
        job = notifications_resend(actor=request.user)
        if job is None:
            messages.info(request, "没有未送达的通知邮件。")
        else:
            messages.success(request, f"已安排重新发送 {len(job.params['notifications'])} 封通知邮件。")
        return redirect("evaluations:notifications_undelivered")
    items = undelivered_notifications(request.user)
    return render(request, "evaluations/notifications_undelivered.html", {"page": _page(request, items)})
