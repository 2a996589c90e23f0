"""Backup and restore (core.backup): a center's data deleted by mistake comes back whole.

Runs pg_dump / psql against the test database (committed data: transactional tests)."""

from __future__ import annotations

import io
import json
import os
import tarfile
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from core.backup import MANIFEST, current_table_counts, sha256_file
from core.testing import require

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def portal_data(transactional_db):
    """The demo registers of the centers and a rendered report for two of them (committed)."""
    import shutil

    from centers import demo
    from centers.models import ServiceCenter
    from evaluations.models import Cycle, Filing
    from reports.choices import ReportKind
    from reports.services import ReportSpec, document_render

    require(shutil.which("pg_dump") is not None, "pg_dump (Debian package postgresql-client)")
    demo.seed(stdout=io.StringIO(), password="")
    cycle = Cycle.objects.create(
        year=2024,
        title="2024 年度绩效考评",
        filing_deadline=date(2025, 1, 31),
        review_deadline=date(2025, 2, 15),
        acceptance_deadline=date(2025, 2, 28),
        spot_check_deadline=date(2025, 3, 31),
    )
    documents = []
    for name in ("朱家角镇", "金泽镇"):
        center = ServiceCenter.objects.get(street_town__name=name)
        filing = Filing.objects.create(cycle=cycle, center=center)
        spec = ReportSpec(
            kind=ReportKind.CENTER_REPORT,
            subject_key=f"center_report/cycle-{cycle.pk}/center-{center.pk}",
            title=f"{center.name} 2024 年度绩效考评报告",
            template="reports/pdf/test_page.html",
            context={
                "requester": "备份测试",
                "generated_at": None,
                "job_id": 0,
                "street_towns": [center.name],
            },
            center=center,
            links={"cycle": cycle, "filing": filing},
        )
        documents.append(document_render(spec)[0])
    # An abandoned import preview: transient, not part of the backup.
    default_storage.save("imports/abandoned.xlsx", ContentFile(b"preview"))
    return {"center": ServiceCenter.objects.get(street_town__name="朱家角镇"), "documents": documents}


def report_hashes() -> dict[int, tuple[str, str]]:
    """Each report's stored SHA-256 and the SHA-256 of its file on disk."""
    from reports.models import ReportDocument

    root = Path(settings.MEDIA_ROOT)
    return {
        doc.pk: (doc.sha256, sha256_file(root / doc.file.name) if (root / doc.file.name).exists() else "")
        for doc in ReportDocument.objects.order_by("pk")
    }


def delete_center_data(center) -> None:
    """What a mistaken clean-up would do: the center, its filings, its reports and their files."""
    from centers.models import ServiceCenter
    from evaluations.models import Filing
    from reports.models import ReportDocument
    from staffing.models import StaffMember

    for doc in ReportDocument.objects.filter(center=center):
        doc.file.delete(save=False)
        doc.delete()
    Filing.objects.filter(center=center).delete()
    StaffMember.objects.filter(center=center).delete()
    ServiceCenter.objects.filter(pk=center.pk).delete()


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


def backup(tmp_path) -> Path:
    out = run("backup", "--output", str(tmp_path / "backups"))
    (archive,) = (tmp_path / "backups").glob("qingpu-backup-*.tar")
    assert out.startswith(f"备份完成：{archive}（")
    return archive


def test_backup_delete_a_centers_data_restore_gives_equal_counts_and_report_hashes(portal_data, tmp_path):
    from centers.models import ServiceCenter
    from reports.models import ReportDocument

    counts_before = current_table_counts()
    hashes_before = report_hashes()
    assert len(hashes_before) == 2 and all(stored == on_disk for stored, on_disk in hashes_before.values())

    archive = backup(tmp_path)
    assert [p.name for p in (tmp_path / "backups").iterdir()] == [archive.name]  # no partial file left
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile(MANIFEST))
        names = set(tar.getnames())
    assert manifest["database"] == {"vendor": "postgresql", "file": "database.pgdump"}
    assert manifest["tables"] == counts_before
    report_files = {f"media/{doc.file.name}" for doc in ReportDocument.objects.all()}
    assert report_files <= set(manifest["files"]) and names == set(manifest["files"]) | {MANIFEST}
    assert "media/imports/abandoned.xlsx" not in names

    center = portal_data["center"]
    delete_center_data(center)
    assert not ServiceCenter.objects.filter(pk=center.pk).exists()
    assert ReportDocument.objects.count() == 1
    assert current_table_counts() != counts_before

    # The database is not empty: refused, and nothing changed.
    with pytest.raises(CommandError, match="当前数据库不为空（已有 \\d+ 张表）.*请加 --force 重新执行"):
        run("restore", str(archive))
    assert not ServiceCenter.objects.filter(pk=center.pk).exists()

    out = run("restore", str(archive), "--force")
    assert out.startswith("恢复完成并核对无误：") and "2 份报告与登记的 SHA-256 一致" in out
    assert current_table_counts() == counts_before
    assert report_hashes() == hashes_before
    restored = ServiceCenter.objects.get(pk=center.pk)
    assert restored.name == center.name
    assert ReportDocument.objects.filter(center=restored).count() == 1


def test_restore_refuses_an_archive_with_an_altered_file(portal_data, tmp_path):
    from centers.models import ServiceCenter

    archive = backup(tmp_path)
    document = portal_data["documents"][0]
    member_name = f"media/{document.file.name}"
    with tarfile.open(archive) as tar:
        offset = tar.getmember(member_name).offset_data
    with open(archive, "r+b") as fh:  # one byte of the PDF changed, size unchanged
        fh.seek(offset + 100)
        byte = fh.read(1)
        fh.seek(offset + 100)
        fh.write(bytes([byte[0] ^ 0xFF]))

    marker = ServiceCenter.objects.get(pk=portal_data["center"].pk)
    ServiceCenter.objects.filter(pk=marker.pk).update(name="恢复前的名称")
    with pytest.raises(CommandError, match=f"文件 {member_name} 与备份清单的 SHA-256 不符.*已停止恢复"):
        run("restore", str(archive), "--force")
    assert ServiceCenter.objects.get(pk=marker.pk).name == "恢复前的名称"  # nothing was restored


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path, transactional_db):
    stray = tmp_path / "notes.tar"
    with tarfile.open(stray, "w") as tar:
        info = tarfile.TarInfo("notes.txt")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"hi"))
    with pytest.raises(CommandError, match="notes.tar 不是门户的备份文件：缺少 manifest.json"):
        run("restore", str(stray), "--force")
    with pytest.raises(CommandError, match="找不到备份文件"):
        run("restore", str(tmp_path / "missing.tar"))


def test_a_report_whose_file_differs_from_its_stored_hash_is_named_after_restore(portal_data, tmp_path):
    from reports.models import ReportDocument

    document = portal_data["documents"][1]
    ReportDocument.objects.filter(pk=document.pk).update(sha256="0" * 64)  # recorded hash no longer matches
    archive = backup(tmp_path)
    err = io.StringIO()
    with pytest.raises(CommandError, match="恢复已完成，但核对发现 1 处问题"):
        call_command("restore", str(archive), "--force", stdout=io.StringIO(), stderr=err)
    assert (
        f"报告“{document.title}”第 1 版（{document.file.name}）：文件与登记的 SHA-256 不符" in err.getvalue()
    )


# ---- nightly backup, retention, abandoned uploads ------------------------------------------------
def test_nightly_backup_writes_an_archive_and_drops_those_older_than_the_retention(
    portal_data, tmp_path, settings
):
    from core.tasks import nightly_backup_task

    settings.BACKUP_DIR = tmp_path / "nightly"
    settings.BACKUP_KEEP_DAYS = 7
    settings.BACKUP_DIR.mkdir()
    old = settings.BACKUP_DIR / "qingpu-backup-20260101-023000.tar"
    recent = settings.BACKUP_DIR / "qingpu-backup-20261128-023000.tar"
    stale_part = settings.BACKUP_DIR / "qingpu-backup-20261129-023000.tar.part"
    unrelated = settings.BACKUP_DIR / "README.txt"
    for path, days in ((old, 8), (recent, 3), (stale_part, 2), (unrelated, 30)):
        path.write_text("x")
        stamp = time.time() - days * 86400
        os.utime(path, (stamp, stamp))

    result = nightly_backup_task()
    kept = sorted(p.name for p in settings.BACKUP_DIR.iterdir())
    new = Path(result["archive"]).name
    assert kept == sorted([new, recent.name, unrelated.name])
    assert sorted(result["removed"]) == sorted([str(old), str(stale_part)])
    assert settings.CELERY_BEAT_SCHEDULE["core-nightly-backup"]["task"] == "core.tasks.nightly_backup_task"


def test_import_previews_abandoned_for_a_day_are_cleaned(transactional_db):
    from core.tasks import clean_abandoned_uploads_task

    old = default_storage.save("imports/old-preview.xlsx", ContentFile(b"old"))
    fresh = default_storage.save("imports/fresh-preview.xlsx", ContentFile(b"fresh"))
    report = default_storage.save("reports/kept.pdf", ContentFile(b"%PDF"))
    two_days_ago = time.time() - timedelta(days=2).total_seconds()
    os.utime(default_storage.path(old), (two_days_ago, two_days_ago))

    assert clean_abandoned_uploads_task() == [old]
    assert not default_storage.exists(old)
    assert default_storage.exists(fresh) and default_storage.exists(report)
    schedule = settings.CELERY_BEAT_SCHEDULE["core-clean-abandoned-uploads"]
    assert schedule == {"task": "core.tasks.clean_abandoned_uploads_task", "schedule": 3600}
    default_storage.delete(fresh)
    default_storage.delete(report)


# ---- the embedded default: SQLite -----------------------------------------------------------------
def test_sqlite_backup_and_restore_through_the_commands(tmp_path):
    """`make run`'s SQLite database: the backup API copy, the refusal, the forced restore."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"REDIS_URL", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        {
            "DEBUG": "true",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "VAR_DIR": str(tmp_path / "var"),
            "MEDIA_ROOT": str(tmp_path / "media"),
        }
    )

    def manage(*args, check=True):
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert not check or result.returncode == 0, result.stderr
        return result

    def parameters() -> str:
        code = "from core.models import PolicyParameter; print(PolicyParameter.objects.count())"
        return manage("shell", "-v0", "-c", code).stdout.strip()

    manage("migrate", "--noinput", "-v0")
    (tmp_path / "media" / "evidence").mkdir(parents=True)
    (tmp_path / "media" / "evidence" / "plan.pdf").write_bytes(b"%PDF-1.7 work plan")
    before = parameters()
    assert int(before) > 0
    out = manage("backup", "--output", str(tmp_path / "backups")).stdout
    assert out.startswith("备份完成：") and "1 个文件" in out
    (archive,) = (tmp_path / "backups").glob("qingpu-backup-*.tar")

    manage(
        "shell",
        "-v0",
        "-c",
        "from core.models import PolicyParameter; PolicyParameter.objects.all().delete()",
    )
    (tmp_path / "media" / "evidence" / "plan.pdf").unlink()
    assert parameters() == "0"

    refused = manage("restore", str(archive), check=False)
    assert refused.returncode != 0 and "当前数据库不为空" in refused.stderr
    assert parameters() == "0"

    restored = manage("restore", str(archive), "--force")
    assert restored.stdout.startswith("恢复完成并核对无误：") and "1 个文件" in restored.stdout
    assert parameters() == before
    assert (tmp_path / "media" / "evidence" / "plan.pdf").read_bytes() == b"%PDF-1.7 work plan"
