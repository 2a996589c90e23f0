"""A job runs on a real Celery worker through Redis, reaches 100 %, and its PDF is right."""

import subprocess

import pytest
from django.urls import reverse

from accounts.roles import Role
from core.models import Job
from core.testing import make_user

pytestmark = [pytest.mark.worker]


def test_health_is_ok_with_a_live_worker(worker, client):
    import time

    client.force_login(make_user("health_staff", Role.BUREAU))  # the detail is for staff only
    deadline = time.monotonic() + 15
    while True:
        response = client.get("/healthz")
        if response.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "ok", "worker": "ok", "storage": "ok"},
    }


def test_test_pdf_job_runs_on_the_worker_and_only_its_requester_downloads_it(
    worker, client, job_waiter, pdf_tools, tmp_path
):
    requester = make_user("requester", Role.BUREAU)  # the test PDF is the bureau's (issue 14 §5)
    outsider = make_user("outsider", Role.DIRECTOR)
    client.force_login(requester)
    response = client.post(reverse("reports:test_pdf_create"))
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("core:job_detail", args=[job.pk])

    job = job_waiter(job)
    assert job.status == "succeeded", job.log
    assert job.progress == 100
    assert "已完成" in job.log

    download = client.get(reverse("core:job_download", args=[job.pk]))
    assert download.status_code == 200
    pdf = tmp_path / "test.pdf"
    pdf.write_bytes(b"".join(download.streaming_content))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "青浦区社会组织服务中心门户 测试报告" in text
    assert "朱家角镇社会组织服务中心" in text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    cjk = [line for line in fonts.splitlines() if "CJK" in line]
    assert cjk and all(line.split()[-5] == "yes" for line in cjk), fonts  # the "emb" column

    client.force_login(outsider)
    assert client.get(reverse("core:job_download", args=[job.pk])).status_code == 404
