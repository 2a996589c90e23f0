"""Bad input gets a Chinese message naming the field; nothing partial is saved."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from centers import services
from centers.codes import make_credit_code
from centers.models import RatingRecord, ServiceCenter, SocialOrganization, Venue
from core.audit import entries_for
from core.errors import ApplicationError

from . import factories as f


def org_data(**overrides):
    data = {
        "name": "青浦区某协会",
        "credit_code": make_credit_code("1", 4242),
        "kind": "1",
        "registered_on": date(2020, 1, 1),
        "street_town": f.street_town("朱家角镇"),
        "industry": "",
        "status": "active",
        "deregistered_on": None,
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_invalid_credit_code_is_refused_with_the_expected_check_character(admin_user):
    code = make_credit_code("1", 4242)
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    with pytest.raises(ApplicationError) as exc:
        services.organization_save(
            organization=SocialOrganization(), data=org_data(credit_code=wrong), actor=admin_user
        )
    assert f"末位应为 {code[-1]}" in exc.value.fields["credit_code"][0]
    assert SocialOrganization.objects.count() == 0


@pytest.mark.django_db
def test_kind_must_agree_with_the_second_character(admin_user):
    with pytest.raises(ApplicationError) as exc:
        services.organization_save(
            organization=SocialOrganization(), data=org_data(kind="3"), actor=admin_user
        )
    assert "第 2 位为“1”，与类型“基金会”不符" in exc.value.fields["kind"][0]


@pytest.mark.django_db
def test_duplicate_credit_code_is_refused(admin_user):
    services.organization_save(organization=SocialOrganization(), data=org_data(), actor=admin_user)
    with pytest.raises(ApplicationError) as exc:
        services.organization_save(
            organization=SocialOrganization(), data=org_data(name="另一个"), actor=admin_user
        )
    assert "credit_code" in exc.value.fields
    assert SocialOrganization.objects.count() == 1


@pytest.mark.django_db
def test_outside_division_code_is_only_a_warning(admin_user):
    org, warnings = services.organization_save(
        organization=SocialOrganization(),
        data=org_data(credit_code=make_credit_code("1", 4242, division="310101")),
        actor=admin_user,
    )
    assert org.pk and "310101" in warnings[0]


@pytest.mark.django_db
def test_future_registration_date_is_refused(admin_user):
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ApplicationError) as exc:
        services.organization_save(
            organization=SocialOrganization(), data=org_data(registered_on=tomorrow), actor=admin_user
        )
    assert "不能是将来的日期" in exc.value.fields["registered_on"][0]


@pytest.mark.django_db
@pytest.mark.parametrize("area", ["0", "-5", "100000", "250000"])
def test_absurd_venue_area_is_refused(admin_user, area):
    center = f.center_for("朱家角镇")
    with pytest.raises(ApplicationError) as exc:
        services.record_save(
            instance=Venue(center=center),
            data={"year": 2024, "address": "x", "area": Decimal(area)},
            actor=admin_user,
        )
    assert "应大于 0 且小于 100000 平方米" in exc.value.fields["area"][0]
    assert not Venue.objects.exists()


@pytest.mark.django_db
def test_second_center_for_the_same_street_town_is_refused(admin_user):
    existing = f.center_for("朱家角镇")
    with pytest.raises(ApplicationError) as exc:
        services.center_save(
            center=ServiceCenter(district=existing.district),
            data={
                "level": "street_town",
                "name": "第二个中心",
                "street_town": existing.street_town,
                "supervising_unit": existing.supervising_unit,
            },
            actor=admin_user,
        )
    assert "每个街镇至多一个街镇服务中心" in str(exc.value)
    assert ServiceCenter.objects.filter(street_town=existing.street_town).count() == 1


@pytest.mark.django_db
def test_center_credit_code_must_be_a_private_non_enterprise_unit(admin_user):
    center = f.center_for("朱家角镇")
    with pytest.raises(ApplicationError) as exc:
        services.center_save(
            center=center,
            data={"credit_code": make_credit_code("1", 5)},
            actor=admin_user,
            version=center.version,
        )
    assert "第 2 位应为 2" in exc.value.fields["credit_code"][0]


@pytest.mark.django_db
def test_rating_valid_until_is_date_plus_policy_years_and_audited(admin_user):
    center = f.center_for("朱家角镇")
    rating = services.record_save(
        instance=RatingRecord(center=center),
        data={"grade": 3, "rated_on": date(2020, 2, 29)},
        actor=admin_user,
    )
    assert rating.valid_until == date(2025, 2, 28)
    assert entries_for(rating).filter(action="centers.ratingrecord.created").exists()


@pytest.mark.django_db
def test_future_rating_date_is_refused(admin_user):
    center = f.center_for("朱家角镇")
    with pytest.raises(ApplicationError):
        services.record_save(
            instance=RatingRecord(center=center),
            data={"grade": 3, "rated_on": timezone.localdate() + timedelta(days=3)},
            actor=admin_user,
        )
    assert not RatingRecord.objects.exists()


def test_a_register_copy_that_is_not_what_its_name_says_is_refused_and_nothing_saved(admin_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from centers.models import GovernanceRule

    center = f.center_for("朱家角镇")
    fake_pdf = SimpleUploadedFile("财务管理制度.pdf", b"<html><script>alert(1)</script></html>")
    with pytest.raises(ApplicationError) as exc:
        services.record_save(
            instance=GovernanceRule(center=center),
            data={
                "kind": "finance",
                "title": "财务管理制度",
                "adopted_on": date(2020, 1, 1),
                "document": fake_pdf,
            },
            actor=admin_user,
        )
    assert "只接受 PDF、JPEG、PNG、DOCX、XLSX 文件" in exc.value.fields["document"][0]
    assert not GovernanceRule.objects.exists()

    real_pdf = SimpleUploadedFile(
        "财务管理制度.pdf", b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
    )
    rule = services.record_save(
        instance=GovernanceRule(center=center),
        data={
            "kind": "finance",
            "title": "财务管理制度",
            "adopted_on": date(2020, 1, 1),
            "document": real_pdf,
        },
        actor=admin_user,
    )
    assert rule.document.name.endswith(".pdf")
