"""A full (or unwritable) media disk: nothing of the action is saved, no partial or temporary file is
left, and the user reads a Chinese message naming the file. The disk is a storage whose writes fail
half-way with ENOSPC / EACCES, as the operating system's would."""

from __future__ import annotations

import errno
import re
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from centers.models import GovernanceRule
from core.storage import AtomicFileSystemStorage, atomic
from evaluations.models import Evidence, Filing
from evaluations.tests.conftest import PDF, centers, open_cycle, people, upload  # noqa: F401

pytestmark = pytest.mark.django_db

FAILURE = {"errno": errno.ENOSPC}


class FailingDiskStorage(AtomicFileSystemStorage):
    """Writes the first bytes, then the disk gives out (FAILURE["errno"])."""

    def _write(self, fh, content):
        for chunk in content.chunks():
            fh.write(chunk[: max(1, len(chunk) // 2)])
            fh.flush()
            raise OSError(FAILURE["errno"], "simulated")


@pytest.fixture
def full_disk(settings, tmp_path):
    FAILURE["errno"] = errno.ENOSPC
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.FailingDiskStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    return tmp_path


def files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def session(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def filing(people):  # noqa: F811
    cycle = open_cycle(2026, people["bureau"])
    return Filing.objects.get(cycle=cycle, center=people["zjj"])


def test_figures_and_work_plan_on_a_full_disk_save_nothing(people, filing, full_disk):  # noqa: F811
    url = reverse("evaluations:filing_edit", args=[filing.pk])
    client = session(people["director"])
    version = re.search(r'name="version" value="(\d+)"', client.get(url).content.decode()).group(1)
    response = client.post(
        url,
        {
            "trainings_held": "4",
            "note_trainings_held": "按纸质签到表填报",
            "trainees": "30",
            "note_trainees": "按纸质签到表填报",
            "version": version,
            "work_plan": upload("工作计划.pdf"),
        },
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "文件“工作计划.pdf”未能保存：服务器存储空间已满" in text and "本次提交的内容均未保存" in text
    filing.refresh_from_db()
    assert filing.trainings_held is None and filing.trainees is None and not filing.work_plan
    assert filing.version == 1
    assert files_under(full_disk) == []  # no truncated file, no temporary one


def test_evidence_on_an_unwritable_disk_saves_nothing(people, filing, full_disk):  # noqa: F811
    FAILURE["errno"] = errno.EACCES
    indicator = filing.cycle.indicators.filter(evidence_required=True).first()
    client = session(people["director"])
    page = client.get(reverse("evaluations:self_assessment", args=[filing.pk])).content.decode()
    key = re.search(r'name="idempotency_key" value="([0-9a-f-]{36})"', page).group(1)
    response = client.post(
        reverse("evaluations:evidence_upload", args=[filing.pk]),
        {"indicator": indicator.pk, "idempotency_key": key, "file": upload("签到表.pdf")},
        follow=True,
    )
    assert "文件“签到表.pdf”未能保存：服务器存储目录没有写入权限" in response.content.decode()
    assert not Evidence.objects.filter(filing=filing).exists()
    assert files_under(full_disk) == []
    FAILURE["errno"] = errno.ENOSPC


def test_governance_rule_copy_on_a_full_disk_saves_no_row(people, full_disk):  # noqa: F811
    center = people["zjj"]
    client = session(people["director"])
    url = reverse("centers:record_create", args=[center.pk, "governance-rule"])
    key = re.search(
        r'name="idempotency_key" value="([0-9a-f-]{36})"', client.get(url).content.decode()
    ).group(1)
    response = client.post(
        url,
        {
            "kind": "finance",
            "title": "财务管理制度",
            "adopted_on": "2024-01-01",
            "document": upload("财务制度.pdf"),
            "idempotency_key": key,
        },
    )
    assert response.status_code == 200
    assert "文件“财务制度.pdf”未能保存：服务器存储空间已满" in response.content.decode()
    assert not GovernanceRule.objects.filter(center=center).exists()
    assert files_under(full_disk) == []


def test_a_file_written_in_a_failed_transaction_is_removed(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "core.storage.AtomicFileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    with pytest.raises(RuntimeError), atomic():
        default_storage.save("plans/kept-only-if-committed.pdf", ContentFile(PDF))
        assert files_under(tmp_path) == ["plans/kept-only-if-committed.pdf"]
        raise RuntimeError("the row could not be saved")
    assert files_under(tmp_path) == []
    with atomic():
        name = default_storage.save("plans/committed.pdf", ContentFile(PDF))
    assert files_under(tmp_path) == [name]
    assert (tmp_path / name).read_bytes() == PDF


def test_api_upload_on_a_full_disk_is_a_503_naming_the_file(people, filing, full_disk):  # noqa: F811
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(people["director"])
    indicator = filing.cycle.indicators.filter(evidence_required=True).first()
    response = client.post(
        "/api/v1/evidence/",
        {"filing": filing.pk, "indicator": indicator.pk, "file": upload("签到表.pdf")},
        format="multipart",
    )
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "storage" and "文件“签到表.pdf”未能保存" in error["message"]
    assert error["fields"] == {"file": [error["message"]]}
    assert not Evidence.objects.filter(filing=filing).exists() and files_under(full_disk) == []
