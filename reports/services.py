from __future__ import annotations

import uuid

from django.core.files.base import ContentFile
from django.utils import timezone

from core.jobs import JobContext, job_create, job_enqueue
from core.models import Job

from .pdf import render_pdf

TEST_PDF_KIND = "reports.test_pdf"


def test_pdf_request(*, requester) -> Job:
    """Queue the demo's test PDF: WeasyPrint, Chinese text, stored, downloadable by its requester."""
    from .tasks import render_test_pdf

    job = job_create(kind=TEST_PDF_KIND, label="生成测试 PDF（中文渲染验证）", requester=requester)
    job_enqueue(job, render_test_pdf)
    return job


def test_pdf_render(job: Job, ctx: JobContext) -> dict:
    from centers.models import StreetTown

    ctx.progress(10, "读取街镇列表")
    names = list(StreetTown.objects.order_by("sort_order").values_list("name", flat=True))
    ctx.progress(30, "排版 PDF")
    pdf = render_pdf(
        "reports/pdf/test_page.html",
        {
            "title": "青浦区社会组织服务中心门户 测试报告",
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
