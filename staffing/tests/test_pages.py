"""Pages: the permission matrix (outsider → 404), masking per role, the lost-update refusal, bad input."""

from datetime import date

import pytest
from django.urls import reverse

from core.models import AuditEntry
from staffing.models import StaffMember

pytestmark = pytest.mark.django_db

CENTER_READ = ["staffing:roster", "staffing:roster_export", "staffing:training_list"]
CENTER_WRITE = ["staffing:member_create", "staffing:training_create"]
MEMBER_READ = ["staffing:member_detail"]
MEMBER_WRITE = ["staffing:member_edit", "staffing:member_end", "staffing:member_delete"]
OWN_CENTER_AND_BUREAU = ["staffing:contract_download"]
TALENT_READ = ["staffing:talent_list", "staffing:talent_export"]
TALENT_KEEPER = ["staffing:talent_create", "staffing:talent_import", "staffing:talent_template"]
TALENT_OBJECT_KEEPER = ["staffing:talent_edit", "staffing:talent_delete"]


def urls(world):
    a, chen, t, p = world["a"], world["chen"], world["training"], world["talent"]
    out = {}
    out.update({n: reverse(n, args=[a.pk]) for n in CENTER_READ + CENTER_WRITE})
    out.update({n: reverse(n, args=[chen.pk]) for n in MEMBER_READ + MEMBER_WRITE + OWN_CENTER_AND_BUREAU})
    out["staffing:training_edit"] = reverse("staffing:training_edit", args=[t.pk])
    out["staffing:training_delete"] = reverse("staffing:training_delete", args=[t.pk])
    out["staffing:district_table"] = reverse("staffing:district_table")
    out.update({n: reverse(n) for n in TALENT_READ + TALENT_KEEPER})
    out.update({n: reverse(n, args=[p.pk]) for n in TALENT_OBJECT_KEEPER})
    return out


ALL = (
    CENTER_READ
    + CENTER_WRITE
    + MEMBER_READ
    + MEMBER_WRITE
    + OWN_CENTER_AND_BUREAU
    + ["staffing:training_edit", "staffing:training_delete", "staffing:district_table"]
    + TALENT_READ
    + TALENT_KEEPER
    + TALENT_OBJECT_KEEPER
)
ALLOWED = {
    "bureau": set(ALL),
    "director": set(CENTER_READ + CENTER_WRITE + MEMBER_READ + MEMBER_WRITE + OWN_CENTER_AND_BUREAU)
    | {"staffing:training_edit", "staffing:training_delete"}
    | set(TALENT_READ),
    "supervisor": set(CENTER_READ + MEMBER_READ) | set(TALENT_READ),
    "outsider": set(TALENT_READ),
    "auditor": set(),
    "district_director": set(TALENT_READ + TALENT_KEEPER + TALENT_OBJECT_KEEPER),
}


@pytest.mark.parametrize("role", list(ALLOWED))
def test_permission_matrix_for_every_page(client, world, role):
    client.force_login(world[role])
    for name, url in urls(world).items():
        status = client.get(url).status_code
        expected = 200 if name in ALLOWED[role] else 404
        assert status == expected, f"{role} GET {name}: {status} != {expected}"


def test_anonymous_is_sent_to_login(client, world):
    for name, url in urls(world).items():
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], name


def test_outsider_cannot_post_changes_to_another_centers_roster(client, world):
    client.force_login(world["outsider"])
    chen = world["chen"]
    response = client.post(
        reverse("staffing:member_end", args=[chen.pk]), {"end_date": "2026-01-01", "version": 1}
    )
    assert response.status_code == 404
    response = client.post(
        reverse("staffing:member_create", args=[world["a"].pk]),
        {"name": "入侵者", "kind": "full_time", "position": "other", "start_date": "2026-01-01"},
    )
    assert response.status_code == 404
    chen.refresh_from_db()
    assert chen.end_date is None and not StaffMember.objects.filter(name="入侵者").exists()


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        ("director", "13812345678"),
        ("bureau", "13812345678"),
        ("supervisor", "138****5678"),
    ],
)
def test_phones_are_masked_except_for_own_center_and_bureau(client, world, role, shown):
    client.force_login(world[role])
    html = client.get(reverse("staffing:roster", args=[world["a"].pk])).content.decode()
    assert shown in html
    if "*" in shown:
        assert "13812345678" not in html
        assert reverse("staffing:contract_download", args=[world["chen"].pk]) not in html


@pytest.mark.parametrize(
    ("role", "masked"), [("director", True), ("district_director", False), ("bureau", False)]
)
def test_talent_pool_phones_masked_except_keeper_and_bureau(client, world, role, masked):
    client.force_login(world[role])
    html = client.get(reverse("staffing:talent_list")).content.decode()
    assert ("139****1111" in html) is masked
    assert ("13900001111" in html) is not masked


def test_roster_export_is_masked_for_supervisor_and_logged(client, world):
    import io

    from openpyxl import load_workbook

    client.force_login(world["supervisor"])
    response = client.get(reverse("staffing:roster_export", args=[world["a"].pk]))
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    phones = [row[14] for row in ws.iter_rows(min_row=3, values_only=True)]
    assert "138****5678" in phones and "13812345678" not in phones
    entry = AuditEntry.objects.get(action="staffing.export.roster")
    assert entry.actor == world["supervisor"] and entry.data == {"rows": 2, "phones_masked": True}


def test_roster_at_a_past_date_shows_who_was_employed_then(client, world):
    a = world["a"]
    StaffMember.objects.create(
        center=a, name="早已离职", kind="part_time", start_date=date(2019, 1, 1), end_date=date(2020, 12, 31)
    )
    client.force_login(world["director"])
    past = client.get(reverse("staffing:roster", args=[a.pk]), {"on": "2020-06-01"}).content.decode()
    assert "早已离职" in past and "陈洁" in past and "王芳" not in past
    now = client.get(reverse("staffing:roster", args=[a.pk])).content.decode()
    assert "早已离职" not in now and "王芳" in now


def _edit_data(member, **overrides):
    data = {
        "name": member.name,
        "kind": member.kind,
        "position": member.position,
        "start_date": member.start_date.isoformat(),
        "monthly_pay": str(member.monthly_pay or ""),
        "post_grade": member.post_grade,
        "mobile_phone": member.mobile_phone,
        "version": member.version,
    }
    if member.is_legal_representative:
        data["is_legal_representative"] = "on"
    data.update(overrides)
    return data


def test_second_save_of_the_same_record_is_refused(client, world):
    chen = world["chen"]
    client.force_login(world["director"])
    url = reverse("staffing:member_edit", args=[chen.pk])
    first = _edit_data(chen, post_grade="二岗4级")
    second = _edit_data(chen, post_grade="一岗1级")  # opened at the same version
    assert client.post(url, first).status_code == 302
    response = client.post(url, second)
    assert response.status_code == 200
    assert "已被他人修改" in response.content.decode()
    chen.refresh_from_db()
    assert chen.post_grade == "二岗4级" and chen.version == 2


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"monthly_pay": "-100"}, "monthly_pay", "月薪酬不能为负数"),
        ({"monthly_pay": "990000"}, "monthly_pay", "超出合理范围"),
        ({"end_date": "2019-01-01"}, "end_date", "早于入职日期"),
        ({"kind": "volunteer", "monthly_pay": "500", "post_grade": ""}, "monthly_pay", "志愿者不支薪"),
        ({"mobile_phone": "12345"}, "mobile_phone", "不是有效的大陆手机号或固定电话"),
        ({"mobile_phone": "2345678901"}, "mobile_phone", "不是有效的大陆手机号或固定电话"),
        ({"is_rehired": "on"}, "is_rehired", "返聘人员属于劳务人员"),
    ],
)
def test_bad_input_gets_a_chinese_message_naming_the_field_and_nothing_is_saved(
    client, world, overrides, field, message
):
    chen = world["chen"]
    client.force_login(world["director"])
    response = client.post(reverse("staffing:member_edit", args=[chen.pk]), _edit_data(chen, **overrides))
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in e for e in form.errors[field]), form.errors
    fresh = StaffMember.objects.get(pk=chen.pk)
    assert fresh.version == 1 and fresh.monthly_pay == chen.monthly_pay and fresh.kind == chen.kind


def test_landline_with_area_code_is_accepted(client, world):
    chen = world["chen"]
    client.force_login(world["director"])
    response = client.post(
        reverse("staffing:member_edit", args=[chen.pk]), _edit_data(chen, mobile_phone="021-59721234")
    )
    assert response.status_code == 302
    assert StaffMember.objects.get(pk=chen.pk).mobile_phone == "021-59721234"


def test_director_adds_ends_and_cannot_delete_a_person_from_a_past_year(client, world):
    a = world["a"]
    client.force_login(world["director"])
    response = client.post(
        reverse("staffing:member_create", args=[a.pk]),
        {
            "name": "新同事",
            "kind": "full_time",
            "position": "project",
            "start_date": "2026-02-01",
            "post_grade": "三岗2级",
            "monthly_pay": "7000",
            "mobile_phone": "13700001234",
            "idempotency_key": "0c6a1d52-8d2b-4f0e-b7c6-3f5e2a1b9c10",
        },
    )
    assert response.status_code == 302
    new = StaffMember.objects.get(name="新同事")
    assert new.center == a and new.history.count() == 1
    assert AuditEntry.objects.filter(action="staffing.member.created", object_id=str(new.pk)).exists()

    chen = world["chen"]
    response = client.post(
        reverse("staffing:member_end", args=[chen.pk]), {"end_date": "2026-06-30", "version": 1}
    )
    assert response.status_code == 302
    chen.refresh_from_db()
    assert chen.end_date == date(2026, 6, 30)

    response = client.post(reverse("staffing:member_delete", args=[chen.pk]), {"version": chen.version})
    assert response.status_code == 200 and "不能删除" in response.content.decode()
    assert StaffMember.objects.filter(pk=chen.pk).exists()


def test_a_mistaken_entry_of_this_year_can_be_deleted(client, world, settings):
    from django.utils import timezone

    a = world["a"]
    mistake = StaffMember.objects.create(
        center=a, name="误录", kind="volunteer", start_date=timezone.localdate()
    )
    client.force_login(world["director"])
    response = client.post(reverse("staffing:member_delete", args=[mistake.pk]), {"version": 1})
    assert response.status_code == 302
    assert not StaffMember.objects.filter(pk=mistake.pk).exists()
    assert AuditEntry.objects.filter(action="staffing.member.deleted").exists()


def test_contract_download_is_logged(client, world):
    client.force_login(world["bureau"])
    response = client.get(reverse("staffing:contract_download", args=[world["chen"].pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    assert AuditEntry.objects.filter(
        action="staffing.member.contract_downloaded", actor=world["bureau"]
    ).exists()


def test_contract_upload_refuses_a_file_that_is_not_pdf_or_image(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    chen = world["chen"]
    client.force_login(world["director"])
    data = _edit_data(chen, contract=SimpleUploadedFile("合同.pdf", b"MZ\x90\x00 not a pdf"))
    response = client.post(reverse("staffing:member_edit", args=[chen.pk]), data)
    assert response.status_code == 200
    assert "只接受 PDF、JPEG、PNG、DOCX、XLSX 文件" in " ".join(response.context["form"].errors["contract"])


def test_district_table_lists_every_center_in_constant_queries(client, world, django_assert_max_num_queries):
    from .factories import member, street_town_center

    for name in ("练塘镇", "赵巷镇", "徐泾镇"):
        member(street_town_center(name))
    client.force_login(world["bureau"])
    url = reverse("staffing:district_table")
    client.get(url)
    with django_assert_max_num_queries(14) as ctx:
        response = client.get(url)
    html = response.content.decode()
    assert (
        response.status_code == 200
        and "青浦区朱家角镇社会组织服务中心" in html
        and "青浦区练塘镇社会组织服务中心" in html
    )
    baseline = len(ctx.captured_queries)
    for name in ("华新镇", "重固镇", "白鹤镇"):
        member(street_town_center(name))
    with django_assert_max_num_queries(baseline):
        client.get(url)


def test_roster_page_queries_do_not_grow_with_the_roster(client, world, django_assert_max_num_queries):
    from .factories import member

    client.force_login(world["director"])
    url = reverse("staffing:roster", args=[world["a"].pk])
    client.get(url)
    with django_assert_max_num_queries(30) as ctx:
        client.get(url)
    baseline = len(ctx.captured_queries)
    for _ in range(10):
        member(world["a"])
    with django_assert_max_num_queries(baseline):
        client.get(url)


def test_a_person_named_in_a_filed_roster_is_never_deleted(client, world):
    from django.utils import timezone

    from evaluations.models import Cycle, Filing
    from staffing.selectors import roster_snapshot

    a = world["a"]
    today = timezone.localdate()
    newcomer = StaffMember.objects.create(
        center=a, name="今年入职", kind="part_time", start_date=today.replace(day=1)
    )
    cycle = Cycle.objects.create(
        year=today.year,
        title="测试考评",
        filing_deadline=today,
        review_deadline=today,
        acceptance_deadline=today,
        spot_check_deadline=today,
    )
    Filing.objects.create(cycle=cycle, center=a, snapshot={"roster": roster_snapshot(a, today)})
    client.force_login(world["director"])
    response = client.post(reverse("staffing:member_delete", args=[newcomer.pk]), {"version": 1})
    assert response.status_code == 200 and "不能删除" in response.content.decode()
    assert StaffMember.objects.filter(pk=newcomer.pk).exists()


def test_home_panels_show_the_directors_roster_and_the_bureaus_shortfalls(client, world):
    client.force_login(world["director"])
    html = client.get("/").content.decode()
    assert "在册专职 1 名" in html and "缺 1 名" in html
    client.force_login(world["bureau"])
    html = client.get("/").content.decode()
    assert "专职人员不足" in html and "青浦区朱家角镇社会组织服务中心：应配 2 名，实有 1 名" in html
    client.force_login(world["supervisor"])
    assert "在册专职" not in client.get("/").content.decode()


def test_training_of_this_year_is_deleted_after_confirmation_and_a_past_one_is_kept(client, world):
    from django.utils import timezone

    from staffing.models import Training

    from .factories import training

    client.force_login(world["director"])
    world["training"].delete()
    current = training(world["a"], held_on=timezone.localdate())
    past = training(world["a"], held_on=date(2024, 5, 1))
    response = client.post(reverse("staffing:training_delete", args=[past.pk]), {"version": 1})
    assert response.status_code == 200 and "不能删除" in response.content.decode()
    response = client.post(reverse("staffing:training_delete", args=[current.pk]), {"version": 1})
    assert response.status_code == 302
    assert list(Training.objects.values_list("pk", flat=True)) == [past.pk]


def test_roster_page_can_show_a_past_day_as_it_was_recorded(client, world):
    from datetime import timedelta

    from django.utils import timezone

    wang = world["wang"]
    wang.history.update(history_date=timezone.now() - timedelta(days=2))
    client.force_login(world["director"])
    url = reverse("staffing:member_edit", args=[wang.pk])
    assert client.post(url, _edit_data(wang, monthly_pay="3500")).status_code == 302
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    roster = reverse("staffing:roster", args=[world["a"].pk])
    recorded = client.get(roster, {"on": yesterday, "as_recorded": "on"}).content.decode()
    assert "3000.00" in recorded and "3500.00" not in recorded
    current = client.get(roster, {"on": yesterday}).content.decode()
    assert "3500.00" in current


def test_the_member_form_links_the_contract_to_its_checked_download_not_a_storage_path(client, world):
    """The file input's “目前” link: the name it was uploaded as, to the permission-checked view."""
    import re

    chen = world["chen"]
    client.force_login(world["director"])
    html = client.get(reverse("staffing:member_edit", args=[chen.pk])).content.decode()
    download = reverse("staffing:contract_download", args=[chen.pk])
    assert re.search(rf'<a href="{re.escape(download)}">合同\.pdf</a>', html), html
    assert "media-not-served" not in html and chen.contract.name not in html
    assert client.get(download).status_code == 200
