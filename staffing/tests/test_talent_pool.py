"""The talent pool: search, Excel import (row-level errors, all or nothing), export (masked, logged)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from core.models import AuditEntry
from staffing.excel import TALENT_COLUMNS
from staffing.models import TalentProfile

pytestmark = pytest.mark.django_db

HEADER = [label for _, label in TALENT_COLUMNS]


def xlsx(rows, header=HEADER) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile("人才.xlsx", buffer.getvalue())


def imported(client, upload) -> int:
    """The import as the keeper does it: preview, 确认导入, and the job's part (here in-process, the
    worker's own test is in test_talent_import_jobs.py). The preview's status code, or 302 when the
    job succeeded."""
    from core.jobs import run_job
    from core.models import Job
    from staffing import excel

    preview = client.post(reverse("staffing:talent_import"), {"file": upload})
    if preview.status_code != 200:
        return preview.status_code
    queued = client.post(reverse("staffing:talent_import_commit"))
    job = Job.objects.filter(kind=excel.TALENT_IMPORT.kind).latest("created_at")
    assert queued["Location"] == reverse("core:job_detail", args=[job.pk])
    run_job(str(job.pk), excel.talent_import_work)
    job.refresh_from_db()
    assert job.status == "succeeded", job.log
    return 302


GOOD = [
    "周敏",
    "女",
    "青浦区益心社会工作服务社",
    "社会工作",
    "项目设计",
    "社会工作师",
    10,
    "是",
    "否",
    "13811112222",
]


def test_keeper_imports_a_good_file_and_a_second_import_updates(client, world):
    client.force_login(world["district_director"])
    other = ["吴刚", "男", "青浦区公益法律服务中心", "法律", "", "律师执业证", 12, "否", "是", "021-59721234"]
    assert imported(client, xlsx([GOOD, other])) == 302
    zhou = TalentProfile.objects.get(name="周敏")
    assert zhou.expertise == "social_work" and zhou.willing_to_lecture and not zhou.willing_to_consult
    assert zhou.center == world["district"]
    changed = GOOD[:6] + [11] + GOOD[7:]
    assert imported(client, xlsx([changed])) == 302
    zhou.refresh_from_db()
    assert zhou.years_of_experience == 11 and zhou.version == 2
    assert TalentProfile.objects.filter(name="周敏").count() == 1
    assert AuditEntry.objects.filter(action="staffing.talent.imported").count() == 2


def test_a_file_with_errors_imports_nothing_and_names_each_row_and_field(client, world):
    client.force_login(world["district_director"])
    before = TalentProfile.objects.count()
    rows = [
        GOOD,
        ["孙丽", "女", "青浦区某协会", "天文学", "", "", 5, "是", "是", "13800000000"],
        ["钱进", "男", "青浦区某协会", "法律", "", "", "十年", "是", "是", "12345"],
        ["周敏", "女", "青浦区益心社会工作服务社", "社会工作", "", "", 3, "也许", "否", ""],
    ]
    response = client.post(reverse("staffing:talent_import"), {"file": xlsx(rows)})
    assert response.status_code == 400
    html = response.content.decode()
    assert "整份文件未导入" in html
    assert "第 3 行" in html and "专业领域：“天文学”不在可选范围内" in html
    assert "第 4 行" in html and "从业年限：“十年”不是整数" in html and "联系电话“12345”不是有效的" in html
    assert "第 5 行" in html and "与第 2 行重复" in html and "愿意授课：“也许”无效" in html
    assert "确认导入" not in html
    assert "第 2 行" not in html.split("与第 2 行重复")[0].split("第 3 行")[0]
    assert TalentProfile.objects.count() == before


def test_a_file_that_is_not_xlsx_or_lacks_columns_is_refused(client, world):
    client.force_login(world["district_director"])
    response = client.post(
        reverse("staffing:talent_import"), {"file": SimpleUploadedFile("a.xlsx", b"not excel")}
    )
    assert response.status_code == 400 and "无法读取该文件" in response.content.decode()
    response = client.post(reverse("staffing:talent_import"), {"file": xlsx([["x"]], header=["姓名"])})
    assert response.status_code == 400 and "表头缺少列" in response.content.decode()


def test_export_round_trips_for_the_keeper_and_is_masked_and_logged_for_others(client, world):
    client.force_login(world["district_director"])
    response = client.get(reverse("staffing:talent_export"))
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0] == tuple(HEADER) and rows[1][9] == "13900001111"
    again = imported(client, SimpleUploadedFile("export.xlsx", response.content))
    assert again == 302 and TalentProfile.objects.count() == 1

    client.force_login(world["director"])
    response = client.get(reverse("staffing:talent_export"))
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1][9] == "139****1111"
    entry = AuditEntry.objects.filter(action="staffing.export.talent_pool").latest("pk")
    assert entry.actor == world["director"] and entry.data["phones_masked"] is True


def test_search_and_filters(client, world):
    from .factories import talent

    district = world["district"]
    talent(district, name="法律专家", expertise="law", willing_to_lecture=True, years_of_experience=20)
    talent(district, name="财务专家", expertise="finance", willing_to_consult=True, years_of_experience=3)
    client.force_login(world["supervisor"])
    url = reverse("staffing:talent_list")
    html = client.get(url, {"expertise": "law"}).content.decode()
    assert "法律专家" in html and "财务专家" not in html
    html = client.get(url, {"willing": "consult"}).content.decode()
    assert "财务专家" in html and "法律专家" not in html
    html = client.get(url, {"min_years": 10, "q": "专家"}).content.decode()
    assert "法律专家" in html and "财务专家" not in html


def test_talent_list_queries_do_not_grow(client, world, django_assert_max_num_queries):
    from .factories import talent

    client.force_login(world["bureau"])
    url = reverse("staffing:talent_list")
    client.get(url)
    with django_assert_max_num_queries(30) as ctx:
        client.get(url)
    baseline = len(ctx.captured_queries)
    for _ in range(15):
        talent(world["district"])
    with django_assert_max_num_queries(baseline):
        client.get(url)


def test_leading_talent_and_party_backbone_flags_in_import_list_filter_export_and_api(client, world):
    """Issue 12, item 11: the industry centers' 领军人才 and 党员骨干 on the talent pool."""
    from rest_framework.test import APIClient

    client.force_login(world["district_director"])
    leader = [*GOOD, "是", "否"]
    backbone = ["吴刚", "男", "青浦区公益法律服务中心", "法律", "", "", 12, "否", "是", "", "否", "是"]
    assert imported(client, xlsx([leader, backbone])) == 302
    zhou = TalentProfile.objects.get(name="周敏")
    assert zhou.is_leading_talent and not zhou.is_party_backbone
    # A file of the older layout (no flag columns) updates the rest and keeps the flags.
    older = xlsx([GOOD[:6] + [11] + GOOD[7:]], header=HEADER[:10])
    assert imported(client, older) == 302
    zhou.refresh_from_db()
    assert zhou.years_of_experience == 11 and zhou.is_leading_talent

    html = client.get(reverse("staffing:talent_list"), {"flag": "backbone"}).content.decode()
    assert "吴刚" in html and "周敏" not in html and "党员骨干" in html
    export = client.get(reverse("staffing:talent_export"), {"flag": "leading"})
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0][-2:] == ["领军人才", "党员骨干"] and [r[0] for r in rows[1:]] == ["周敏"]
    assert rows[1][-2:] == ["是", "否"]

    api = APIClient()
    api.force_authenticate(world["district_director"])
    body = api.get("/api/v1/talent-profiles/", {"flag": "leading"}).json()
    assert [(r["name"], r["is_leading_talent"], r["is_party_backbone"]) for r in body["results"]] == [
        ("周敏", True, False)
    ]
    wu = TalentProfile.objects.get(name="吴刚")
    response = api.patch(
        f"/api/v1/talent-profiles/{wu.pk}/", {"is_leading_talent": True, "version": wu.version}, format="json"
    )
    assert response.status_code == 200 and response.json()["is_leading_talent"] is True
    form = client.get(reverse("staffing:talent_edit", args=[wu.pk])).content.decode()
    assert "领军人才" in form and "党员骨干" in form
