"""The talent-pool import as a job (issue 16 §7) with a per-person limit (issue 14 §5): preview of the
first rows, 确认导入 queues a job that streams the sheet and writes in bulk, all or nothing."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from core.errors import ApplicationError
from core.jobs import run_job
from core.models import AuditEntry, Job, JobMessage
from staffing import excel
from staffing.excel import TALENT_COLUMNS
from staffing.models import TalentProfile

HEADER = [label for _, label in TALENT_COLUMNS]


def sheet(n: int, *, bad_row: int | None = None) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("专业人才档案库")
    ws.append(HEADER)
    for i in range(n):
        years = "十年" if bad_row is not None and i + 2 == bad_row else 5
        ws.append([f"人才{i}", "女", "青浦区益心社会工作服务社", "社会工作", "", "", years, "是", "否", ""])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def start(client, data: bytes) -> Job:
    preview = client.post(reverse("staffing:talent_import"), {"file": SimpleUploadedFile("人才.xlsx", data)})
    assert preview.status_code == 200 and "确认导入" in preview.content.decode()
    response = client.post(reverse("staffing:talent_import_commit"))
    job = Job.objects.filter(kind=excel.TALENT_IMPORT.kind).latest("created_at")
    assert response["Location"] == reverse("core:job_detail", args=[job.pk])
    return job


@pytest.mark.worker
def test_a_talent_sheet_imports_as_a_job_on_the_worker(worker, client, world, job_waiter):
    client.force_login(world["district_director"])
    job = job_waiter(start(client, sheet(300)), timeout=120)
    assert job.status == "succeeded", job.log
    assert TalentProfile.objects.filter(name__startswith="人才", center=world["district"]).count() == 300
    assert "导入完成：新增 300 人，更新 0 人。" in job.log
    status = client.get(reverse("core:job_status", args=[job.pk])).json()
    assert status["progress"] == 100 and status["rows"].startswith("已处理 300 / 300 行，每秒 ")
    entry = AuditEntry.objects.get(action="staffing.talent.imported")
    assert entry.actor == world["district_director"] and entry.data["created"] == 300
    page = client.get(reverse("core:job_detail", args=[job.pk])).content.decode()
    assert reverse("staffing:talent_list") in page


@pytest.mark.django_db
def test_one_bad_row_past_the_preview_imports_nothing_and_is_named_on_the_job_page(client, world):
    client.force_login(world["district_director"])
    before = TalentProfile.objects.count()
    job = start(client, sheet(40, bad_row=35))
    with pytest.raises(ApplicationError):
        run_job(str(job.pk), excel.talent_import_work)
    job.refresh_from_db()
    assert job.status == "failed" and "文件有 1 处错误，未导入任何数据" in job.log
    assert TalentProfile.objects.count() == before  # not 33
    page = client.get(reverse("core:job_detail", args=[job.pk])).content.decode()
    assert "从业年限" in page and "十年" in page and "请填写 0–70 的整数" in page and ">35<" in page


@pytest.mark.django_db
def test_the_eleventh_talent_import_in_ten_minutes_is_refused_and_nothing_queued(client, world):
    client.force_login(world["district_director"])
    data = sheet(2)
    for _ in range(10):
        start(client, data)
    client.post(reverse("staffing:talent_import"), {"file": SimpleUploadedFile("人才.xlsx", data)})
    refused = client.post(reverse("staffing:talent_import_commit"))
    assert refused.status_code == 429
    assert "导入人才库过于频繁：10 分钟内最多 10 次，请于" in refused.content.decode()
    assert Job.objects.filter(kind=excel.TALENT_IMPORT.kind).count() == 10
    assert JobMessage.objects.count() == 10


@pytest.mark.django_db
def test_outsiders_cannot_start_a_talent_import(client, world):
    client.force_login(world["director"])  # a town center's director keeps no talent pool
    data = sheet(2)
    assert (
        client.post(
            reverse("staffing:talent_import"), {"file": SimpleUploadedFile("a.xlsx", data)}
        ).status_code
        == 404
    )
    assert client.post(reverse("staffing:talent_import_commit")).status_code == 404
    assert Job.objects.count() == 0
