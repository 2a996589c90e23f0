"""Import (.xlsx/.csv): row errors in Chinese, all or nothing, idempotent; export round trip; the command."""

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from centers import importing
from centers.codes import make_credit_code
from centers.models import RatingRecord, SocialOrganization
from core.errors import ApplicationError

HEADER = [
    "名称",
    "统一社会信用代码",
    "类型",
    "登记日期",
    "所属街镇",
    "所属行业",
    "状态",
    "注销日期",
    "评估等级",
    "评估日期",
]


def xlsx(rows, header=HEADER) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def good_rows(n=3, start=100):
    return [
        [
            f"青浦区测试组织{i}",
            make_credit_code("2", start + i),
            "民办非企业单位",
            "2020-01-0" + str(1 + i % 9),
            "朱家角镇",
            "",
            "正常",
            "",
            "3A" if i == 0 else "",
            "2023-06-01" if i == 0 else "",
        ]
        for i in range(n)
    ]


@pytest.mark.django_db
def test_import_creates_all_rows_and_reimport_changes_nothing():
    data = xlsx(good_rows(3))
    result = importing.import_organizations(name="orgs.xlsx", data=data)
    assert (result.created, result.updated, result.errors) == (3, 0, [])
    assert SocialOrganization.objects.count() == 3
    assert RatingRecord.objects.filter(organization__isnull=False).count() == 1
    history_rows = SocialOrganization.history.count()
    again = importing.import_organizations(name="orgs.xlsx", data=data)
    assert (again.created, again.updated, again.unchanged, again.ratings_created) == (0, 0, 3, 0)
    assert SocialOrganization.history.count() == history_rows
    assert RatingRecord.objects.count() == 1


@pytest.mark.django_db
def test_import_updates_rows_matched_by_credit_code():
    rows = good_rows(2)
    importing.import_organizations(name="a.xlsx", data=xlsx(rows))
    rows[1][0] = "改名后的组织"
    result = importing.import_organizations(name="a.xlsx", data=xlsx(rows))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert SocialOrganization.objects.filter(name="改名后的组织").count() == 1


@pytest.mark.django_db
def test_import_with_one_bad_row_saves_nothing_and_names_row_column_value():
    rows = good_rows(3)
    bad_code = rows[1][1][:-1] + ("0" if rows[1][1][-1] != "0" else "1")
    rows[1][1] = bad_code
    rows[2][2] = "基金会"  # kind disagrees with the code's 2nd character (2)
    result = importing.import_organizations(name="orgs.xlsx", data=xlsx(rows))
    assert SocialOrganization.objects.count() == 0
    messages = [str(e) for e in result.errors]
    assert any(
        m.startswith(f"第 3 行，“统一社会信用代码”列，值“{bad_code}”：") and "校验位不正确" in m
        for m in messages
    )
    assert any(m.startswith("第 4 行，“类型”列") and "与类型“基金会”不符" in m for m in messages)


@pytest.mark.django_db
def test_import_reports_duplicates_future_dates_unknown_town_and_grade():
    rows = good_rows(4)
    rows[1][1] = rows[0][1]
    rows[2][3] = "2999-01-01"
    rows[3][4] = "不存在镇"
    rows[3][8] = "6A"
    result = importing.validate_rows(importing.read_table("x.xlsx", xlsx(rows)))
    text = "\n".join(str(e) for e in result.errors)
    assert "第 3 行，“统一社会信用代码”列" in text and "与第 2 行的统一社会信用代码重复" in text
    assert "第 4 行，“登记日期”列，值“2999-01-01”：日期晚于今天" in text
    assert "第 5 行，“所属街镇”列，值“不存在镇”：不是本区的街镇" in text
    assert "第 5 行，“评估等级”列，值“6A”：评估等级应为 1A 至 5A" in text


@pytest.mark.django_db
def test_code_registered_outside_qingpu_is_a_warning_not_an_error():
    rows = good_rows(1)
    rows[0][1] = make_credit_code("2", 77, division="310104")
    result = importing.import_organizations(name="x.xlsx", data=xlsx(rows))
    assert result.errors == [] and result.created == 1
    assert "不是青浦区（310118）登记" in str(result.warnings[0])


@pytest.mark.django_db
def test_csv_import_works_in_utf8_and_gb18030():
    lines = [",".join(HEADER)] + [",".join(r) for r in good_rows(2)]
    text = "\n".join(lines)
    assert importing.import_organizations(name="x.csv", data=text.encode("utf-8-sig")).created == 2
    assert importing.import_organizations(name="x.csv", data=text.encode("gb18030")).unchanged == 2


@pytest.mark.django_db
def test_file_that_is_not_a_spreadsheet_is_refused():
    with pytest.raises(ApplicationError, match="不是有效的 Excel"):
        importing.read_table("x.xlsx", b"this is not a zip")
    with pytest.raises(ApplicationError, match="不是电子表格"):
        importing.read_table("x.pdf", b"%PDF-1.4")
    with pytest.raises(ApplicationError, match="不是文本格式的 CSV"):
        importing.read_table("x.csv", xlsx(good_rows(1)))


@pytest.mark.django_db
def test_missing_columns_are_named():
    with pytest.raises(ApplicationError, match="缺少必需的列：类型、登记日期"):
        importing.read_table(
            "x.xlsx", xlsx([], header=["名称", "统一社会信用代码", "所属街镇", "所属行业", "状态"])
        )


@pytest.mark.django_db
def test_file_over_the_size_limit_is_refused(settings):
    settings.IMPORT_MAX_BYTES = 1000
    with pytest.raises(ApplicationError, match="文件过大"):
        importing.read_table("x.xlsx", b"0" * 1001)


@pytest.mark.django_db
def test_export_round_trip_changes_nothing(client, world):
    client.force_login(world.users["bureau"])
    response = client.get(
        reverse("centers:organization_export") + "?street_town=" + str(world.own.street_town_id)
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]] == [*HEADER, "党组织覆盖情况", "覆盖情况日期"]
    assert sheet.max_row == 4  # the filter applies: only 朱家角镇's 3 organizations
    result = importing.import_organizations(name="export.xlsx", data=response.content)
    assert (result.errors, result.created, result.updated, result.unchanged) == ([], 0, 0, 3)


@pytest.mark.django_db
def test_template_example_rows_validate(client, world):
    client.force_login(world.users["bureau"])
    response = client.get(reverse("centers:organization_template"))
    result = importing.import_organizations(name="template.xlsx", data=response.content, dry_run=True)
    assert result.errors == [] and result.total == 2


@pytest.mark.django_db
def test_import_page_previews_then_commits(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.jobs import run_job
    from core.models import Job

    client.force_login(world.users["bureau"])
    before = SocialOrganization.objects.count()
    upload = SimpleUploadedFile("orgs.xlsx", xlsx(good_rows(2, start=500)))
    preview = client.post(reverse("centers:organization_import"), {"file": upload})
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "以下为前 2 行" in html and "青浦区测试组织1" in html and "确认导入" in html
    assert SocialOrganization.objects.count() == before
    queued = client.post(reverse("centers:organization_import_commit"))
    job = Job.objects.get(kind=importing.IMPORT_JOB_KIND)
    assert queued["Location"] == reverse("core:job_detail", args=[job.pk])
    run_job(str(job.pk), importing.organization_import_work)  # the worker's part, here in-process
    job.refresh_from_db()
    assert job.status == "succeeded" and "导入完成：新增 2 家" in job.log
    assert SocialOrganization.objects.count() == before + 2
    page = client.get(reverse("core:job_detail", args=[job.pk])).content.decode()
    assert "已处理 2 / 2 行，每秒" in page


@pytest.mark.django_db
def test_import_page_shows_row_errors_and_offers_no_commit(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(world.users["bureau"])
    rows = good_rows(1)
    rows[0][1] = "123"
    page = client.post(
        reverse("centers:organization_import"), {"file": SimpleUploadedFile("o.xlsx", xlsx(rows))}
    )
    html = page.content.decode()
    assert "统一社会信用代码应为 18 位" in html and "确认导入" not in html
    wrong = client.post(
        reverse("centers:organization_import"), {"file": SimpleUploadedFile("o.docx", b"PK..")}
    )
    assert "文件不是电子表格" in wrong.content.decode()


@pytest.mark.django_db
def test_management_command_dry_run_and_errors(tmp_path, capsys):
    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx(good_rows(2)))
    call_command("import_organizations", str(good), "--dry-run")
    assert SocialOrganization.objects.count() == 0
    call_command("import_organizations", str(good))
    assert SocialOrganization.objects.count() == 2
    rows = good_rows(1, start=900)
    rows[0][3] = "昨天"
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx(rows))
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_organizations", str(bad))
    assert exit_info.value.code != 0
    assert "第 2 行，“登记日期”列，值“昨天”" in capsys.readouterr().err
    assert SocialOrganization.objects.count() == 2


@pytest.mark.django_db
def test_rating_of_imported_organization_is_valid_five_years():
    importing.import_organizations(name="x.xlsx", data=xlsx(good_rows(1)))
    rating = RatingRecord.objects.get()
    assert (rating.rated_on, rating.valid_until) == (date(2023, 6, 1), date(2028, 6, 1))
