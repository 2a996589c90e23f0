"""Excel of every list (issue 15 §5): the district staffing table, the draw record, the errors of an
organisation import (its preview and its job) and the results — each through the one writer (a
Chinese sheet name, column widths, the header frozen), reachable as its page is, recorded in the
audit trail, and read here as the crawler reads exports (no code words)."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from core.errors import ApplicationError
from core.models import AuditEntry
from core.testing import login_as
from tests.test_crawler import problems, xlsx_text

pytestmark = pytest.mark.django_db


def _user(username):
    from accounts.models import User

    return User.objects.get(username=username)


def _sheets(response):
    assert response.status_code == 200, response.status_code
    assert "spreadsheetml" in response["Content-Type"]
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    assert not problems(xlsx_text(response.content)), problems(xlsx_text(response.content))
    book = load_workbook(io.BytesIO(response.content))
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2" and sheet["A1"].font.b
        assert sheet.column_dimensions["A"].width >= 8
    return book


def _rows(sheet):
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def test_the_district_staffing_table_exports_every_center_as_on_the_page(demo):
    from staffing.selectors import district_staffing_rows

    bureau = login_as(Client(), _user("bureau"))
    page = bureau.get(reverse("staffing:district_table") + "?on=2025-12-31").content.decode()
    assert reverse("staffing:district_table_export") + "?on=2025-12-31" in page
    book = _sheets(bureau.get(reverse("staffing:district_table_export") + "?on=2025-12-31"))
    sheet = book.worksheets[0]
    assert sheet.title == "全区人员配备（2025-12-31）"
    rows = _rows(sheet)
    assert rows[0][:5] == ["服务中心", "街镇", "社会组织数（N）", "应配专职人员", "专职"]
    expected = district_staffing_rows(_user("bureau"), __import__("datetime").date(2025, 12, 31))
    assert len(rows) == len(expected) + 1  # every center, not a page
    zjj = next(r for r in expected if r["center"].name == "青浦区朱家角镇社会组织服务中心")
    row = next(r for r in rows if r[0] == "青浦区朱家角镇社会组织服务中心")
    assert row[1] == "朱家角镇" and row[2] == zjj["n"] and row[3] == zjj["required"]
    assert row[4] == zjj["figures"].full_time and row[9] == zjj["figures"].volunteers
    entry = AuditEntry.objects.get(action="staffing.district_table.exported")
    assert entry.actor == _user("bureau") and entry.data["rows"] == len(expected)


@pytest.mark.parametrize("username", ["director_zhujiajiao", "supervisor_zhujiajiao", "auditor1"])
def test_only_the_bureau_exports_the_district_staffing_table(demo, username):
    client = login_as(Client(), _user(username))
    assert client.get(reverse("staffing:district_table_export")).status_code == 404
    assert not AuditEntry.objects.filter(action="staffing.district_table.exported").exists()


def test_the_draw_record_exports_population_named_excluded_and_sample(demo):
    from evaluations.models import Cycle, Draw

    cycle = Cycle.objects.get(year=2025)
    draw = Draw.objects.get(cycle=cycle)
    bureau = login_as(Client(), _user("bureau"))
    url = reverse("evaluations:draw_record_export", args=[cycle.pk])
    assert url in bureau.get(reverse("evaluations:cycle_draw", args=[cycle.pk])).content.decode()
    book = _sheets(bureau.get(url))
    assert book.sheetnames == ["2025年度抽检记录", "抽样信息"]
    rows = _rows(book["2025年度抽检记录"])
    assert rows[0] == ["序号", "服务中心", "统一社会信用代码", "抽样结果", "必检", "排除原因"]
    assert len(rows) == len(draw.population) + 1
    assert [r[1] for r in rows[1:]] == [c["name"] for c in draw.population]  # the population's order
    drawn = {c["name"] for c in draw.result}
    assert {r[1] for r in rows[1:] if r[3] == "抽中"} == drawn and len(drawn) == draw.sample_size
    first = next(r for r in rows[1:] if r[1] == draw.result[0]["name"])
    assert first[2] == draw.result[0]["credit_code"]
    facts = {r[0]: r[1] for r in _rows(book["抽样信息"])[1:]}
    assert facts["随机种子"] == draw.seed and facts["抽检数量"] == f"{draw.sample_size} 个中心"
    assert AuditEntry.objects.filter(action="evaluations.draw.exported", actor=_user("bureau")).count() == 1


@pytest.mark.parametrize("username", ["director_zhujiajiao", "supervisor_zhujiajiao", "auditor1"])
def test_only_the_bureau_exports_the_draw_record(demo, username):
    from evaluations.models import Cycle

    cycle = Cycle.objects.get(year=2025)
    client = login_as(Client(), _user(username))
    assert client.get(reverse("evaluations:draw_record_export", args=[cycle.pk])).status_code == 404
    assert not AuditEntry.objects.filter(action="evaluations.draw.exported").exists()


HEADER = ["名称", "统一社会信用代码", "类型", "登记日期", "所属街镇", "所属行业", "状态"]


def _sheet(rows) -> bytes:
    wb = Workbook()
    wb.active.append(HEADER)
    for row in rows:
        wb.active.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _good(i):
    from centers.codes import make_credit_code

    return [
        f"青浦区导出测试组织{i}",
        make_credit_code("2", 7000 + i),
        "民办非企业单位",
        "2020-01-01",
        "朱家角镇",
        "",
        "正常",
    ]


def test_the_errors_of_a_failed_import_job_download_from_its_page(demo):
    from centers import importing
    from core.jobs import run_job
    from core.models import Job

    bureau = login_as(Client(), _user("bureau"))
    rows = [_good(i) for i in range(25)]
    rows[23][3] = "二〇二〇年"  # past the preview's first 20 rows: only the job finds it
    bureau.post(
        reverse("centers:organization_import"), {"file": SimpleUploadedFile("组织.xlsx", _sheet(rows))}
    )
    bureau.post(reverse("centers:organization_import_commit"))
    job = Job.objects.get(kind=importing.IMPORT_JOB_KIND)
    with pytest.raises(ApplicationError, match="未导入任何数据"):  # called directly, a failure re-raises
        run_job(str(job.pk), importing.organization_import_work)
    job.refresh_from_db()
    assert job.status == "failed"
    url = reverse("core:job_errors", args=[job.pk])
    assert url in bureau.get(reverse("core:job_detail", args=[job.pk])).content.decode()
    book = _sheets(bureau.get(url))
    listed = _rows(book.worksheets[0])
    assert listed[0] == ["行号", "列", "值", "问题"]
    assert listed[1][:3] == [25, "登记日期", "二〇二〇年"]
    entry = AuditEntry.objects.get(action="core.import_errors.exported", object_id=str(job.pk))
    assert entry.data["rows"] == 1
    for username in ("director_zhujiajiao", "supervisor_zhujiajiao"):
        assert login_as(Client(), _user(username)).get(url).status_code == 404


def test_the_results_export_goes_through_the_one_writer(demo):
    from evaluations.models import Cycle

    cycle = Cycle.objects.get(year=2025)
    bureau = login_as(Client(), _user("bureau"))
    book = _sheets(bureau.get(reverse("evaluations:results_export", args=[cycle.pk])))
    sheet = book.worksheets[0]
    assert sheet.title == "2025年度考评结果"
    rows = _rows(sheet)
    assert rows[0][:3] == ["排名", "服务中心", "街镇"] and any("朱家角镇" in str(r[1]) for r in rows[1:])
