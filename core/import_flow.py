"""The one import flow of the portal (issue 16 §7, issue 14 §5), shared by the organisation, talent-pool
and account imports:

1. upload → ``import_page``: the file is stored (``core.spreadsheets.store_upload``) and only its first
   ``PREVIEW_ROWS`` rows are read and checked (a stream that stops there), shown with their errors;
2. 确认导入 → ``import_commit`` → ``import_start``: the per-person limit (``core.throttle``, a 429 page
   naming when to retry), then a job row and its outbox message (``core.jobs``) in one transaction;
3. on the worker → ``import_work``: the stored sheet is streamed (python-calamine), every row
   checked, written in bulk, all or nothing; rows done and rows per second on the job page; a wrong
   sheet fails the job and its rows are listed there (row, column, value, fix — in Chinese).

An import declares an ``ImportFlow``: its job kind, its words, its task, and two functions —
``preview(name, path, params)`` → ``Preview`` and ``run(job, name, path, progress)`` → ``Outcome``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field

from django.contrib import messages
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render

from . import spreadsheets
from .errors import ApplicationError
from .spreadsheets import RowError

PREVIEW_ROWS = 20
# Sheet rows a preview reads (``spreadsheets.iter_table(head=…)``): the header and the first
# ``PREVIEW_ROWS`` filled rows with blank ones between them; the rest of the file is not read.
PREVIEW_SHEET_ROWS = 200
REPORTED_ROW_ERRORS = 200  # listed on the job page and in its log; the count names the rest
MAX_CHECKED_ERRORS = 1000  # a sheet wrong throughout stops being checked after this many errors


@dataclass
class Preview:
    header: list[str]
    rows: list[list] = field(default_factory=list)  # [sheet row number, *cells as text]
    errors: list[RowError] = field(default_factory=list)
    total_hint: int | None = None


@dataclass
class Outcome:
    """What the job reports: rows read, errors (then nothing was written), a Chinese summary line for
    the log and the figures kept on the job (``result``)."""

    total: int = 0
    errors: list[RowError] = field(default_factory=list)
    summary: str = ""
    result: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ImportFlow:
    kind: str  # the job kind, e.g. "staffing.talent_import"
    what: str  # "导入人才库": the job's label, the limit's message
    task: str  # dotted name of the Celery task that calls ``import_work``
    session_key: str
    preview: Callable[[str, str, dict], Preview]
    run: Callable[..., Outcome]  # (job, name, local path, progress(rows_done)) → Outcome
    queued_action: str  # the audit entry written when the job is queued
    authorize: Callable[..., None]  # (actor, params): raises Http404 for anyone who may not
    done_url: str = ""  # URL name shown on the job page once it succeeded …
    done_label: str = ""  # … with this text
    done_method: str = "get"  # "post": a button (a step that writes, such as issuing passwords)
    per_10_minutes: int = 10


# ---- reading: what every importer's preview and job share --------------------------------------------
def first_rows(rows: Iterator[dict], check: Callable[[dict], object], fields: Iterable[str]) -> list[list]:
    """The first ``PREVIEW_ROWS`` rows of a stream (``spreadsheets.iter_rows_by_header``), each checked
    by ``check`` (which records its errors), as [row number, *cells as text]; the stream is closed."""
    fields = list(fields)
    shown = []
    try:
        for row in rows:
            check(row)
            shown.append([row["_row"], *(spreadsheets.cell_text(row.get(f)) for f in fields)])
            if len(shown) >= PREVIEW_ROWS:
                break
    finally:
        close = getattr(rows, "close", None)
        if close:
            close()
    return shown


# ---- starting: the per-person limit and the job -----------------------------------------------------
def import_start(flow: ImportFlow, *, actor, path: str, name: str, params: dict | None = None):
    """Queue the import of the stored upload ``path`` as a job — after the flow's own permission check
    and at most ``flow.per_10_minutes`` per person (``core.throttle``: refused with code
    ``throttled``, nothing written)."""
    from .audit import log_action
    from .jobs import job_create, job_enqueue
    from .throttle import require_job_quota

    params = dict(params or {})
    if actor is None or not actor.is_authenticated:
        raise Http404
    flow.authorize(actor, params)
    require_job_quota(actor, kind=flow.kind, limit=flow.per_10_minutes, minutes=10, what=flow.what)
    with transaction.atomic():
        job = job_create(
            kind=flow.kind,
            label=f"{flow.what}：{name}",
            requester=actor,
            params={**params, "path": path, "name": name, "import": True},
        )
        job_enqueue(job, flow.task)
        log_action(flow.queued_action, actor=actor, obj=job, data={"file": name})
    return job


# ---- on the worker ---------------------------------------------------------------------------------
def import_work(flow: ImportFlow, job, ctx) -> dict:
    """The job's frame: the stored sheet read by ``flow.run`` with the progress bar; a wrong sheet fails
    the job (Chinese reason), its first ``REPORTED_ROW_ERRORS`` row errors kept on the job for its page
    and log. The upload is removed once the import has an answer (not on a database outage: the task
    is retried and reads it again)."""
    from .models import Job

    path, name = job.params["path"], job.params["name"]
    if not default_storage.exists(path):
        raise ApplicationError("上传的文件已不存在（可能已过期被清理），请重新上传。")
    local = spreadsheets.stored_path(path)
    total = spreadsheets.row_count_hint(name, local)
    try:
        outcome = flow.run(job, name, local, lambda done: ctx.rows(done, total))
    except ApplicationError:
        default_storage.delete(path)
        raise
    default_storage.delete(path)
    figures = (Job.objects.filter(pk=job.pk).values_list("result", flat=True).first() or {}).get(
        "progress_rows"
    ) or {}
    rows = {
        "rows_done": outcome.total,
        "rows_total": outcome.total,
        "rows_per_second": figures.get("rows_per_second", 0),
    }
    if outcome.errors:
        shown = outcome.errors[:REPORTED_ROW_ERRORS]
        more = len(outcome.errors) - len(shown)
        ctx.log("\n".join(str(e) for e in shown) + (f"\n……另有 {more} 处错误未列出" if more else ""))
        Job.objects.filter(pk=job.pk).update(
            result={
                "row_errors": [asdict(e) for e in shown],
                "row_error_count": len(outcome.errors),
                "progress_rows": {**rows, "rows_total": total},
            }
        )
        raise ApplicationError(
            f"文件有 {len(outcome.errors)} 处错误，未导入任何数据（首个错误：{outcome.errors[0]}）。"
            "请修改后重新上传。"
        )
    if outcome.summary:
        ctx.log(outcome.summary)
    out = {**outcome.result, "progress_rows": rows}
    if flow.done_url:
        out["done"] = {"url": flow.done_url, "label": flow.done_label, "method": flow.done_method}
    return out


def job_import_context(job) -> dict:
    """What the job page adds for an import: the rows in error of a failed one, the next step of a
    succeeded one (a link, or a button for a POST step such as showing one-time passwords)."""
    from django.urls import NoReverseMatch, reverse

    params = job.params if isinstance(job.params, dict) else {}
    if not params.get("import"):  # other jobs keep other things under these keys (a render's "done": 7)
        return {"is_import": False, "row_errors": [], "row_error_count": 0, "done": None}
    result = job.result if isinstance(job.result, dict) else {}
    errors = [RowError(**e) for e in result.get("row_errors") or []]
    done = result.get("done") if job.status == "succeeded" else None
    if isinstance(done, dict):
        try:
            done = {**done, "href": reverse(done["url"])}
        except (KeyError, NoReverseMatch):
            done = None
    else:
        done = None
    return {
        "is_import": True,
        "row_errors": errors,
        "row_error_count": result.get("row_error_count", len(errors)),
        "done": done,
    }


# ---- the pages --------------------------------------------------------------------------------------
def _apply_error(form, exc: ApplicationError) -> None:
    form.add_error(None, exc.message)
    for name, errors in exc.fields.items():
        target = name if name in form.fields else None
        for error in errors:
            if target is None and error == exc.message:
                continue
            form.add_error(target, error)


def import_page(request, flow: ImportFlow, *, form_class, context: dict, params: dict | None = None):
    """The upload and preview page (``core/import.html``): 400 when the file or its first rows are
    wrong (the errors are listed and 确认导入 is not offered)."""
    params = dict(params or {})
    form = form_class(request.POST or None, request.FILES or None)
    context = {**context, "form": form}
    status = 200
    if request.method == "POST":
        flow.authorize(request.user, params)
        if not form.is_valid():
            status = 400
        else:
            upload = form.cleaned_data["file"]
            try:
                stored, name = spreadsheets.store_upload(upload)
                try:
                    preview = flow.preview(name, spreadsheets.stored_path(stored), params)
                except ApplicationError:
                    default_storage.delete(stored)
                    raise
            except ApplicationError as exc:
                _apply_error(form, exc)
                status = 400
            else:
                previous = request.session.get(flow.session_key)
                if previous and previous.get("path") != stored:
                    default_storage.delete(previous["path"])  # one pending upload per import
                if preview.errors:
                    default_storage.delete(stored)
                    request.session.pop(flow.session_key, None)
                    status = 400
                else:
                    request.session[flow.session_key] = {"path": stored, "name": name, "params": params}
                context.update({"preview": preview, "file_name": name})
    return render(request, "core/import.html", context, status=status)


def import_commit(request, flow: ImportFlow, *, page_url: str, context: dict, form_class, params=None):
    """确认导入: the previewed upload queued as a job (→ the job page). Refused by the limit: the import
    page again with status 429, ``Retry-After`` and the time to retry; the upload is not kept."""
    params = dict(params or {})
    flow.authorize(request.user, params)
    pending = request.session.pop(flow.session_key, None)
    if not pending or pending.get("params", {}) != params or not default_storage.exists(pending["path"]):
        messages.error(request, "没有待导入的文件或预览已过期，请重新上传。")
        return redirect(page_url)
    try:
        job = import_start(
            flow, actor=request.user, path=pending["path"], name=pending["name"], params=params
        )
    except ApplicationError as exc:
        default_storage.delete(pending["path"])
        if exc.code != "throttled":
            messages.error(request, exc.message)
            return redirect(page_url)
        response = render(
            request,
            "core/import.html",
            {**context, "form": form_class(), "refusal": exc.message},
            status=429,
        )
        response["Retry-After"] = str(getattr(exc, "retry_after", 60))
        return response
    messages.success(request, "已开始导入：后台逐行校验并写入，有任何错误时不导入任何数据。")
    return redirect("core:job_detail", pk=job.pk)
