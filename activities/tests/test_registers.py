"""Every register, from the user's and the outsider's side (parametrized over the declarations).

The owner (the center's own director) creates, edits and deletes through the pages and the API;
another center's director, an auditor and anonymous callers get 404 (or the login page) on every
route; the supervising unit and the bureau read but cannot write."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook
from rest_framework.authtoken.models import Token

from activities.registers import REGISTERS
from centers.choices import CenterLevel

D = "2025-03-01"


def sample(slug: str, world) -> dict:
    org = world["orgs"][0].pk
    return {
        "activity-teams": {
            "name": '=HYPERLINK("x")舞蹈队',
            "kind": "culture",
            "leader": "王芳",
            "contact": "13812345678",
            "members": 12,
            "venue": "社区文化中心",
            "filed_on": D,
            "status": "on_file",
            "status_on": "",
        },
        "early-warnings": {
            "organization": org,
            "category": "finance",
            "found_on": D,
            "source": "日常巡查",
            "steps": "2025-03-02 电话联系负责人",
            "closed_on": "",
            "outcome": "",
        },
        "site-inspections": {
            "applicant_name": "新申请社",
            "organization": "",
            "inspected_on": D,
            "inspectors": "张、王",
            "venue_checked": "某路1号",
            "conclusion": "pass",
        },
        "annual-inspections": {
            "organization": org,
            "year": 2025,
            "result": "pass",
            "inspected_on": D,
            "center_help": "reminder",
        },
        "trainings-held": {
            "topic": "信息员培训",
            "held_on": D,
            "kind": "officer",
            "trainees": 30,
            "organizations": [org],
        },
        "information-officers": {
            "organization": org,
            "name": "李明",
            "contact": "13900001111",
            "appointed_on": D,
            "trained_on": D,
        },
        "incubations": {
            "name": "孵化甲",
            "organization": "",
            "entered_on": D,
            "left_on": "",
            "support": "场地",
            "outcome": "ongoing",
        },
        "welfare-projects": {
            "title": "为老服务",
            "kind": "venture",
            "funder": "镇政府",
            "amount": "5.50",
            "started_on": D,
            "organizations": [org],
        },
        "needs-surveys": {
            "topic": "养老需求",
            "surveyed_on": D,
            "method": "questionnaire",
            "respondents": 50,
        },
        "community-meetings": {
            "kind": "joint",
            "held_on": D,
            "convened_by": "镇政府",
            "organizations": [org],
            "attendees": "各社会组织负责人",
            "topics": "年度工作",
        },
        "research-projects": {
            "title": "行业课题",
            "lead": "赵",
            "partners": "",
            "started_on": D,
            "finished_on": "",
            "outcome": "",
        },
        "credit-records": {
            "organization": world["industry_org"].pk,
            "kind": "commitment",
            "recorded_on": D,
            "result": "签署信用承诺书",
        },
        "guidance-visits": {
            "visited_center": world["a"].pk,
            "visited_on": D,
            "topics": "台账规范",
            "follow_up": "",
        },
    }[slug]


def owner(slug: str, world):
    """(center, its director, its supervising unit's user) of a center whose level keeps the register."""
    levels = REGISTERS[slug].levels
    if CenterLevel.STREET_TOWN in levels:
        return world["a"], world["director_a"], world["supervisor_a"]
    if CenterLevel.INDUSTRY in levels:
        return world["i"], world["director_i"], world["supervisor_i"]
    return world["d"], world["director_d"], world["supervisor_d"]


def page_client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user, backend="accounts.backends.PortalModelBackend")
    return client


def api_client(user=None) -> Client:
    client = Client()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    return client


def _create(slug, world):
    from activities import services

    register = REGISTERS[slug]
    center, director, _sup = owner(slug, world)
    data = {}
    for name, value in sample(slug, world).items():
        field = register.field(name)
        if field.many_to_many:
            value = list(field.related_model.objects.filter(pk__in=value))
        elif field.many_to_one:
            value = field.related_model.objects.filter(pk=value).first() if value else None
        elif value == "":
            value = None if field.null else ""
        elif hasattr(field, "to_python"):
            value = field.to_python(value)
        data[name] = value
    return services.register_create(register, center=center, actor=director, data=data)


SLUGS = list(REGISTERS)


@pytest.mark.parametrize("slug", SLUGS)
def test_the_owner_creates_edits_and_deletes_through_the_pages(world, slug):
    register = REGISTERS[slug]
    center, director, _sup = owner(slug, world)
    client = page_client(director)
    form = client.get(reverse("activities:create", args=[slug]))
    assert form.status_code == 200
    key = form.context["form"].initial["idempotency_key"]
    body = {**sample(slug, world), "idempotency_key": key}
    response = client.post(reverse("activities:create", args=[slug]), body)
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    row = register.model.objects.get(center=center)
    assert row.year == 2025
    first = register.fields[0] if not register.field(register.fields[0]).many_to_one else register.fields[-1]
    detail = client.get(reverse("activities:detail", args=[slug, row.pk]))
    assert detail.status_code == 200 and "变更记录" in detail.content.decode()
    edit_body = {**body, "version": row.version}
    edit_body.pop("idempotency_key")
    if (
        register.field(first).get_internal_type() in ("CharField", "TextField")
        and not register.field(first).choices
    ):
        edit_body[first] = "改后的内容"
    response = client.post(reverse("activities:edit", args=[slug, row.pk]), edit_body)
    assert response.status_code == 302, response.context["form"].errors
    row.refresh_from_db()
    assert row.version == 2
    response = client.post(reverse("activities:delete", args=[slug, row.pk]), {"version": 2})
    assert response.status_code == 302
    assert not register.model.objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize("slug", SLUGS)
def test_outsiders_get_404_and_readers_cannot_write(world, slug):
    row = _create(slug, world)
    _center, _director, supervisor = owner(slug, world)
    outsider = (
        world["director_b"]
        if slug in ("research-projects", "credit-records", "guidance-visits")
        else world["director_i"]
    )
    routes = [
        reverse("activities:detail", args=[slug, row.pk]),
        reverse("activities:edit", args=[slug, row.pk]),
        reverse("activities:delete", args=[slug, row.pk]),
    ]
    other_unit = world["supervisor_a"] if supervisor != world["supervisor_a"] else world["supervisor_i"]
    for user in (outsider, other_unit, world["auditor"]):
        client = page_client(user)
        for url in routes:
            assert client.get(url).status_code == 404, (user, url)
        assert client.post(routes[1], {}).status_code == 404
        assert (
            client.post(reverse("activities:attachment_upload", args=[slug, row.pk]), {}).status_code == 404
        )
        api = api_client(user)
        assert api.get(f"/api/v1/{slug}/{row.pk}/").status_code == 404
        assert (
            api.patch(
                f"/api/v1/{slug}/{row.pk}/", {"version": 1}, content_type="application/json"
            ).status_code
            == 404
        )
        assert api.delete(f"/api/v1/{slug}/{row.pk}/?version=1").status_code == 404
    for user in (outsider, other_unit):
        listed = page_client(user).get(reverse("activities:list", args=[slug]))
        assert listed.status_code == 200 and row not in [r["obj"] for r in listed.context["rows"]]
        ids = [r["id"] for r in api_client(user).get(f"/api/v1/{slug}/").json()["results"]]
        assert row.pk not in ids, (user, slug)
        exported = page_client(user).get(reverse("activities:export", args=[slug]))
        assert len(list(load_workbook(io.BytesIO(exported.content)).worksheets[0].iter_rows())) == 1
    assert api_client(world["auditor"]).get(f"/api/v1/{slug}/").status_code == 404
    anonymous = page_client()
    for url in [*routes, reverse("activities:list", args=[slug]), reverse("activities:export", args=[slug])]:
        response = anonymous.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url
    assert api_client().get(f"/api/v1/{slug}/{row.pk}/").status_code in (401, 403)
    assert api_client().get(f"/api/v1/{slug}/").status_code in (401, 403)
    for reader in (supervisor, world["bureau"]):
        client = page_client(reader)
        assert client.get(routes[0]).status_code == 200
        assert client.get(routes[1]).status_code == 404
        assert client.post(routes[2], {"version": 1}).status_code == 404
        assert client.get(reverse("activities:create", args=[slug])).status_code == 404
        api = api_client(reader)
        assert api.get(f"/api/v1/{slug}/{row.pk}/").json()["id"] == row.pk
        assert (
            api.patch(
                f"/api/v1/{slug}/{row.pk}/", {"version": 1}, content_type="application/json"
            ).status_code
            == 404
        )
        assert api.post(f"/api/v1/{slug}/", {}, content_type="application/json").status_code == 404
    assert REGISTERS[slug].model.objects.get(pk=row.pk).version == 1


@pytest.mark.parametrize("slug", ["needs-surveys", "welfare-projects"])
def test_the_owner_writes_through_the_api_with_versions(world, slug):
    _center, director, _sup = owner(slug, world)
    api = api_client(director)
    created = api.post(f"/api/v1/{slug}/", sample(slug, world), content_type="application/json")
    assert created.status_code == 201, created.json()
    body = created.json()
    stale = api.patch(f"/api/v1/{slug}/{body['id']}/", {"version": 0}, content_type="application/json")
    assert stale.status_code == 409
    first = REGISTERS[slug].fields[0]
    changed = api.patch(
        f"/api/v1/{slug}/{body['id']}/", {"version": 1, first: "改名"}, content_type="application/json"
    )
    assert changed.status_code == 200 and changed.json()["version"] == 2
    assert api.delete(f"/api/v1/{slug}/{body['id']}/?version=2").status_code == 204


def test_after_the_filing_is_submitted_that_years_rows_are_locked(world):
    from evaluations.choices import FilingState
    from evaluations.models import Cycle, Filing

    row = _create("needs-surveys", world)
    cycle = Cycle.objects.create(
        year=2025,
        filing_deadline=date(2026, 3, 31),
        review_deadline=date(2026, 4, 15),
        acceptance_deadline=date(2026, 4, 30),
        spot_check_deadline=date(2026, 5, 31),
    )
    filing = Filing.objects.create(cycle=cycle, center=world["a"], state=FilingState.SUBMITTED)
    client = page_client(world["director_a"])
    edited = client.post(
        reverse("activities:edit", args=["needs-surveys", row.pk]),
        {**sample("needs-surveys", world), "version": 1, "topic": "改"},
    )
    assert edited.status_code == 200 and "2025 年度的年度填报已提交" in edited.content.decode()
    deleted = client.post(reverse("activities:delete", args=["needs-surveys", row.pk]), {"version": 1})
    assert "2025 年度的年度填报已提交" in deleted.content.decode()
    api = api_client(world["director_a"])
    refused = api.post(
        "/api/v1/needs-surveys/", sample("needs-surveys", world), content_type="application/json"
    )
    assert refused.status_code == 400 and "年度填报已提交" in refused.json()["error"]["message"]
    detail = client.get(reverse("activities:detail", args=["needs-surveys", row.pk])).content.decode()
    assert reverse("activities:edit", args=["needs-surveys", row.pk]) not in detail
    # the next year's rows are open
    later = api.post(
        "/api/v1/needs-surveys/",
        {**sample("needs-surveys", world), "surveyed_on": "2026-01-05"},
        content_type="application/json",
    )
    assert later.status_code == 201
    # a returned filing opens the year again
    filing.state = FilingState.RETURNED
    filing.save()
    assert api.delete(f"/api/v1/needs-surveys/{row.pk}/?version=1").status_code == 204


def _xlsx(rows) -> io.BytesIO:
    workbook = Workbook()
    for r in rows:
        workbook.active.append(r)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "导入.xlsx"
    return buffer


def test_import_is_all_or_nothing_with_row_errors_in_chinese(world):
    from activities.models import ActivityTeam

    client = page_client(world["director_a"])
    template = client.get(reverse("activities:template", args=["activity-teams"]))
    header = [c.value for c in next(load_workbook(io.BytesIO(template.content)).worksheets[0].iter_rows())]
    assert header[:3] == ["团队名称", "团队类型", "负责人"]
    good = ["舞蹈队", "文体", "王芳", "13812345678", 12, "文化中心", "2025-03-01", "在册", ""]
    bad = ["合唱队", "唱歌", "李", "", 8, "", "2025-04-01", "在册", ""]
    response = client.post(
        reverse("activities:import", args=["activity-teams"]), {"file": _xlsx([header, good, bad])}
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "第 3 行，“团队类型”列，值“唱歌”" in text and "整份文件未导入" in text
    assert not ActivityTeam.objects.exists()
    response = client.post(
        reverse("activities:import", args=["activity-teams"]),
        {"file": _xlsx([header, good, good[:1] + good[1:]])},
    )
    assert response.status_code == 302
    assert ActivityTeam.objects.filter(center=world["a"]).count() == 2


def test_annual_inspections_import_the_bureaus_export_and_update_on_reimport(world):
    from activities.models import AnnualInspection

    orgs = world["orgs"]
    header = ["统一社会信用代码", "社会组织", "年检年度", "年检结果", "年检日期", "中心协助"]
    rows = [
        header,
        [orgs[0].credit_code, "", 2025, "合格", "2025-05-01", "提醒"],
        [orgs[1].credit_code, "", 2025, "未参检", "", "无"],
    ]
    client = page_client(world["director_a"])
    assert (
        client.post(
            reverse("activities:import", args=["annual-inspections"]), {"file": _xlsx(rows)}
        ).status_code
        == 302
    )
    rows[2][3] = "基本合格"
    assert (
        client.post(
            reverse("activities:import", args=["annual-inspections"]), {"file": _xlsx(rows)}
        ).status_code
        == 302
    )
    assert AnnualInspection.objects.get(organization=orgs[1]).get_result_display() == "基本合格"
    assert AnnualInspection.objects.count() == 2
    outside = [header, [world["other_org"].credit_code, "", 2025, "合格", "", "无"]]
    refused = client.post(reverse("activities:import", args=["annual-inspections"]), {"file": _xlsx(outside)})
    assert "文件中没有本中心辖区内的社会组织（已跳过辖区以外的 1 家），未导入。" in refused.content.decode()
    assert AnnualInspection.objects.count() == 2


def test_export_escapes_formulas_and_masks_phones_for_readers(world):
    _create("activity-teams", world)
    response = page_client(world["supervisor_a"]).get(reverse("activities:export", args=["activity-teams"]))
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    values = [c.value for c in list(sheet.iter_rows())[1]]
    assert values[2].startswith("'=HYPERLINK")
    assert "138****5678" in values
    own = page_client(world["director_a"]).get(reverse("activities:export", args=["activity-teams"]))
    assert "13812345678" in [
        c.value for c in list(load_workbook(io.BytesIO(own.content)).worksheets[0].iter_rows())[1]
    ]


def test_welfare_project_stages_go_in_order(world):
    from activities.models import WelfareProjectStage

    project = _create("welfare-projects", world)
    api = api_client(world["director_a"])
    url = f"/api/v1/welfare-projects/{project.pk}/stages/"
    early = api.post(
        url, {"stage": "approval", "done_on": "2025-03-05", "result": "立项"}, content_type="application/json"
    )
    assert early.status_code == 400
    assert "“立项”须在“资格预审”之后登记" in early.json()["error"]["message"]
    assert (
        api.post(
            url,
            {"stage": "materials", "done_on": "2025-03-02", "result": "齐全"},
            content_type="application/json",
        ).status_code
        == 201
    )
    before = api.post(
        url,
        {"stage": "prequalification", "done_on": "2025-03-01", "result": "通过"},
        content_type="application/json",
    )
    assert before.status_code == 400 and "早于上一环节“材料收集”" in str(before.json())
    client = page_client(world["director_a"])
    response = client.post(
        reverse("activities:stage_add", args=[project.pk]),
        {"stage": "prequalification", "done_on": "2025-03-04", "result": "通过"},
    )
    assert response.status_code == 302
    assert list(WelfareProjectStage.objects.filter(project=project).values_list("stage", flat=True)) == [
        "materials",
        "prequalification",
    ]
    assert (
        "资格预审"
        in client.get(reverse("activities:detail", args=["welfare-projects", project.pk])).content.decode()
    )


def test_open_warnings_show_their_age_and_over_30_days_are_flagged_on_the_center_page(world):
    from django.utils import timezone

    from activities.models import EarlyWarning

    today = timezone.localdate()
    old = EarlyWarning.objects.create(
        center=world["a"],
        organization=world["orgs"][0],
        category="finance",
        found_on=date.fromordinal(today.toordinal() - 45),
        source="举报",
    )
    EarlyWarning.objects.create(
        center=world["a"],
        organization=world["orgs"][1],
        category="complaint",
        found_on=date.fromordinal(today.toordinal() - 5),
        source="巡查",
    )
    client = page_client(world["supervisor_a"])
    listed = client.get(reverse("activities:list", args=["early-warnings"]))
    text = listed.content.decode()
    assert "45 天（未办结）" in text and "5 天（未办结）" in text
    assert text.count('data-overdue="1"') == 1
    page = client.get(reverse("centers:center_detail", args=[world["a"].pk])).content.decode()
    assert "超过 30 天未办结的预警 1 件" in page and "已 45 天未办结" in page
    assert old.organization.name in page


def test_the_registry_shows_organizations_missing_annual_inspection_one_and_two_years(world):
    from activities.models import AnnualInspection

    orgs = world["orgs"]
    AnnualInspection.objects.create(center=world["a"], organization=orgs[0], year=2025, result="pass")
    AnnualInspection.objects.create(center=world["a"], organization=orgs[1], year=2024, result="pass")
    AnnualInspection.objects.create(center=world["a"], organization=orgs[2], year=2024, result="absent")
    response = page_client(world["director_a"]).get(reverse("activities:missing_inspections") + "?year=2025")
    rows = {r["organization"].pk: r["two_years"] for r in response.context["rows"]}
    assert rows == {orgs[1].pk: False, orgs[2].pk: True}
    assert "连续一年未年检 1 家，连续两年未年检 1 家" in response.content.decode()
    # another center's director asking for A's list sees only their own center's
    other = page_client(world["director_b"]).get(
        reverse("activities:missing_inspections") + f"?center={world['a'].pk}&year=2025"
    )
    assert other.context["center"] == world["b"]
    assert [r["organization"] for r in other.context["rows"]] == [world["other_org"]]


@pytest.mark.parametrize("slug", SLUGS)
def test_list_queries_are_constant_in_the_number_of_rows(world, slug, django_assert_num_queries):
    """7 queries for any list (session, user, role, permissions, the reader's centers, count, rows, phones' centers
    …), one more for a register with organizations (prefetched): the same for 1 row and for 4."""
    _center, _director, supervisor = owner(slug, world)
    client = page_client(supervisor)
    url = reverse("activities:list", args=[slug])
    expected = 7 + (1 if REGISTERS[slug].m2m else 0)
    _create(slug, world)
    client.get(url)  # warm the session and the role
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200
    from activities.models import AnnualInspection, InformationOfficer

    for org in world["orgs"][1:]:  # one row per organization there: the larger size comes from others
        if slug == "annual-inspections":
            AnnualInspection.objects.create(center=world["a"], organization=org, year=2025, result="pass")
        elif slug == "information-officers":
            InformationOfficer.objects.create(
                center=world["a"], organization=org, name="王", appointed_on=date(2025, 1, 2)
            )
        else:
            _create(slug, world)
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert len(response.context["rows"]) == 3


def test_evidence_is_uploaded_checked_and_served_only_to_readers(world, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path)}},
    }
    row = _create("needs-surveys", world)
    owner_client = page_client(world["director_a"])
    url = reverse("activities:attachment_upload", args=["needs-surveys", row.pk])
    fake = SimpleUploadedFile("报告.pdf", b"<html>not a pdf</html>")
    response = owner_client.post(url, {"file": fake}, follow=True)
    assert "只接受 PDF、JPEG、PNG、DOCX、XLSX 文件" in response.content.decode()
    pdf = SimpleUploadedFile("调研报告.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF")
    assert owner_client.post(url, {"file": pdf}).status_code == 302
    from activities.models import Attachment

    attachment = Attachment.objects.get()
    download = reverse("activities:attachment_download", args=[attachment.pk])
    assert page_client(world["supervisor_a"]).get(download).status_code == 200
    assert page_client(world["director_b"]).get(download).status_code == 404
    assert (
        page_client(world["supervisor_a"])
        .post(reverse("activities:attachment_delete", args=[attachment.pk]))
        .status_code
        == 404
    )


def test_the_demo_seed_is_idempotent_and_gives_center_a_every_street_town_register(demo):
    import io as _io

    from activities import demo as activities_demo
    from centers.models import ServiceCenter

    center_a = ServiceCenter.objects.get(street_town__name="朱家角镇", level="street_town")
    for register in REGISTERS.values():
        if center_a.level in register.levels:
            assert register.model.objects.filter(center=center_a, year=2025).exists() or register.slug in (
                "activity-teams",
                "information-officers",
            ), register.slug
    out = _io.StringIO()
    activities_demo.seed(stdout=out, password="")
    assert "新增 0 条" in out.getvalue()


def _submitted_2025(center):
    from evaluations.choices import FilingState
    from evaluations.models import Cycle, Filing

    cycle = Cycle.objects.filter(year=2025).first() or Cycle.objects.create(
        year=2025,
        filing_deadline=date(2026, 3, 31),
        review_deadline=date(2026, 4, 15),
        acceptance_deadline=date(2026, 4, 30),
        spot_check_deadline=date(2026, 5, 31),
    )
    return Filing.objects.create(cycle=cycle, center=center, state=FilingState.SUBMITTED)


def test_a_team_of_a_submitted_year_is_cancelled_later_without_rewriting_that_year(world):
    """A team filed in 2025 whose filing is submitted can be marked 已注销 in 2026: only its status
    and date change, the date must be in an open year, and 2025's count stays as it was frozen."""
    from activities.figures import register_figures
    from core.audit import entries_for

    row = _create("activity-teams", world)
    _submitted_2025(world["a"])
    client = page_client(world["director_a"])
    detail = client.get(reverse("activities:detail", args=["activity-teams", row.pk])).content.decode()
    edit = reverse("activities:edit", args=["activity-teams", row.pk])
    assert edit in detail and "登记后续情况" in detail
    assert reverse("activities:delete", args=["activity-teams", row.pk]) not in detail
    body = {**sample("activity-teams", world), "version": 1}
    page = client.get(edit).content.decode()
    assert "该记录只能登记后续情况（状态、注销日期）" in page
    assert 'name="name"' in page and "disabled" in page.split('name="name"')[1].split(">")[0]
    client.post(edit, {**body, "name": "改名舞蹈队", "members": 30})  # the disabled fields are ignored
    row.refresh_from_db()
    assert row.name == '=HYPERLINK("x")舞蹈队' and row.members == 12
    api = api_client(world["director_a"])
    refused = api.patch(
        f"/api/v1/activity-teams/{row.pk}/",
        {"version": row.version, "members": 30},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert "只能登记后续情况（状态、注销日期）" in refused.json()["error"]["message"]
    body["version"] = row.version
    inside = client.post(edit, {**body, "status": "cancelled", "status_on": "2025-11-01"})
    assert "注销日期 2025-11-01 在已提交的 2025 年度内" in inside.content.decode()
    row.refresh_from_db()
    assert row.status == "on_file"
    done = client.post(edit, {**body, "status": "cancelled", "status_on": "2026-03-01"})
    assert done.status_code == 302
    row.refresh_from_db()
    assert (
        row.status == "cancelled"
        and str(row.status_on) == "2026-03-01"
        and row.version == body["version"] + 1
    )
    assert row.year == 2025 and row.name == '=HYPERLINK("x")舞蹈队'
    assert entries_for(row).filter(action="activities.activityteam.updated").exists()
    assert register_figures(world["a"], 2025)["activity_teams_on_file"]["value"] == 1
    assert register_figures(world["a"], 2026)["activity_teams_on_file"]["value"] == 0
    # the cancellation, once in an open year, cannot be moved back into the submitted one
    back = api.patch(
        f"/api/v1/activity-teams/{row.pk}/",
        {"version": row.version, "status_on": "2025-12-01"},
        content_type="application/json",
    )
    assert back.status_code == 400 and "2025 年度" in str(back.json())
    deleted = client.post(
        reverse("activities:delete", args=["activity-teams", row.pk]), {"version": row.version}
    )
    assert "2025 年度的年度填报已提交" in deleted.content.decode()
    assert type(row).objects.filter(pk=row.pk).exists()


def test_a_warning_of_a_submitted_year_is_closed_in_the_next_one(world):
    from activities.figures import register_figures
    from activities.models import EarlyWarning

    row = EarlyWarning.objects.create(
        center=world["a"],
        organization=world["orgs"][0],
        category="finance",
        found_on=date(2025, 12, 20),
        source="日常巡查",
        steps="2025-12-21 电话联系负责人",
    )
    _submitted_2025(world["a"])
    api = api_client(world["director_a"])
    closed = api.patch(
        f"/api/v1/early-warnings/{row.pk}/",
        {
            "version": 1,
            "steps": "2025-12-21 电话联系负责人\n2026-01-08 约谈负责人",
            "closed_on": "2026-01-10",
            "outcome": "已补交财务报告",
        },
        content_type="application/json",
    )
    assert closed.status_code == 200, closed.json()
    row.refresh_from_db()
    assert str(row.closed_on) == "2026-01-10" and row.year == 2025
    assert register_figures(world["a"], 2026)["early_warnings_handled"]["row_ids"] == [row.pk]
    moved = api.patch(
        f"/api/v1/early-warnings/{row.pk}/",
        {"version": 2, "category": "complaint"},
        content_type="application/json",
    )
    assert moved.status_code == 400
    row.refresh_from_db()
    assert row.category == "finance"


def test_the_organization_registry_filters_and_shows_missing_annual_inspections(world):
    """The registry list (centers' 社会组织名录) has a 年检 column and filter: missing the year, and
    missing two years in a row; with a link to the full list of the missing."""
    from activities.models import AnnualInspection

    orgs = world["orgs"]
    AnnualInspection.objects.create(center=world["a"], organization=orgs[0], year=2025, result="pass")
    AnnualInspection.objects.create(center=world["a"], organization=orgs[1], year=2024, result="basic")
    AnnualInspection.objects.create(center=world["a"], organization=orgs[2], year=2024, result="absent")
    client = page_client(world["director_a"])
    url = reverse("centers:organization_list")
    page = client.get(url, {"inspection_year": 2025})
    html = page.content.decode()
    assert "2025 年检" in html and "合格" in html
    row = {o.pk: o.inspection for o in page.context["page"].object_list}
    assert row[orgs[0].pk] == "2025 年合格"
    assert row[orgs[1].pk] == "2025 年未年检"
    assert row[orgs[2].pk] == "连续两年未年检（2024、2025）"
    assert reverse("activities:missing_inspections") + "?year=2025" in html
    missing = client.get(url, {"inspection_year": 2025, "annual_inspection": "missing"})
    assert {o.pk for o in missing.context["page"].object_list} == {orgs[1].pk, orgs[2].pk}
    two = client.get(url, {"inspection_year": 2025, "annual_inspection": "two_years"})
    assert [o.pk for o in two.context["page"].object_list] == [orgs[2].pk]
    assert "连续两年未年检（2024、2025）" in two.content.decode()
    # another center's director: only their own area, the column says the same rule
    other = page_client(world["director_b"]).get(
        url, {"inspection_year": 2025, "annual_inspection": "missing"}
    )
    assert [o.pk for o in other.context["page"].object_list] == [world["other_org"].pk]


def test_the_registry_list_queries_stay_constant_with_the_inspection_column(world, django_assert_num_queries):
    from activities.models import AnnualInspection
    from centers.tests import factories as cf

    client = page_client(world["bureau"])
    url = reverse("centers:organization_list") + "?inspection_year=2025"
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for org in cf.organizations(8, street_town_obj=world["a"].street_town):
        AnnualInspection.objects.create(center=world["a"], organization=org, year=2025, result="pass")
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert sum(1 for o in response.context["page"].object_list if o.inspection == "2025 年合格") == 8


def test_the_bureaus_annual_inspection_export_imports_as_it_comes(world):
    """The district's 年检 export as the bureau hands it out: a title and a date line above the
    header, its own column names (社会组织名称, 年检结论, 结论日期…), columns the register does not
    keep, “2025年度” for the year, dates as Excel dates and as text, and every organization of the
    district — those outside the center's area are skipped and counted, not refused."""
    from datetime import datetime

    from activities.models import AnnualInspection

    orgs = world["orgs"]
    header = [
        "序号",
        "社会组织名称",
        "统一社会信用代码",
        "登记管理机关",
        "业务主管单位",
        "年检年度",
        "年检结论",
        "结论日期",
        "备注",
    ]
    rows = [
        ["青浦区2025年度社会组织年检结果汇总表"],
        ["导出时间：2026-06-30", None, None, None, None, None, None, None, None],
        header,
        [
            1,
            orgs[0].name,
            orgs[0].credit_code,
            "青浦区民政局",
            "镇政府",
            "2025年度",
            "合格",
            datetime(2026, 5, 20),
            "",
        ],
        [
            2,
            orgs[1].name,
            orgs[1].credit_code,
            "青浦区民政局",
            "镇政府",
            2025,
            "基本合格",
            "2026/05/21",
            "整改财务制度",
        ],
        [
            3,
            world["other_org"].name,
            world["other_org"].credit_code,
            "青浦区民政局",
            "镇政府",
            2025,
            "合格",
            "",
            "",
        ],
        [
            4,
            orgs[2].name,
            orgs[2].credit_code,
            "青浦区民政局",
            "镇政府",
            "2025年度",
            "未参检",
            "",
            "联系不上",
        ],
    ]
    client = page_client(world["director_a"])
    url = reverse("activities:import", args=["annual-inspections"])
    response = client.post(url, {"file": _xlsx(rows)}, follow=True)
    text = response.content.decode()
    assert "导入完成：新增 3 条，更新 0 条" in text and "跳过本中心辖区以外的社会组织 1 家" in text
    got = {
        a.organization_id: (a.year, a.result, a.inspected_on, a.center_help)
        for a in AnnualInspection.objects.filter(center=world["a"])
    }
    assert got == {
        orgs[0].pk: (2025, "pass", date(2026, 5, 20), "none"),
        orgs[1].pk: (2025, "basic", date(2026, 5, 21), "none"),
        orgs[2].pk: (2025, "absent", None, "none"),
    }
    # the results that come in later: the same file again updates the rows
    rows[6][6], rows[6][7] = "合格", "2026-07-02"
    response = client.post(url, {"file": _xlsx(rows)}, follow=True)
    assert "导入完成：新增 0 条，更新 3 条" in response.content.decode()
    assert AnnualInspection.objects.get(organization=orgs[2]).result == "pass"
    # a code the registry does not know is an error naming the sheet's row and column; nothing saved
    rows.append([5, "不存在的社会组织", "52310118MJ0000XXXX", "青浦区民政局", "", 2025, "合格", "", ""])
    rows[3][6] = "不合格"
    refused = client.post(url, {"file": _xlsx(rows)})
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "第 8 行，“统一社会信用代码”列" in body and "整份文件未导入" in body
    assert AnnualInspection.objects.get(organization=orgs[0]).result == "pass"


@pytest.mark.parametrize("slug", SLUGS)
def test_api_list_queries_are_pinned_and_constant_in_the_number_of_rows(
    world, slug, django_assert_num_queries
):
    """The API list of every register: the same pinned number of queries for 1 row and for 3."""
    from activities.models import AnnualInspection, InformationOfficer

    _center, _director, supervisor = owner(slug, world)
    api = api_client(supervisor)
    url = f"/api/v1/{slug}/"
    expected = API_LIST_QUERIES[slug]
    first = _create(slug, world)
    if slug == "welfare-projects":
        from activities.models import WelfareProjectStage

        WelfareProjectStage.objects.create(
            project=first, stage="materials", done_on=date(2025, 3, 2), result="齐全"
        )
    api.get(url)
    with django_assert_num_queries(expected):
        assert api.get(url).status_code == 200
    for org in world["orgs"][1:]:
        if slug == "annual-inspections":
            AnnualInspection.objects.create(center=world["a"], organization=org, year=2025, result="pass")
        elif slug == "information-officers":
            InformationOfficer.objects.create(
                center=world["a"], organization=org, name="王", appointed_on=date(2025, 1, 2)
            )
        else:
            row = _create(slug, world)
            if slug == "welfare-projects":
                WelfareProjectStage.objects.create(
                    project=row, stage="materials", done_on=date(2025, 3, 2), result="齐全"
                )
    with django_assert_num_queries(expected):
        response = api.get(url)
    assert response.json()["count"] == 3


# session, user, token, count, rows, the reader's centers for the phones' mask … (5); one more for a
# register with organizations (prefetched), one more for the welfare projects' stages (prefetched).
API_LIST_QUERIES = {
    slug: 5 + (1 if REGISTERS[slug].m2m else 0) + (1 if slug == "welfare-projects" else 0) for slug in SLUGS
}


def test_an_organization_in_a_register_links_to_its_registry_entry(world):
    from urllib.parse import quote

    from activities.models import EarlyWarning, SiteInspection

    org = world["orgs"][0]
    warning = EarlyWarning.objects.create(
        center=world["a"], organization=org, category="finance", found_on=date(2025, 3, 1), source="巡查"
    )
    inspection = SiteInspection.objects.create(
        center=world["a"],
        applicant_name="新申请社",
        organization=org,
        inspected_on=date(2025, 3, 2),
        inspectors="张",
        venue_checked="某路1号",
        conclusion="pass",
    )
    link = f"{reverse('centers:organization_list')}?q={quote(org.credit_code)}"
    client = page_client(world["supervisor_a"])
    listed = client.get(reverse("activities:list", args=["early-warnings"])).content.decode()
    assert f'<a href="{link}">{org.name}</a>' in listed
    detail = client.get(
        reverse("activities:detail", args=["site-inspections", inspection.pk])
    ).content.decode()
    assert f'<a href="{link}">{org.name}</a>' in detail
    assert warning.pk
