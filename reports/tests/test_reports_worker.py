"""A cycle's reports rendered through the real Celery worker, one task per report, progress on the job."""

import pytest
from django.urls import reverse

from reports.builders import cycle_report_subjects
from reports.models import RenderStatus, ReportDocument, ReportRender
from reports.services import cycle_reports_request

pytestmark = [pytest.mark.worker]


def test_cycle_reports_render_on_the_worker_and_the_job_reaches_100(
    worker, job_waiter, small_published, people, client
):
    job = cycle_reports_request(cycle=small_published, requester=people["bureau"], reason="公布")
    job = job_waiter(job, timeout=240)
    assert job.status == "succeeded", job.log
    assert job.progress == 100
    total = len(cycle_report_subjects(small_published))
    assert ReportRender.objects.filter(job=job, status=RenderStatus.DONE).count() == total
    assert ReportDocument.objects.filter(cycle=small_published, superseded_at__isnull=True).count() == total
    assert "已完成：新生成" in job.log
    client.force_login(people["bureau"])
    page = client.get(reverse("core:job_detail", args=[job.pk]))
    assert page.status_code == 200

    again = job_waiter(cycle_reports_request(cycle=small_published, requester=people["bureau"]), timeout=240)
    assert again.status == "succeeded" and again.result["unchanged"] == total
    assert ReportDocument.objects.filter(cycle=small_published).count() == total  # never duplicated
