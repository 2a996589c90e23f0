"""Imports as jobs (issue 16 §7): the upload is stored, the worker streams it and writes in batches,
all or nothing, with a progress bar of rows; a wrong row imports nothing and is named in Chinese."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from accounts.roles import Role
from centers import importing
from centers.codes import make_credit_code
from centers.models import RatingRecord, SocialOrganization
from core.errors import ApplicationError
from core.jobs import run_job
from core.models import Job
from core.testing import make_user

from .test_import_export import HEADER

TOWNS = ["朱家角镇", "金泽镇", "练塘镇", "赵巷镇"]


def sheet(n: int, *, bad_row: int | None = None) -> bytes:
    """A generated sheet of ``n`` organizations (every tenth rated); ``bad_row`` (a sheet row number)
    gets a credit code of the wrong length."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("社会组织")
    ws.append(HEADER)
    for i in range(n):
        code = make_credit_code("2", 7_000_000 + i)
        if bad_row is not None and i + 2 == bad_row:
            code = "9131"
        rated = i % 10 == 0
        ws.append(
            [
                f"生成组织{i}",
                code,
                "民办非企业单位",
                "2020-01-01",
                TOWNS[i % 4],
                "",
                "正常",
                "",
                "3A" if rated else "",
                "2023-06-01" if rated else "",
            ]
        )
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def start(client, data: bytes) -> Job:
    preview = client.post(
        reverse("centers:organization_import"), {"file": SimpleUploadedFile("gen.xlsx", data)}
    )
    assert preview.status_code == 200 and "确认导入" in preview.content.decode()
    response = client.post(reverse("centers:organization_import_commit"))
    job = Job.objects.filter(kind=importing.IMPORT_JOB_KIND).latest("created_at")
    assert response["Location"] == reverse("core:job_detail", args=[job.pk])
    return job


@pytest.mark.worker
def test_a_2000_row_sheet_imports_as_a_job_on_the_worker(worker, client, job_waiter):
    client.force_login(make_user("imp_bureau", Role.BUREAU))
    job = job_waiter(start(client, sheet(2000)), timeout=120)
    assert job.status == "succeeded", job.log
    assert SocialOrganization.objects.filter(name__startswith="生成组织").count() == 2000
    assert RatingRecord.objects.filter(organization__name__startswith="生成组织").count() == 200
    history = SocialOrganization.history.filter(name__startswith="生成组织")
    assert history.filter(history_type="+", history_user__username="imp_bureau").count() == 2000
    assert (
        RatingRecord.history.filter(history_type="+", organization__name__startswith="生成组织").count()
        == 200
    )
    assert "导入完成：新增 2000 家，更新 0 家，未变化 0 家，新增评估记录 200 条。" in job.log
    status = client.get(reverse("core:job_status", args=[job.pk])).json()
    assert status["progress"] == 100 and status["rows"].startswith("已处理 2,000 / 2,000 行，每秒 ")


@pytest.mark.django_db
def test_one_bad_row_imports_nothing_and_the_job_names_the_row_in_chinese(client):
    client.force_login(make_user("imp_bureau", Role.BUREAU))
    job = start(client, sheet(2000, bad_row=1501))  # the preview's first rows are fine
    with pytest.raises(ApplicationError):
        run_job(str(job.pk), importing.organization_import_work)  # the worker's part, in-process
    job.refresh_from_db()
    assert job.status == "failed"
    assert "文件有 1 处错误，未导入任何数据" in job.log
    assert "第 1501 行，“统一社会信用代码”列，值“9131”" in job.log
    assert SocialOrganization.objects.filter(name__startswith="生成组织").count() == 0  # not 1,499


@pytest.mark.django_db
def test_the_preview_reads_only_the_first_rows_and_names_their_errors(client):
    client.force_login(make_user("imp_bureau", Role.BUREAU))
    page = client.post(
        reverse("centers:organization_import"),
        {"file": SimpleUploadedFile("gen.xlsx", sheet(300, bad_row=3))},
    ).content.decode()
    assert "以下为前 20 行" in page and "生成组织19" in page and "生成组织20" not in page
    assert "统一社会信用代码应为 18 位" in page and "确认导入" not in page
    assert Job.objects.count() == 0


@pytest.mark.django_db
def test_starting_imports_is_limited_per_person(client):
    bureau = make_user("imp_bureau", Role.BUREAU)
    for _ in range(importing.IMPORT_JOBS_PER_10_MINUTES):
        importing.organization_import_start(actor=bureau, path="imports/x.xlsx", name="x.xlsx")
    with pytest.raises(ApplicationError, match="导入社会组织过于频繁：10 分钟内最多 10 次"):
        importing.organization_import_start(actor=bureau, path="imports/x.xlsx", name="x.xlsx")


@pytest.mark.django_db
def test_the_eleventh_import_in_ten_minutes_is_refused_429_and_nothing_is_queued(client):
    """Issue 14 §5 from the attacker's side: ten imports through the pages, the eleventh refused with
    the time to retry, no job row and no outbox message for it, the upload not kept."""
    from django.core.files.storage import default_storage
    from django.utils import timezone

    from core.models import JobMessage

    client.force_login(make_user("imp_bureau", Role.BUREAU))
    data = sheet(3)
    for _ in range(importing.IMPORT_JOBS_PER_10_MINUTES):
        start(client, data)
    first = Job.objects.filter(kind=importing.IMPORT_JOB_KIND).earliest("created_at")
    client.post(reverse("centers:organization_import"), {"file": SimpleUploadedFile("gen.xlsx", data)})
    stored = client.session["centers_import"]["path"]
    refused = client.post(reverse("centers:organization_import_commit"))
    assert refused.status_code == 429
    retry_at = timezone.localtime(first.created_at + timezone.timedelta(minutes=10))
    html = refused.content.decode()
    assert "导入社会组织过于频繁：10 分钟内最多 10 次" in html
    assert f"请于 {retry_at:%H:%M} 后再试" in html
    assert int(refused["Retry-After"]) > 0
    assert Job.objects.filter(kind=importing.IMPORT_JOB_KIND).count() == 10
    assert JobMessage.objects.count() == 10
    assert not default_storage.exists(stored)
