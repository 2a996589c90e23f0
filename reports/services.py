"""Rendering, storing and serving the evaluation reports.

``document_render(spec)`` is the one place a report PDF comes into being: it fingerprints the report's
input data, returns the current revision untouched when that did not change (a re-run never
duplicates), and otherwise renders a new revision — with its verification code and QR code on every
page —, stores it under an unguessable name with its SHA-256, and marks the previous revision
superseded. ``cycle_reports_request`` fans a cycle's reports out as one Celery task each, with the
progress on one ``core.Job`` row.
"""

from __future__ import annotations

import io
import logging
import uuid
import zipfile
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from core.audit import log_action
from core.choices import JobStatus
from core.errors import ApplicationError
from core.jobs import JobContext, failure_reason, job_create, job_enqueue
from core.models import Job
from core.storage import atomic_with_files, track_new_file

from .integrity import inputs_fingerprint, qr_png_data_uri, sha256_bytes, sha256_file
from .models import (
    RenderStatus,
    ReportDocument,
    ReportRender,
    format_code,
    new_verification_code,
    normalize_code,
)
from .pdf import render_document, render_pdf

logger = logging.getLogger(__name__)

TEST_PDF_KIND = "reports.test_pdf"
CYCLE_REPORTS_KIND = "reports.cycle_reports"


@dataclass
class ReportSpec:
    """What to render: the subject, its template and the data (which is also what is fingerprinted)."""

    kind: str
    subject_key: str
    title: str
    template: str
    context: dict
    center: object | None = None
    links: dict = field(default_factory=dict)  # further FKs of ReportDocument, e.g. {"cycle": cycle}
    extra: dict = field(default_factory=dict)  # drawn from ``context`` (charts): printed, not fingerprinted


def _unused_code() -> str:
    while True:
        code = new_verification_code()
        if not ReportDocument.objects.filter(verification_code=code).exists():
            return code


def document_render(
    spec: ReportSpec, *, job: Job | None = None, reason: str = "", actor=None, force: bool = False
) -> tuple[ReportDocument, bool]:
    """Render ``spec`` unless its current revision was made from the same data (or ``force``: the
    operators' render check, ``manage.py check_report_renders``).

    Returns ``(document, created)``. A new revision supersedes the previous one, which stays stored.
    """
    inputs_sha = inputs_fingerprint({"kind": spec.kind, "title": spec.title, "data": spec.context})
    with atomic_with_files():
        # Lock the subject's revisions so two workers never add the same revision twice.
        revisions = list(
            ReportDocument.objects.select_for_update()
            .filter(subject_key=spec.subject_key)
            .order_by("-revision")
        )
        current = next((d for d in revisions if d.superseded_at is None), None)
        if (
            current is not None
            and current.inputs_sha256 == inputs_sha
            and not force
            and current.file
            and current.file.storage.exists(current.file.name)  # a lost file is made again
        ):
            return current, False
        revision = revisions[0].revision + 1 if revisions else 1
        code = _unused_code()
        generated_at = timezone.now()
        doc = ReportDocument(
            kind=spec.kind,
            subject_key=spec.subject_key,
            revision=revision,
            title=spec.title,
            center=spec.center,
            inputs_sha256=inputs_sha,
            verification_code=code,
            generated_at=generated_at,
            reason=reason[:300],
            job=job,
            **spec.links,
        )
        meta = {
            "code": format_code(code),
            "revision": revision,
            "generated_at": generated_at,
            "verification_url": doc.verification_url,
            "qr": qr_png_data_uri(doc.verification_url),
            "replaces": current.revision if current else None,
            "reason": reason,
            "kind_label": doc.get_kind_display(),
        }
        rendered = render_document(
            spec.template, {**spec.context, **spec.extra, "title": spec.title, "doc": meta}
        )
        pdf = rendered.data
        doc.sha256 = sha256_bytes(pdf)
        doc.size = len(pdf)
        doc.page_count = rendered.pages
        doc.file.save(f"{uuid.uuid4().hex}.pdf", ContentFile(pdf), save=False)
        track_new_file(doc.file.storage, doc.file.name)
        if current is not None:
            current.superseded_at = generated_at
            current.save(update_fields=["superseded_at", "updated_at"])
        doc.save()
        if current is not None:
            current.superseded_by = doc
            current.save(update_fields=["superseded_by", "updated_at"])
        log_action(
            "reports.document.rendered",
            actor=actor,
            obj=doc,
            data={
                "subject": spec.subject_key,
                "revision": revision,
                "sha256": doc.sha256,
                "replaces": current.revision if current else None,
                "reason": reason,
            },
        )
    return doc, True


# ---- reading and verifying ------------------------------------------------------------------------
def document_download_logged(*, document: ReportDocument, user) -> None:
    log_action(
        "reports.document.downloaded",
        actor=user,
        obj=document,
        data={"revision": document.revision, "sha256": document.sha256, "current": document.is_current},
    )


def document_by_code(raw_code: str) -> ReportDocument | None:
    code = normalize_code(raw_code)
    if not code:
        return None
    return (
        ReportDocument.objects.select_related("center", "superseded_by")
        .filter(verification_code=code)
        .first()
    )


MAX_VERIFY_UPLOAD = 50 * 1024 * 1024


def document_by_upload(uploaded) -> ReportDocument | None:
    """The stored report whose SHA-256 equals the uploaded file's, or None (not genuine)."""
    if uploaded.size > MAX_VERIFY_UPLOAD:
        raise ApplicationError(
            "文件过大。", fields={"file": ["请上传本门户生成的 PDF 报告（不超过 50 MB）。"]}
        )
    uploaded.seek(0)
    digest = sha256_file(uploaded)
    return ReportDocument.objects.select_related("center", "superseded_by").filter(sha256=digest).first()


def documents_zip(documents, *, user) -> bytes:
    """One ZIP of ``documents`` (already narrowed by the caller); every file in it counts as downloaded."""
    buffer = io.BytesIO()
    used: set[str] = set()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for document in documents:
            name = document.download_filename
            if not document.is_current:
                name = name.replace(".pdf", "-已被替代.pdf")
            while name in used:
                name = name.replace(".pdf", "-1.pdf")
            used.add(name)
            with document.file.open("rb") as fh:
                archive.writestr(name, fh.read())
    for document in documents:
        document_download_logged(document=document, user=user)
    return buffer.getvalue()


# ---- a cycle's reports, fanned out -----------------------------------------------------------------
def cycle_reports_request(*, cycle, requester=None, reason: str = "", force: bool = False) -> Job:
    """Queue every report of ``cycle`` (summary, each center report, each filing sheet), one task each.

    Called by the evaluations app when a cycle is published or a published result is corrected. Reports
    whose data did not change keep their current revision; the others get a new one.
    """
    from .tasks import render_report

    job, renders = _cycle_job_create(cycle=cycle, requester=requester, reason=reason, force=force)
    for render in renders:
        job_enqueue(job, render_report, render.pk)
    return job


def cycle_reports_render_now(*, cycle, requester=None, reason: str = "") -> Job:
    """The same as ``cycle_reports_request`` but rendered in this process (demo data, scripts)."""
    job, renders = _cycle_job_create(cycle=cycle, requester=requester, reason=reason)
    for render in renders:
        report_render_run(str(job.pk), render.pk)
    job.refresh_from_db()
    return job


@transaction.atomic
def cycle_reports_rerender(*, cycle, requester, reason: str = "") -> Job:
    """The bureau's 重新生成 button: the same fan-out, for bureau staff only and at most 3 times in
    10 minutes per person (each run renders every report of the cycle)."""
    from core.throttle import require_job_quota

    if not requester.has_perm("reports.view_reportdocument"):
        raise ApplicationError("只有区民政局工作人员可以重新生成报告。", code="forbidden")
    require_job_quota(requester, kind=CYCLE_REPORTS_KIND, limit=3, minutes=10, what="重新生成报告")
    return cycle_reports_request(cycle=cycle, requester=requester, reason=reason)


def _cycle_job_create(
    *, cycle, requester, reason: str, force: bool = False
) -> tuple[Job, list[ReportRender]]:
    from evaluations.choices import RESULTS_OUT_STATES

    from .builders import cycle_report_subjects

    if cycle.state not in RESULTS_OUT_STATES:
        raise ApplicationError(
            f"{cycle} 的结果尚未公布，不能生成考评报告。",
            fields={"cycle": ["请先公布考评结果，再生成报告。"]},
        )
    subjects = cycle_report_subjects(cycle)
    job = job_create(
        kind=CYCLE_REPORTS_KIND,
        label=f"生成 {cycle} 考评报告（{len(subjects)} 份）",
        requester=requester,
        params={"cycle_id": cycle.pk, "reason": reason, "total": len(subjects), "force": force},
    )
    renders = ReportRender.objects.bulk_create(
        [ReportRender(job=job, kind=kind, params=params, label=label) for kind, params, label in subjects]
    )
    JobContext(job).log(f"共 {len(renders)} 份报告待生成")
    log_action(
        "reports.cycle.requested",
        actor=requester,
        obj=job,
        data={"cycle_id": cycle.pk, "reports": len(renders), "reason": reason},
    )
    return job, renders


def report_render_run(job_id: str, render_id: int, *, task=None) -> None:
    """Render one report of a fan-out job. Under a Celery ``task`` a failure is retried as
    ``core.jobs.JobTask`` says (outages with back-off); the last failure is recorded on the render and
    the job in Chinese. Called directly (demo data), the first failure is recorded at once."""
    try:
        _report_render_once(job_id, render_id)
    except Exception as exc:
        logger.exception("report render %s of job %s failed", render_id, job_id)
        try:
            label = ReportRender.objects.filter(pk=render_id).values_list("label", flat=True).first() or ""
        except Exception:  # the database may be what failed: the retry needs no label
            label = ""

        def record(reason: str) -> None:
            _render_failed(job_id, render_id, label, reason)

        if task is None:
            record(failure_reason(exc))
            return
        task.retry_or_record(exc, job_id=job_id, record_failure=record, what=label)


def _report_render_once(job_id: str, render_id: int) -> None:
    from .builders import build_spec

    render = ReportRender.objects.select_related("job").filter(pk=render_id).first()
    if render is None or render.status != RenderStatus.PENDING:
        return  # deleted, or already done by an earlier delivery of the same task
    job = render.job
    now = timezone.now()
    Job.objects.filter(pk=job.pk, status=JobStatus.PENDING).update(
        status=JobStatus.RUNNING, started_at=now, attempts=1
    )
    Job.objects.filter(pk=job.pk).update(heartbeat_at=now)
    ReportRender.objects.filter(pk=render.pk).update(attempts=F("attempts") + 1)
    spec = build_spec(render.kind, render.params)
    with atomic_with_files():
        document, created = document_render(
            spec, job=job, reason=job.params.get("reason", ""), force=job.params.get("force", False)
        )
        status = RenderStatus.DONE if created else RenderStatus.UNCHANGED
        # Only a still-pending render is marked: a second delivery running alongside changes nothing.
        ReportRender.objects.filter(pk=render.pk, status=RenderStatus.PENDING).update(
            status=status, document=document, finished_at=timezone.now()
        )
        note = f"第 {document.revision} 版" if created else f"数据未变，沿用第 {document.revision} 版"
        JobContext(job).log(f"{render.label}：{note}")
        _job_progress_update(job)


def _render_failed(job_id: str, render_id: int, label: str, reason: str) -> None:
    with transaction.atomic():
        updated = ReportRender.objects.filter(pk=render_id, status=RenderStatus.PENDING).update(
            status=RenderStatus.FAILED, error=reason[:2000], finished_at=timezone.now()
        )
        job = Job.objects.filter(pk=job_id).first()
        if not updated or job is None:
            return
        JobContext(job).log(f"{label}：生成失败，已放弃重试。原因：{reason}")
        _job_progress_update(job)


def cycle_reports_failed_reset(job: Job) -> str:
    """重试失败项 of a cycle's reports (core.jobs.JOB_KINDS): the failed reports become pending again."""
    failed = ReportRender.objects.filter(job=job, status=RenderStatus.FAILED)
    count = failed.update(status=RenderStatus.PENDING, error="", finished_at=None, attempts=0)
    _job_progress_update(job)
    return f"：重新生成失败的 {count} 份报告"


def cycle_reports_give_up(job: Job, reason: str) -> None:
    """The sweeper gave up on the job: its reports still pending are failed with the same reason."""
    ReportRender.objects.filter(job=job, status=RenderStatus.PENDING).update(
        status=RenderStatus.FAILED, error=reason, finished_at=timezone.now()
    )


def _job_progress_update(job: Job) -> None:
    # The job row is locked first, so the last two renders finishing at once both see each other's
    # state and exactly one of them closes the job.
    Job.objects.select_for_update().filter(pk=job.pk).values_list("pk", flat=True).first()
    counts = ReportRender.objects.filter(job=job).aggregate(
        total=Count("pk"),
        pending=Count("pk", filter=Q(status=RenderStatus.PENDING)),
        failed=Count("pk", filter=Q(status=RenderStatus.FAILED)),
        done=Count("pk", filter=Q(status=RenderStatus.DONE)),
        unchanged=Count("pk", filter=Q(status=RenderStatus.UNCHANGED)),
    )
    total = counts["total"] or 1
    finished = counts["total"] - counts["pending"]
    progress = int(finished * 100 / total)
    updates: dict = {"progress": progress, "result": counts}
    if counts["pending"] == 0:
        updates["finished_at"] = timezone.now()
        updates["status"] = JobStatus.FAILED if counts["failed"] else JobStatus.SUCCEEDED
    Job.objects.filter(pk=job.pk).update(**updates)
    if counts["pending"] == 0:
        ctx = JobContext(job)
        summary = f"新生成 {counts['done']} 份，未变 {counts['unchanged']} 份，失败 {counts['failed']} 份"
        ctx.log(("已完成：" if not counts["failed"] else "部分失败：") + summary)


# ---- the foundation's test PDF ---------------------------------------------------------------------
def test_pdf_request(*, requester) -> Job:
    """Queue the demo's test PDF: WeasyPrint, Chinese text, stored, downloadable by its requester."""
    from core.throttle import require_job_quota

    from .tasks import render_test_pdf

    if not requester.has_perm("reports.view_reportdocument"):
        raise ApplicationError("测试 PDF 仅供区民政局工作人员检查报告排版使用。", code="forbidden")
    require_job_quota(requester, kind=TEST_PDF_KIND, limit=5, minutes=10, what="生成测试 PDF")
    job = job_create(kind=TEST_PDF_KIND, label="生成测试 PDF（中文渲染验证）", requester=requester)
    job_enqueue(job, render_test_pdf)
    return job


def test_pdf_render(job: Job, ctx: JobContext) -> dict:
    from centers.models import StreetTown
    from centers.selectors import current_district

    from .builders import district_particulars

    ctx.progress(10, "读取街镇列表")
    district = district_particulars()
    names = list(
        StreetTown.objects.filter(district_id=current_district().pk)
        .order_by("sort_order")
        .values_list("name", flat=True)
    )
    ctx.progress(30, "排版 PDF")
    pdf = render_pdf(
        "reports/pdf/test_page.html",
        {
            "title": f"{district['portal_name']} 测试报告",
            "district": district,
            "requester": job.requester.display_name if job.requester else "系统",
            "generated_at": timezone.now(),
            "job_id": job.pk,
            "street_towns": names,
        },
    )
    ctx.progress(90, "保存文件")
    if job.output_file:
        job.output_file.delete(save=False)  # a re-run replaces its file, never adds one
    job.output_file.save(f"test-{uuid.uuid4().hex}.pdf", ContentFile(pdf), save=True)
    return {"bytes": len(pdf)}
