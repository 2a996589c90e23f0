"""Backup and restore of the whole portal: the database and the media files, in one archive.

An archive is an uncompressed tar (the dump is compressed already, PDFs hardly compress):

- ``database.pgdump`` — ``pg_dump -Fc`` of PostgreSQL, taken from an exported snapshot, or
  ``database.sqlite3`` — a copy made through SQLite's online backup API;
- ``media/…`` — every uploaded and generated file (``imports/`` previews and ``healthz/`` probes
  are transient and left out);
- ``manifest.json`` — the SHA-256 of every member above and the row count of every table, counted in
  the same snapshot as the dump.

Every file is written whole: to a temporary name beside its place, then renamed (an archive that
stops half-way, or a restore that fails, never leaves a truncated file under the final name).
``restore`` verifies the whole archive against its manifest before it touches anything, refuses a
non-empty database unless forced, restores the database in one transaction, then the files, and
verifies the row counts and every report (``reports.ReportDocument.sha256``).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import secrets
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

FORMAT = 1
MANIFEST = "manifest.json"
PG_DUMP = "database.pgdump"
SQLITE_COPY = "database.sqlite3"
MEDIA_PREFIX = "media/"
ARCHIVE_PREFIX = "qingpu-backup-"
ARCHIVE_SUFFIX = ".tar"
PART_SUFFIX = ".part"
# Transient folders of MEDIA_ROOT that are not worth restoring.
TRANSIENT_MEDIA = ("imports", "healthz")
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message (Chinese) says what and how to fix it."""


@dataclass
class BackupResult:
    path: Path
    tables: dict[str, int]
    files: int


@dataclass
class RestoreResult:
    tables: dict[str, int]
    files: int
    reports: int
    problems: list[str] = field(default_factory=list)


# ---- helpers ---------------------------------------------------------------------------------------
def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _vendor() -> str:
    return connection.vendor  # "postgresql" or "sqlite"


def _pg_command(tool: str) -> tuple[list[str], dict[str, str]]:
    db = settings.DATABASES["default"]
    args = [tool, "--no-password", "-d", db["NAME"]]
    if db.get("HOST"):
        args += ["-h", str(db["HOST"])]
    if db.get("PORT"):
        args += ["-p", str(db["PORT"])]
    if db.get("USER"):
        args += ["-U", str(db["USER"])]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    if shutil.which(tool) is None:
        raise BackupError(f"找不到 {tool}：请安装 PostgreSQL 客户端（Debian 软件包 postgresql-client）。")
    return args, env


def _run(args: list[str], env: dict[str, str], **kwargs) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise BackupError(
            f"{args[0]} 执行失败（退出码 {result.returncode}）：{result.stderr.strip()[-1500:]}"
        )


def media_files(*, exclude: Path | None = None) -> list[tuple[str, Path]]:
    """(archive name, path) of every media file worth keeping, in a stable order.

    ``exclude`` is the backup folder, should someone put it inside MEDIA_ROOT."""
    root = Path(settings.MEDIA_ROOT)
    if not root.exists():
        return []
    excluded = exclude.resolve() if exclude else None
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = Path(dirpath).relative_to(root)
        if rel_dir == Path("."):
            dirnames[:] = [d for d in dirnames if d not in TRANSIENT_MEDIA]
        dirnames[:] = [d for d in dirnames if (Path(dirpath) / d).resolve() != excluded]
        dirnames.sort()
        for name in sorted(filenames):
            if PART_SUFFIX in name or name.startswith(".restoring-"):
                continue
            path = Path(dirpath) / name
            found.append((MEDIA_PREFIX + (rel_dir / name).as_posix().removeprefix("./"), path))
    return found


class _HashingReader(io.RawIOBase):
    def __init__(self, fh):
        self.fh = fh
        self.digest = hashlib.sha256()

    def readable(self):
        return True

    def read(self, size=-1):
        data = self.fh.read(size)
        self.digest.update(data)
        return data


def _add_file(tar: tarfile.TarFile, name: str, path: Path) -> str:
    info = tar.gettarinfo(str(path), arcname=name)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    with open(path, "rb") as fh:
        reader = _HashingReader(fh)
        tar.addfile(info, reader)
    return reader.digest.hexdigest()


# ---- database dumps -------------------------------------------------------------------------------
def _dump_postgresql(target: Path) -> dict[str, int]:
    """pg_dump -Fc from a snapshot exported by this connection; the row counts come from the same."""
    if connection.in_atomic_block:
        raise BackupError("备份不能在事务中进行。")
    args, env = _pg_command("pg_dump")
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cursor.fetchone()
            counts = _pg_counts(cursor)
        _run([*args, "-Fc", f"--snapshot={snapshot}", "-f", str(target)], env)
    return counts


def _pg_counts(cursor) -> dict[str, int]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
    names = [name for (name,) in cursor.fetchall()]
    counts = {}
    for name in names:
        cursor.execute(f'SELECT count(*) FROM "{name}"')
        counts[name] = cursor.fetchone()[0]
    return counts


def _sqlite_path() -> str:
    return str(settings.DATABASES["default"]["NAME"])


def _sqlite_counts(conn: sqlite3.Connection) -> dict[str, int]:
    names = [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    return {name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}


def _dump_sqlite(target: Path) -> dict[str, int]:
    source = sqlite3.connect(_sqlite_path())
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # a consistent copy, even while the portal writes
        return _sqlite_counts(copy)
    finally:
        copy.close()
        source.close()


# ---- backup ---------------------------------------------------------------------------------------
def backup_create(*, output_dir: Path | str) -> BackupResult:
    """Write one archive into ``output_dir``; returns its path, table counts and number of files."""
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    final = output_dir / f"{ARCHIVE_PREFIX}{stamp}{ARCHIVE_SUFFIX}"
    if final.exists():
        final = output_dir / f"{ARCHIVE_PREFIX}{stamp}-{secrets.token_hex(3)}{ARCHIVE_SUFFIX}"
    part = final.with_name(final.name + PART_SUFFIX)
    vendor = _vendor()
    try:
        with tempfile.TemporaryDirectory(dir=output_dir, prefix=".backup-") as tmp:
            if vendor == "postgresql":
                db_name, dump = PG_DUMP, Path(tmp) / PG_DUMP
                tables = _dump_postgresql(dump)
            elif vendor == "sqlite":
                db_name, dump = SQLITE_COPY, Path(tmp) / SQLITE_COPY
                tables = _dump_sqlite(dump)
            else:  # pragma: no cover - settings allow only these two
                raise BackupError(f"不支持的数据库类型：{vendor}")
            hashes: dict[str, str] = {}
            with (
                open(part, "wb") as raw,
                tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar,
            ):
                hashes[db_name] = _add_file(tar, db_name, dump)
                files = media_files(exclude=output_dir)
                for name, path in files:
                    try:
                        hashes[name] = _add_file(tar, name, path)
                    except FileNotFoundError:  # deleted while we were walking: nothing to keep
                        continue
                manifest = {
                    "format": FORMAT,
                    "created_at": timezone.now().isoformat(),
                    "database": {"vendor": vendor, "file": db_name},
                    "tables": tables,
                    "files": hashes,
                }
                data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime = len(data), int(time.time())
                tar.addfile(info, io.BytesIO(data))
                tar.close()
                raw.flush()
                os.fsync(raw.fileno())
        os.replace(part, final)
        _fsync_dir(output_dir)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    logger.info("backup written to %s (%d tables, %d files)", final, len(tables), len(hashes) - 1)
    return BackupResult(path=final, tables=tables, files=len(hashes) - 1)


def backup_prune(*, directory: Path | str, keep_days: int) -> list[Path]:
    """Delete archives older than ``keep_days`` days (and left-over partial ones older than a day)."""
    directory = Path(directory)
    if not directory.exists():
        return []
    now = time.time()
    removed = []
    for path in sorted(directory.glob(f"{ARCHIVE_PREFIX}*")):
        age = now - path.stat().st_mtime
        expired_archive = path.name.endswith(ARCHIVE_SUFFIX) and age > keep_days * 86400
        stale_part = path.name.endswith(PART_SUFFIX) and age > 86400
        if expired_archive or stale_part:
            path.unlink()
            removed.append(path)
    return removed


# ---- restore --------------------------------------------------------------------------------------
def _read_manifest(tar: tarfile.TarFile, archive: Path) -> dict:
    try:
        member = tar.getmember(MANIFEST)
    except KeyError:
        raise BackupError(f"{archive.name} 不是门户的备份文件：缺少 {MANIFEST}。") from None
    try:
        manifest = json.loads(tar.extractfile(member).read())
    except ValueError:
        raise BackupError(f"{archive.name} 的 {MANIFEST} 已损坏，无法读取。") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(
            f"{archive.name} 的备份格式（{manifest.get('format')}）不是本门户支持的格式 {FORMAT}。"
        )
    return manifest


def _safe_member_name(name: str) -> bool:
    pure = PurePosixPath(name)
    return not pure.is_absolute() and ".." not in pure.parts


def archive_verify(archive: Path | str) -> dict:
    """Check every member of the archive against the manifest; returns the manifest.

    Raises BackupError naming the first file that is missing, altered or unexpected."""
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"找不到备份文件 {archive}。")
    try:
        tar = tarfile.open(archive, mode="r:")  # noqa: SIM115 - closed by the with below
    except tarfile.TarError:
        raise BackupError(f"{archive.name} 不是有效的备份文件（无法作为 tar 归档读取）。") from None
    with tar:
        manifest = _read_manifest(tar, archive)
        expected = dict(manifest["files"])
        for member in tar.getmembers():
            if member.name == MANIFEST:
                continue
            if not member.isfile() or not _safe_member_name(member.name) or member.name not in expected:
                raise BackupError(f"备份中有清单未列出的文件 {member.name}，备份可能被改动，已停止恢复。")
            digest = hashlib.sha256()
            fh = tar.extractfile(member)
            while chunk := fh.read(CHUNK):
                digest.update(chunk)
            if digest.hexdigest() != expected.pop(member.name):
                raise BackupError(
                    f"文件 {member.name} 与备份清单的 SHA-256 不符，备份可能损坏或被改动，已停止恢复。"
                )
        if expected:
            raise BackupError(f"备份缺少清单所列的文件 {sorted(expected)[0]}，已停止恢复。")
    return manifest


def database_table_count() -> int:
    if _vendor() == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()")
            return cursor.fetchone()[0]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        return cursor.fetchone()[0]


# Drops every table, sequence and (non-extension) function of the schema; runs in the same transaction as the restore.
_PG_DROP_ALL = """
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() LOOP
    EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', r.tablename);
  END LOOP;
  FOR r IN SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = current_schema() LOOP
    EXECUTE format('DROP SEQUENCE IF EXISTS %I CASCADE', r.sequence_name);
  END LOOP;
  -- functions the migrations created (the audit log's guard trigger): the dump creates them again
  FOR r IN SELECT p.oid::regprocedure AS sig FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           LEFT JOIN pg_depend d ON d.objid = p.oid AND d.deptype = 'e'
           WHERE n.nspname = current_schema() AND d.objid IS NULL LOOP
    EXECUTE format('DROP FUNCTION IF EXISTS %s CASCADE', r.sig);
  END LOOP;
END
$$;
"""


def _restore_postgresql(dump: Path, tmp: Path) -> None:
    """Drop what is there and load the dump, all in one psql transaction (nothing half-restored)."""
    restore_args, env = _pg_command("pg_restore")
    psql_args, _env = _pg_command("psql")
    drop_sql = tmp / "drop.sql"
    drop_sql.write_text(_PG_DROP_ALL, encoding="utf-8")
    # pg_restore turns the custom-format dump into SQL; psql runs the drop and it as one transaction.
    to_sql = [restore_args[0], "--no-owner", "--no-privileges", "-f", "-", str(dump)]
    load = [
        *psql_args,
        "-X",
        "-q",
        "-v",
        "ON_ERROR_STOP=1",
        "--single-transaction",
        "-f",
        str(drop_sql),
        "-f",
        "-",
    ]
    connections.close_all()
    producer = subprocess.Popen(to_sql, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    consumer = subprocess.run(load, env=env, stdin=producer.stdout, capture_output=True, text=True)
    producer.stdout.close()
    producer_err = producer.stderr.read().decode(errors="replace")
    producer.wait()
    if producer.returncode != 0:
        raise BackupError(f"pg_restore 执行失败，数据库未改动：{producer_err.strip()[-1500:]}")
    if consumer.returncode != 0:
        raise BackupError(f"恢复数据库失败，数据库未改动：{consumer.stderr.strip()[-1500:]}")


def _restore_sqlite(copy: Path) -> None:
    connections.close_all()
    source = sqlite3.connect(copy)
    target = sqlite3.connect(_sqlite_path(), timeout=30)
    try:
        source.backup(target)  # page by page in one transaction; safe with WAL and other readers
    finally:
        target.close()
        source.close()


def _restore_media(tar: tarfile.TarFile, manifest: dict) -> int:
    root = Path(settings.MEDIA_ROOT)
    count = 0
    for name, expected in sorted(manifest["files"].items()):
        if not name.startswith(MEDIA_PREFIX):
            continue
        target = root / name.removeprefix(MEDIA_PREFIX)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".restoring-{secrets.token_hex(6)}-{target.name}")
        digest = hashlib.sha256()
        try:
            with tar.extractfile(name) as src, open(temporary, "wb") as dst:
                while chunk := src.read(CHUNK):
                    digest.update(chunk)
                    dst.write(chunk)
                dst.flush()
                os.fsync(dst.fileno())
            if digest.hexdigest() != expected:
                raise BackupError(f"写入的文件 {name} 与备份清单不符（磁盘错误？），已停止恢复。")
            os.replace(temporary, target)
        finally:
            temporary.unlink(missing_ok=True)
        count += 1
    return count


def current_table_counts() -> dict[str, int]:
    if _vendor() == "postgresql":
        with connection.cursor() as cursor:
            return _pg_counts(cursor)
    conn = sqlite3.connect(_sqlite_path())
    try:
        return _sqlite_counts(conn)
    finally:
        conn.close()


def verify_reports() -> tuple[int, list[str]]:
    """Every stored report's file is present and has its recorded SHA-256."""
    from reports.models import ReportDocument

    root = Path(settings.MEDIA_ROOT)
    problems = []
    documents = ReportDocument.objects.only("pk", "title", "revision", "file", "sha256").order_by("pk")
    checked = 0
    for document in documents.iterator():
        checked += 1
        path = root / document.file.name
        label = f"报告“{document.title}”第 {document.revision} 版（{document.file.name}）"
        if not path.is_file():
            problems.append(f"{label}：文件缺失")
        elif sha256_file(path) != document.sha256:
            problems.append(f"{label}：文件与登记的 SHA-256 不符")
    return checked, problems


def restore(*, archive: Path | str, force: bool = False) -> RestoreResult:
    """Restore an archive made by ``backup_create`` into the configured database and MEDIA_ROOT."""
    archive = Path(archive)
    manifest = archive_verify(archive)
    vendor = manifest["database"]["vendor"]
    if vendor != _vendor():
        raise BackupError(f"备份来自 {vendor} 数据库，当前门户使用 {_vendor()}：请在同类数据库上恢复。")
    tables_now = database_table_count()
    if tables_now and not force:
        raise BackupError(
            f"当前数据库不为空（已有 {tables_now} 张表），为免覆盖现有数据已停止恢复。"
            "确认要用备份内容替换当前数据库时，请加 --force 重新执行。"
        )
    media_root = Path(settings.MEDIA_ROOT)
    media_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=media_root.parent, prefix=".restore-") as tmp_name:
        tmp = Path(tmp_name)
        with tarfile.open(archive, mode="r:") as tar:
            db_file = manifest["database"]["file"]
            dump = tmp / db_file
            with tar.extractfile(db_file) as src, open(dump, "wb") as dst:
                shutil.copyfileobj(src, dst, CHUNK)
            if sha256_file(dump) != manifest["files"][db_file]:
                raise BackupError(f"解出的 {db_file} 与备份清单不符（磁盘错误？），数据库未改动。")
            if vendor == "postgresql":
                _restore_postgresql(dump, tmp)
            else:
                _restore_sqlite(dump)
            files = _restore_media(tar, manifest)
    connections.close_all()
    counts = current_table_counts()
    problems = [
        f"表 {name}：备份时 {expected} 行，恢复后 {counts.get(name, 0)} 行"
        for name, expected in sorted(manifest["tables"].items())
        if counts.get(name, 0) != expected
    ]
    reports, report_problems = verify_reports()
    problems += report_problems
    return RestoreResult(tables=counts, files=files, reports=reports, problems=problems)


# ---- abandoned uploads ----------------------------------------------------------------------------
ABANDONED_UPLOAD_AGE = timedelta(days=1)
# Folders of MEDIA_ROOT that hold only previews and probes: an import's preview file waits in imports/
# until the user confirms (centers.views.organization_import); one never confirmed is abandoned.
UPLOAD_FOLDERS = ("imports", "healthz")


def clean_abandoned_uploads(*, older_than: timedelta = ABANDONED_UPLOAD_AGE) -> list[str]:
    """Delete preview uploads that nobody confirmed within ``older_than``; returns their names."""
    from django.core.files.storage import default_storage

    cutoff = timezone.now() - older_than
    removed = []
    for folder in UPLOAD_FOLDERS:
        if not default_storage.exists(folder):
            continue
        _dirs, names = default_storage.listdir(folder)
        for name in sorted(names):
            path = f"{folder}/{name}"
            try:
                if default_storage.get_modified_time(path) < cutoff:
                    default_storage.delete(path)
                    removed.append(path)
            except FileNotFoundError:  # confirmed (and deleted) meanwhile
                continue
    return removed
