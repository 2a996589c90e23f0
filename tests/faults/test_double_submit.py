"""The same create form posted twice — a double click, a re-sent page, two parallel requests — makes
one row; the repeat is answered with the first one's result and says so in Chinese."""

from __future__ import annotations

import re
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from centers.models import BoardMember, IncomeLine, SocialOrganization
from centers.tests import factories as f
from core.models import IdempotencyKey
from core.testing import make_user
from evaluations.models import Cycle, Evidence, Filing
from evaluations.tests.conftest import centers, open_cycle, people, upload  # noqa: F401
from staffing.models import StaffMember

REPEATED = "该表单已提交过，本次重复提交未再新增记录"


def session(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def read_key(page, name="idempotency_key") -> str:
    match = re.search(rf'name="{name}" value="([0-9a-f-]{{36}})"', page.content.decode())
    assert match, "the create form carries no idempotency key"
    return match.group(1)


@pytest.fixture
def world(db):
    center = f.center_for("朱家角镇")
    return {
        "center": center,
        "director": make_user("t_director", Role.DIRECTOR, center=center),
        "bureau": make_user("t_bureau", Role.BUREAU),
        "other": make_user("t_other", Role.DIRECTOR, center=f.center_for("金泽镇")),
    }


@pytest.mark.django_db
def test_board_member_form_posted_twice_makes_one_row(world):
    client = session(world["director"])
    url = reverse("centers:record_create", args=[world["center"].pk, "board-member"])
    data = {
        "name": "张三",
        "role": "chair",
        "term_start": "2022-01-01",
        "idempotency_key": read_key(client.get(url)),
    }
    assert client.post(url, data).status_code == 302
    again = client.post(url, data, follow=True)
    assert again.status_code == 200 and REPEATED in again.content.decode()
    assert BoardMember.objects.filter(center=world["center"], name="张三").count() == 1


@pytest.mark.django_db
def test_a_new_page_is_a_new_submission(world):
    client = session(world["director"])
    url = reverse("centers:record_create", args=[world["center"].pk, "income"])
    for _ in range(2):  # the page opened twice: two intended rows
        data = {
            "year": 2025,
            "source": "consulting",
            "amount": "500",
            "idempotency_key": read_key(client.get(url)),
        }
        assert client.post(url, data).status_code == 302
    assert IncomeLine.objects.filter(center=world["center"]).count() == 2


@pytest.mark.django_db
def test_create_without_a_key_is_refused_in_chinese(world):
    url = reverse("centers:record_create", args=[world["center"].pk, "board-member"])
    response = session(world["director"]).post(
        url, {"name": "张三", "role": "chair", "term_start": "2022-01-01"}
    )
    assert (
        response.status_code == 200 and "表单已过期：请刷新页面后重新填写并提交" in response.content.decode()
    )
    assert not BoardMember.objects.exists()


@pytest.mark.django_db
def test_a_failed_create_keeps_the_key_for_the_corrected_form(world):
    client = session(world["director"])
    url = reverse("centers:record_create", args=[world["center"].pk, "board-member"])
    key = read_key(client.get(url))
    bad = client.post(
        url,
        {
            "name": "张三",
            "role": "chair",
            "term_start": "2022-01-01",
            "term_end": "2021-01-01",
            "idempotency_key": key,
        },
    )
    assert bad.status_code == 200 and "任期止早于任期起" in bad.content.decode()
    assert read_key(bad) == key
    ok = client.post(
        url, {"name": "张三", "role": "chair", "term_start": "2022-01-01", "idempotency_key": key}
    )
    assert ok.status_code == 302 and BoardMember.objects.count() == 1


@pytest.mark.django_db
def test_another_persons_key_is_not_accepted(world):
    mine = session(world["director"])
    url = reverse("centers:record_create", args=[world["center"].pk, "board-member"])
    data = {
        "name": "张三",
        "role": "chair",
        "term_start": "2022-01-01",
        "idempotency_key": read_key(mine.get(url)),
    }
    assert mine.post(url, data).status_code == 302
    theirs = session(world["bureau"]).post(url, {**data, "name": "李四"})
    assert theirs.status_code == 200 and "表单已过期" in theirs.content.decode()
    assert list(BoardMember.objects.values_list("name", flat=True)) == ["张三"]


@pytest.mark.django_db
def test_organization_and_staff_member_forms_posted_twice_make_one_row(world):
    bureau = session(world["bureau"])
    url = reverse("centers:organization_create")
    sample = f.organizations(1, street_town_obj=world["center"].street_town)[0]
    org = {
        "name": "青浦区重复提交协会",
        "credit_code": sample.credit_code,
        "kind": sample.kind,
        "registered_on": "2020-01-01",
        "street_town": world["center"].street_town_id,
        "status": "active",
    }
    SocialOrganization.objects.all().delete()
    org["idempotency_key"] = read_key(bureau.get(url))
    first = bureau.post(url, org)
    assert first.status_code == 302, re.findall(
        r'class="(?:error|form-errors)"[^>]*>(.*?)<', first.content.decode()
    )
    assert bureau.post(url, org).status_code == 302
    assert SocialOrganization.objects.filter(name="青浦区重复提交协会").count() == 1

    director = session(world["director"])
    url = reverse("staffing:member_create", args=[world["center"].pk])
    member = {
        "name": "王五",
        "gender": "female",
        "kind": "full_time",
        "position": "project",
        "start_date": "2025-03-01",
        "monthly_pay": "6000",
        "post_grade": "二岗4级",
        "idempotency_key": read_key(director.get(url)),
    }
    first = director.post(url, member)
    assert first.status_code == 302, first.content.decode()[:3000]
    assert director.post(url, member).status_code == 302
    assert StaffMember.objects.filter(center=world["center"], name="王五").count() == 1


@pytest.mark.django_db
def test_evidence_posted_twice_is_one_file(people):  # noqa: F811
    cycle = open_cycle(2026, people["bureau"])
    filing = Filing.objects.get(cycle=cycle, center=people["zjj"])
    indicator = cycle.indicators.filter(evidence_required=True).first()
    client = session(people["director"])
    page = client.get(reverse("evaluations:self_assessment", args=[filing.pk]))
    key = read_key(page)
    url = reverse("evaluations:evidence_upload", args=[filing.pk])
    for _ in range(2):
        client.post(url, {"indicator": indicator.pk, "idempotency_key": key, "file": upload("佐证.pdf")})
    assert Evidence.objects.filter(filing=filing, indicator=indicator).count() == 1


@pytest.mark.django_db
def test_cycle_form_posted_twice_makes_one_cycle(people):  # noqa: F811
    client = session(people["bureau"])
    url = reverse("evaluations:cycle_create")
    page = client.get(url)
    data = {
        "year": 2030,
        "levels": ["street_town"],
        "filing_deadline": "2030-12-31",
        "review_deadline": "2031-01-15",
        "acceptance_deadline": "2031-01-31",
        "spot_check_deadline": "2031-03-31",
        "sample_numerator": 1,
        "sample_denominator": 3,
        "combination_rule": "replace",
        "self_weight": "0.30",
        "gap_tolerance": "10",
        "performance_weight": "10",
        "grade_bands": "优秀=90\n合格=60\n不合格=0",
        "reminder_days": "7,3,1",
        "idempotency_key": read_key(page),
    }
    first = client.post(url, data)
    assert first.status_code == 302, first.content.decode()[:2000]
    again = client.post(url, data, follow=True)
    assert REPEATED in again.content.decode() and "已存在" not in again.content.decode()
    assert Cycle.objects.filter(year=2030).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_parallel_posts_with_the_same_key_make_one_row():
    center = f.center_for("朱家角镇")
    director = make_user("t_parallel", Role.DIRECTOR, center=center)
    url = reverse("centers:record_create", args=[center.pk, "board-member"])
    key = read_key(session(director).get(url))
    data = {"name": "并发", "role": "member", "term_start": "2022-01-01", "idempotency_key": key}
    barrier = threading.Barrier(2)
    statuses = []

    def post():
        try:
            client = session(director)
            barrier.wait()
            statuses.append(client.post(url, data).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [302, 302]
    assert BoardMember.objects.filter(center=center, name="并发").count() == 1
    assert IdempotencyKey.objects.filter(key=key).count() == 1


@pytest.mark.django_db
def test_api_create_with_the_same_idempotency_key_header_makes_one_row(world):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(world["director"])
    body = {"center": world["center"].pk, "name": "接口", "role": "member", "term_start": "2022-01-01"}
    header = {"HTTP_IDEMPOTENCY_KEY": "3f0c9a8e-5b8d-4a6e-9d1e-7c2b4a6f8e01"}
    first = client.post("/api/v1/board-members/", body, format="json", **header)
    again = client.post("/api/v1/board-members/", body, format="json", **header)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert BoardMember.objects.filter(name="接口").count() == 1
    other = client.post("/api/v1/board-members/", body, format="json")  # no key: a create each time
    assert other.status_code == 201 and BoardMember.objects.filter(name="接口").count() == 2
    bad = client.post("/api/v1/board-members/", body, format="json", HTTP_IDEMPOTENCY_KEY="x")
    assert bad.status_code == 400 and "表单已过期" in bad.json()["error"]["message"]
