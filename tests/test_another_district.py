"""Another district by its data alone (issue 17): 松江区 loaded from a district file runs the registry,
compliance, an import, a cycle and its reports, and nothing a person reads says 青浦, 310118 or 1+11+X."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from accounts.roles import Role
from centers.choices import CenterLevel, CenterStatus, OrganizationKind, SupervisingUnitKind
from centers.codes import make_credit_code
from centers.models import District, ServiceCenter, SocialOrganization, StreetTown, SupervisingUnit
from core.testing import make_user

pytestmark = pytest.mark.django_db

SONGJIANG_FILE = Path(__file__).resolve().parent.parent / "centers" / "tests" / "data" / "songjiang.json"
SONGJIANG_STREET_TOWNS = [
    "岳阳街道",
    "永丰街道",
    "方松街道",
    "中山街道",
    "广富林街道",
    "九里亭街道",
    "泗泾镇",
    "佘山镇",
    "车墩镇",
    "新桥镇",
    "洞泾镇",
    "九亭镇",
    "泖港镇",
    "石湖荡镇",
    "新浜镇",
    "叶榭镇",
    "小昆山镇",
]
QINGPU_MARKS = ("青浦", "310118", "1+11+X", "朱家角")


def assert_no_qingpu(text: str, where: str) -> None:
    for mark in QINGPU_MARKS:
        assert mark not in text, f"{where} contains {mark!r}"


def load(*args) -> str:
    out = io.StringIO()
    call_command("load_district", *map(str, args), stdout=out)
    return out.getvalue()


@pytest.fixture
def songjiang(db):
    """The test database as a fresh 松江区 installation: Qingpu (loaded by migrate, nothing refers to it
    yet) replaced by the district file."""
    load(SONGJIANG_FILE, "--replace")
    return District.objects.get()


@pytest.fixture
def sj_centers(songjiang):
    bureau = SupervisingUnit.objects.get(kind=SupervisingUnitKind.BUREAU)
    centers = [
        ServiceCenter.objects.create(
            district=songjiang,
            level=CenterLevel.DISTRICT,
            name="松江区社会组织服务中心",
            supervising_unit=bureau,
            status=CenterStatus.OPERATING,
            established_on=date(2014, 6, 1),
        )
    ]
    for st in StreetTown.objects.filter(district=songjiang).select_related("supervising_unit"):
        centers.append(
            ServiceCenter.objects.create(
                district=songjiang,
                level=CenterLevel.STREET_TOWN,
                street_town=st,
                name=f"松江区{st.name}社会组织服务中心",
                supervising_unit=st.supervising_unit,
                status=CenterStatus.OPERATING,
                established_on=date(2015, 3, 1),
                credit_code=make_credit_code(OrganizationKind.PRIVATE_NON_ENTERPRISE, 5_000_000 + st.pk),
            )
        )
    for n, st in enumerate(StreetTown.objects.filter(district=songjiang)):
        SocialOrganization.objects.create(
            district=songjiang,
            name=f"松江区{st.name}邻里互助服务社",
            credit_code=make_credit_code(OrganizationKind.PRIVATE_NON_ENTERPRISE, 6_000_000 + n),
            kind=OrganizationKind.PRIVATE_NON_ENTERPRISE,
            registered_on=date(2020, 1, 1),
            street_town=st,
        )
    return centers


@pytest.fixture
def sj_people(sj_centers):
    yueyang = next(c for c in sj_centers if c.street_town and c.street_town.name == "岳阳街道")
    return {
        "bureau": make_user("sj_bureau", Role.BUREAU),
        "director": make_user("sj_director", Role.DIRECTOR, center=yueyang),
        "auditor": make_user("sj_auditor", Role.AUDITOR),
        "yueyang": yueyang,
    }


# ---- loading the district file -------------------------------------------------------------------


def test_load_district_replaces_the_unused_district_and_reports_what_it_created(db):
    out = load(SONGJIANG_FILE, "--replace")
    district = District.objects.get()
    assert (district.code, district.name, district.portal_name) == (
        "310117",
        "松江区",
        "松江区社会组织服务中心门户",
    )
    assert district.registration_authority_name == "松江区民政局（社团局）"
    assert (
        list(StreetTown.objects.order_by("sort_order").values_list("name", flat=True))
        == SONGJIANG_STREET_TOWNS
    )
    assert SupervisingUnit.objects.get(kind=SupervisingUnitKind.BUREAU).name == "松江区民政局"
    assert SupervisingUnit.objects.get(street_town__name="岳阳街道").name == "岳阳街道办事处"
    assert SupervisingUnit.objects.get(street_town__name="泗泾镇").name == "泗泾镇人民政府"
    assert set(
        SupervisingUnit.objects.filter(kind=SupervisingUnitKind.INDUSTRY_AUTHORITY).values_list(
            "name", flat=True
        )
    ) == {"松江区教育局", "松江区体育局"}
    assert "新增：区 松江区（310117）" in out and "新增：街镇 小昆山镇" in out
    assert "删除原有的青浦区（310118）" in out
    assert (
        "已新增 38 项" in out
    )  # the district, its bureau, 17 streets/towns, their 17 units, 2 industry units
    assert SupervisingUnit.objects.count() == 1 + 17 + 2
    from core.models import PolicyParameter

    sources = set(PolicyParameter.objects.values_list("source", flat=True))
    assert "松民〔2017〕12号《关于推进本区社会组织服务中心建设的实施意见》 三(一)" in sources
    assert not any("青民" in source for source in sources)
    assert District.objects.get().structure == "1+17+X"


def test_load_district_twice_changes_nothing(songjiang):
    out = load(SONGJIANG_FILE)
    assert "没有变化" in out and "已新增 0 项，已修改 0 项" in out


def test_load_district_dry_run_reports_and_writes_nothing(db):
    out = load(SONGJIANG_FILE, "--replace", "--dry-run")
    assert "（试运行，未写入）" in out and "新增：街镇 岳阳街道" in out
    assert list(District.objects.values_list("code", flat=True)) == ["310118"]
    assert not StreetTown.objects.filter(name="岳阳街道").exists()


def test_load_district_updates_the_database_and_reports_each_change(songjiang, tmp_path):
    data = json.loads(SONGJIANG_FILE.read_text(encoding="utf-8"))
    data["portal_name"] = "松江区社会组织服务平台"
    data["street_towns"].append({"name": "新城镇", "kind": "town", "code": "310117999"})
    changed = tmp_path / "songjiang.json"
    changed.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    out = load(changed)
    assert "修改：门户名称：“松江区社会组织服务中心门户” → “松江区社会组织服务平台”" in out
    assert "新增：街镇 新城镇" in out and "新增：业务主管单位 新城镇人民政府" in out
    assert District.objects.get().portal_name == "松江区社会组织服务平台"
    assert District.objects.get().structure == "1+18+X"


def test_a_second_district_is_refused_without_replace(db):
    with pytest.raises(CommandError) as exc:
        load(SONGJIANG_FILE)
    assert "数据库中已有青浦区（310118）" in str(exc.value) and "一套门户只服务一个区" in str(exc.value)
    assert list(District.objects.values_list("code", flat=True)) == ["310118"]


def test_replace_is_refused_once_data_refers_to_the_district(db):
    qingpu = District.objects.get()
    SocialOrganization.objects.create(
        district=qingpu,
        name="某协会",
        credit_code=make_credit_code("1", 1, division="310118"),
        kind="1",
        registered_on=date(2020, 1, 1),
        industry="文化",
    )
    with pytest.raises(CommandError) as exc:
        load(SONGJIANG_FILE, "--replace")
    assert "不能替换" in str(exc.value)
    assert list(District.objects.values_list("code", flat=True)) == ["310118"]


def _bad_file(tmp_path, mutate) -> Path:
    data = json.loads(SONGJIANG_FILE.read_text(encoding="utf-8"))
    mutate(data)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def _line_of(path: Path, fragment: str) -> int:
    return next(
        n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if fragment in line
    )


def test_a_wrong_street_code_is_refused_naming_the_line_and_the_fix(db, tmp_path):
    path = _bad_file(tmp_path, lambda d: d["street_towns"][3].update(code="31O117004"))
    with pytest.raises(CommandError) as exc:
        load(path, "--replace")
    message = str(exc.value)
    assert f"第 {_line_of(path, '31O117004')} 行" in message
    assert "“street_towns”（街镇） → 第 4 项 → “code”（区划代码）" in message and "9 位" in message
    assert "未载入任何数据" in message
    assert list(District.objects.values_list("code", flat=True)) == ["310118"]


def test_a_missing_field_and_a_misspelt_one_are_named(db, tmp_path):
    def mutate(d):
        del d["portal_name"]
        d["bureau"]["registration_authoriti"] = d["bureau"].pop("registration_authority")

    path = _bad_file(tmp_path, mutate)
    with pytest.raises(CommandError) as exc:
        load(path, "--replace")
    message = str(exc.value)
    assert "第 1 行：文件整体缺少 “portal_name”（门户名称）" in message
    line = _line_of(path, '"bureau"')
    assert f"第 {line} 行：“bureau”（区民政局）中有不认识的项 “registration_authoriti”，请检查拼写" in message
    assert f"第 {line} 行：“bureau”（区民政局）缺少 “registration_authority”（登记管理机关名称）" in message


def test_broken_json_names_line_and_column(db, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text(
        '{\n  "district": {"code": "310117", "name": "松江区"}\n  "bureau": {}\n}\n', encoding="utf-8"
    )
    with pytest.raises(CommandError) as exc:
        load(path)
    assert "第 3 行第 3 列不是正确的 JSON" in str(exc.value)


def test_a_street_outside_the_district_code_and_a_duplicate_are_refused(db, tmp_path):
    def mutate(d):
        d["street_towns"][0]["code"] = "310118001"
        d["street_towns"][5]["name"] = "岳阳街道"

    path = _bad_file(tmp_path, mutate)
    with pytest.raises(CommandError) as exc:
        load(path, "--replace")
    message = str(exc.value)
    assert f"第 {_line_of(path, '310118001')} 行" in message and "不以本区代码 310117 开头" in message
    assert "街镇“岳阳街道”重复" in message


def test_migrate_loads_the_district_file_named_by_district_file(settings, db):
    """DISTRICT_FILE decides what the post-migrate loader loads (here on an emptied reference)."""
    from centers.reference import load_reference_district

    SupervisingUnit.objects.all().delete()
    StreetTown.objects.all().delete()
    District.objects.all().delete()
    settings.DISTRICT_FILE = SONGJIANG_FILE
    load_reference_district()
    assert District.objects.get().code == "310117" and StreetTown.objects.count() == 17
    load_reference_district()  # twice: nothing new
    assert SupervisingUnit.objects.count() == 20


def test_migrate_with_another_districts_file_stops_with_the_reason(settings, db):
    from centers.reference import load_reference_district

    settings.DISTRICT_FILE = SONGJIANG_FILE
    with pytest.raises(CommandError) as exc:
        load_reference_district()
    assert str(exc.value).startswith(
        "DISTRICT_FILE：数据库中已有青浦区（310118），而文件是松江区（310117）的"
    )
    assert list(District.objects.values_list("code", flat=True)) == ["310118"]


# ---- one district per installation ----------------------------------------------------------------


def test_start_up_check_refuses_a_database_with_two_districts(db):
    from django.core.checks import run_checks
    from django.core.exceptions import ImproperlyConfigured

    from centers.selectors import current_district

    District.objects.create(code="310117", name="松江区")
    errors = [e for e in run_checks() if e.id == "centers.E001"]
    assert len(errors) == 1
    assert "数据库中有多个区：松江区（310117）、青浦区（310118）" in errors[0].msg
    assert "一套只服务一个区" in errors[0].msg
    with pytest.raises(ImproperlyConfigured):
        current_district()


def _foreign_street_town() -> StreetTown:
    """朱家角镇 of 青浦区 written behind the portal's back (bulk inserts send no signals, so the running
    process keeps serving 松江区) — what a second district in the database would offer."""
    from centers.selectors import current_district

    current_district()
    (other,) = District.objects.bulk_create([District(code="310118", name="青浦区")])
    (foreign,) = StreetTown.objects.bulk_create([StreetTown(district=other, name="朱家角镇", kind="town")])
    return foreign


def test_services_refuse_a_street_town_of_another_district(songjiang, sj_people):
    """An outsider row (another district's town) sneaked into the database is refused by the service."""
    from centers import services
    from core.errors import ApplicationError

    foreign = _foreign_street_town()
    center = ServiceCenter(district=songjiang)
    with pytest.raises(ApplicationError) as exc:
        services.center_save(
            center=center,
            data={"level": CenterLevel.STREET_TOWN, "name": "某中心", "street_town": foreign},
            actor=sj_people["bureau"],
        )
    assert "不属于松江区" in exc.value.fields["street_town"][0]
    with pytest.raises(ApplicationError) as exc:
        services.organization_save(
            organization=SocialOrganization(),
            data={
                "name": "某社",
                "credit_code": make_credit_code("2", 42),
                "kind": "2",
                "registered_on": date(2020, 1, 1),
                "street_town": foreign,
            },
            actor=sj_people["bureau"],
        )
    assert "不属于松江区" in exc.value.fields["street_town"][0]
    assert not ServiceCenter.objects.filter(name="某中心").exists()
    assert not SocialOrganization.objects.filter(name="某社").exists()


def test_center_form_offers_only_the_districts_towns_and_refuses_a_foreign_one(client, songjiang, sj_people):
    foreign = _foreign_street_town()
    client.force_login(sj_people["bureau"])
    page = client.get(reverse("centers:center_create")).content.decode()
    assert "岳阳街道" in page and "朱家角镇" not in page
    response = client.post(
        reverse("centers:center_create"),
        {"level": "street_town", "status": "operating", "name": "外区中心", "street_town": foreign.pk},
    )
    assert response.status_code == 200 and "选择一个有效的选项" in response.content.decode()
    assert not ServiceCenter.objects.filter(name="外区中心").exists()


# ---- everything a person reads --------------------------------------------------------------------


def test_pages_name_songjiang_and_never_qingpu(client, sj_people):
    client.force_login(sj_people["bureau"])
    center = sj_people["yueyang"]
    pages = {
        "home": reverse("core:home"),
        "overview": reverse("centers:overview"),
        "center list": reverse("centers:center_list"),
        "center": reverse("centers:center_detail", args=[center.pk]),
        "center form": reverse("centers:center_edit", args=[center.pk]),
        "organizations": reverse("centers:organization_list"),
        "organization form": reverse("centers:organization_create"),
        "cycles": reverse("evaluations:cycle_list"),
        "api docs": reverse("api-docs"),
    }
    for where, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, where
        text = response.content.decode()
        assert_no_qingpu(text, where)
        if where != "api docs":
            assert "<title>" in text and "松江区社会组织服务中心门户</title>" in text, where
            assert (
                "松江区民政局 · 依据松民〔2017〕12号《关于推进本区社会组织服务中心建设的实施意见》" in text
            ), where
    assert "1+17+X" in client.get(pages["overview"]).content.decode()
    assert "1+17+X" in client.get(pages["home"]).content.decode()
    assert "松民〔2017〕12号" in client.get(pages["cycles"]).content.decode()
    assert "松江区社会组织服务中心门户 API" in client.get(pages["api docs"]).content.decode()
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()
    assert schema["info"]["title"] == "松江区社会组织服务中心门户 API"


def test_public_pages_name_songjiangs_registration_authority(client, sj_people):
    center = sj_people["yueyang"]
    listing = client.get(reverse("disclosure:center_list")).content.decode()
    detail = client.get(reverse("disclosure:center_detail", args=[center.pk])).content.decode()
    assert "信息公开：松江区社会组织服务中心" in listing and "“1+17+X”" in listing
    assert "<dt>登记管理机关</dt><dd>松江区民政局（社团局）</dd>" in detail
    assert "依据松民〔2017〕12号" in detail
    assert_no_qingpu(listing, "public list")
    assert_no_qingpu(detail, "public detail")


def test_admin_header_is_the_districts_portal(client, songjiang):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("sj_admin", password="x" * 12)
    client.force_login(admin)
    text = client.get(reverse("admin:index")).content.decode()
    assert "松江区社会组织服务中心门户 管理后台" in text
    assert_no_qingpu(text, "admin")


def test_emails_are_sent_in_the_portals_name(songjiang, settings):
    from centers.selectors import sender_address

    settings.DEFAULT_FROM_EMAIL = "noreply@sj.example.org"
    assert sender_address() == "松江区社会组织服务中心门户 <noreply@sj.example.org>"
    settings.DEFAULT_FROM_EMAIL = "民政 <mz@sj.example.org>"
    assert sender_address() == "民政 <mz@sj.example.org>"


def test_compliance_judges_songjiangs_centers_with_its_own_numbers(client, sj_people):
    from centers.rules import evaluate_district

    cover = evaluate_district(District.objects.get(), 2025)
    text = json.dumps(cover, ensure_ascii=False, default=str)
    assert "17" in text
    assert_no_qingpu(text, "coverage")
    client.force_login(sj_people["bureau"])
    center = sj_people["yueyang"]
    data = client.get(reverse("center-compliance", args=[center.pk]), {"year": 2025}).json()
    assert_no_qingpu(json.dumps(data, ensure_ascii=False), "compliance API")
    assert data


# ---- import ----------------------------------------------------------------------------------------


def _csv(rows) -> bytes:
    from centers.importing import COLUMNS

    lines = [",".join(h for h, _ in COLUMNS)]
    lines += [",".join(row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def test_import_of_310117_codes_passes_without_warnings(songjiang, sj_people):
    from centers.importing import import_organizations

    rows = [
        [f"松江区测试社{i}", make_credit_code("2", 7_100_000 + i, division="310117"), "民办非企业单位",
         "2021-05-01", name, "", "正常", "", "", ""]
        for i, name in enumerate(SONGJIANG_STREET_TOWNS)
    ]  # fmt: skip
    result = import_organizations(name="orgs.csv", data=_csv(rows), actor=sj_people["bureau"])
    assert result.errors == [] and result.warnings == []
    assert result.created == 17
    assert (
        SocialOrganization.objects.filter(
            credit_code__startswith="52310117", name__startswith="松江区测试社"
        ).count()
        == 17
    )


def test_a_310118_code_is_now_the_one_warned_about(songjiang):
    from centers.validators import credit_code_warnings

    assert credit_code_warnings(make_credit_code("2", 1, division="310117")) == []
    (warning,) = credit_code_warnings(make_credit_code("2", 1, division="310118"))
    assert "不是松江区（310117）登记" in warning


def test_import_template_is_songjiangs_and_its_examples_validate(client, sj_people):
    from openpyxl import load_workbook

    from centers.importing import import_organizations

    client.force_login(sj_people["bureau"])
    response = client.get(reverse("centers:organization_template"))
    data = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(data)).active
    cells = " ".join(str(c.value or "") for row in sheet.iter_rows() for c in row)
    assert_no_qingpu(cells, "import template")
    assert "岳阳街道" in cells and "52310117" in cells
    result = import_organizations(name="template.xlsx", data=data, dry_run=True)
    assert result.errors == [] and result.warnings == []


def test_talent_template_names_songjiang(songjiang):
    from openpyxl import load_workbook

    from staffing.excel import talent_template

    sheet = load_workbook(io.BytesIO(talent_template())).active
    cells = " ".join(str(c.value or "") for row in sheet.iter_rows() for c in row)
    assert "松江区某社会工作服务社" in cells
    assert_no_qingpu(cells, "talent template")


# ---- a cycle and its reports -----------------------------------------------------------------------


def test_a_cycle_and_its_reports_say_songjiang_everywhere(sj_people, pdf_tools, tmp_path):
    from reports.builders import build_spec, cycle_report_subjects
    from reports.factories import build_published_cycle
    from reports.services import document_render
    from reports.tests.pdfcheck import pdf_text, write

    street_centers = list(ServiceCenter.objects.filter(level=CenterLevel.STREET_TOWN).order_by("pk"))[:3]
    cycle = build_published_cycle(
        year=2025, centers=street_centers, bureau=sj_people["bureau"], auditor=sj_people["auditor"]
    )
    seen = set()
    for kind, params, _label in cycle_report_subjects(cycle):
        if kind in seen:
            continue
        seen.add(kind)
        document = document_render(build_spec(kind, params))[0]
        path = write(document, tmp_path)
        text = pdf_text(path)
        flow = pdf_text(path, flow=True)
        assert_no_qingpu(text, kind)
        assert_no_qingpu(flow, kind)
        assert "松江区民政局（社团局）" in text, kind  # issuer
        assert "松江区社会组织服务中心门户" in flow, kind  # the signature's note
        import subprocess

        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
        assert "松江区社会组织服务中心门户" in info, kind  # Creator
        assert_no_qingpu(info, f"{kind} metadata")
        if kind == "district_summary":
            assert "松江区民政局2025年度街镇社会组织服务中心考评汇总报告" in flow
            assert "1+17+X" in flow
            assert "松江区民政局（社团局）（盖章）" in flow
        if kind == "center_report":
            assert "松江区民政局（社团局）（盖章）" in flow
    assert seen == {"center_report", "district_summary", "filing_sheet"}
    client_pages = [
        reverse("evaluations:cycle_detail", args=[cycle.pk]),
        reverse("evaluations:cycle_results", args=[cycle.pk]),
    ]
    from django.test import Client

    client = Client()
    client.force_login(sj_people["bureau"])
    for url in client_pages:
        response = client.get(url)
        assert response.status_code == 200
        assert_no_qingpu(response.content.decode(), url)


def test_test_pdf_is_songjiangs(songjiang, sj_people, pdf_tools, tmp_path):
    from core.jobs import run_job
    from reports.services import test_pdf_render, test_pdf_request
    from reports.tests.pdfcheck import pdf_text

    job = test_pdf_request(requester=sj_people["bureau"])
    run_job(str(job.pk), test_pdf_render)
    job.refresh_from_db()
    path = tmp_path / "test.pdf"
    path.write_bytes(job.output_file.read())
    text = pdf_text(path)
    assert "松江区社会组织服务中心门户" in text and "1+17+X" in text and "小昆山镇" in text
    assert_no_qingpu(text, "test pdf")


# ---- demo data -------------------------------------------------------------------------------------


def test_seed_demo_says_it_is_qingpus_and_loads_nothing_in_songjiang(songjiang):
    from accounts.models import User

    out, err = io.StringIO(), io.StringIO()
    call_command("seed_demo", stdout=out, stderr=err)
    assert (
        "演示数据是为青浦区（310118）编写的，本门户服务的是松江区（310117）：未载入演示数据" in err.getvalue()
    )
    assert not ServiceCenter.objects.exists() and not User.objects.filter(username="bureau").exists()


# ---- the district is read once per process -----------------------------------------------------------


def test_current_district_is_read_once_and_refreshed_when_saved(songjiang, django_assert_num_queries):
    from centers.selectors import clear_district_cache, current_district

    clear_district_cache()
    with django_assert_num_queries(1):
        assert current_district().structure == "1+17+X"
        assert current_district().structure == "1+17+X"
    district = District.objects.get()
    district.portal_name = "松江区社会组织服务平台"
    district.save()
    StreetTown.objects.create(district=district, name="新城镇", kind="town", sort_order=18)
    with django_assert_num_queries(1):
        assert current_district().portal_name == "松江区社会组织服务平台"
        assert current_district().structure == "1+18+X"


def test_pages_gain_no_query_for_the_district_once_it_is_read(client, sj_people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("disclosure:center_list")
    client.get(url)  # the process has read its district
    with CaptureQueriesContext(connection) as queries:
        text = client.get(url).content.decode()
    assert "松江区社会组织服务中心门户" in text
    assert not [q for q in queries.captured_queries if 'FROM "centers_district"' in q["sql"]]


def test_the_admin_offers_no_second_district(client, songjiang):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("sj_admin2", password="x" * 12)
    client.force_login(admin)
    assert client.get(reverse("admin:centers_district_add")).status_code == 403
    assert (
        client.post(reverse("admin:centers_district_add"), {"code": "310118", "name": "青浦区"}).status_code
        == 403
    )
    assert list(District.objects.values_list("code", flat=True)) == ["310117"]
    page = client.get(reverse("admin:centers_district_change", args=[songjiang.pk])).content.decode()
    assert "松江区社会组织服务中心门户" in page


def test_a_crawl_of_the_portal_as_songjiangs_bureau_finds_no_qingpu(client, sj_people):
    """Every page reachable by links from the bureau's home (with a published cycle), and the public
    pages, read as 松江区's bureau: none names 青浦, 310118 or 1+11+X."""
    import re

    from reports.factories import build_published_cycle

    street_centers = list(ServiceCenter.objects.filter(level=CenterLevel.STREET_TOWN).order_by("pk"))[:3]
    build_published_cycle(
        year=2025, centers=street_centers, bureau=sj_people["bureau"], auditor=sj_people["auditor"]
    )
    client.force_login(sj_people["bureau"])
    skip = re.compile(r"logout|/download|\.xlsx|\.zip|\.pdf|/files/|/static/|/media/|/admin/|/api/")
    queue, seen = ["/", "/public/"], set()
    while queue and len(seen) < 80:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code in (200, 302), url
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        text = response.content.decode()
        assert_no_qingpu(text, url)
        for link in re.findall(r'href="(/[^"#?]*)', text):
            if not skip.search(link) and link not in seen:
                queue.append(link)
    assert len(seen) >= 20
