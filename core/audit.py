"""The audit trail (等保二级 安全审计; 网络安全法 第二十一条: kept at least six months).

Every entry has its time, actor, source address, request id, action, object, outcome (success /
refused / failed) and, for changes, before/after. ``log_action`` is the one way to write one; the
request's address and id come from ``AuditContextMiddleware``.

**Hash chain.** After commit, ``seal_audit_chain`` gives each unsealed entry the next sequence
number, the previous entry's hash and its own: SHA-256 over the previous hash and the entry's fields
in a canonical JSON form. Entries are chained in the order they are sealed, not by id, because a long
transaction can commit an entry with a lower id after a higher one was sealed. One sealer runs at a
time (a PostgreSQL advisory lock; elsewhere the database's own write lock). ``manage.py
audit_verify`` seals what is still open, recomputes the chain and names the first entry that does
not match. Writers never wait for one another: sealing is a separate, short transaction.

**Retention.** ``archive_and_purge`` writes entries older than ``AUDIT_RETENTION_DAYS`` to a
compressed file under media (written whole, then renamed) and only then removes them, with the
purge flag that the PostgreSQL guard trigger (core migration 0002) requires.
"""

from __future__ import annotations

import contextvars
import gzip
import hashlib
import json
import os
import uuid
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from .models import AuditEntry, AuditOutcome

_request_context: contextvars.ContextVar[dict | None] = contextvars.ContextVar("audit_request", default=None)
SEAL_LOCK_KEY = 7_201_602_016  # any constant; names the audit sealer's advisory lock
ARCHIVE_DIR = "audit-archives"


def client_address(request) -> str | None:
    """The client's address: REMOTE_ADDR, or the proxy's X-Forwarded-For when BEHIND_PROXY is set."""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


class AuditContextMiddleware:
    """Keeps the request's address and id for ``log_action`` (and records refused object routes)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from .request_log import current_request_id

        token = _request_context.set(
            {"address": client_address(request), "request_id": current_request_id()[:40] or uuid.uuid4().hex}
        )
        try:
            response = self.get_response(request)
            _record_refusal(request, response)
            return response
        finally:
            _request_context.reset(token)


def _record_refusal(request, response) -> None:
    """A signed-in user's 404 (or 403) on a route that names an object is a refused access: that is
    how ``restrict`` turns away someone who is not allowed, so it is worth an entry."""
    if response.status_code not in (403, 404):
        return
    user = getattr(request, "user", None)
    match = getattr(request, "resolver_match", None)
    if user is None or not user.is_authenticated or match is None or not match.kwargs:
        return
    log_action(
        "access.refused",
        actor=user,
        outcome=AuditOutcome.REFUSED,
        data={"method": request.method, "path": request.path[:300], "status": response.status_code},
    )


def log_action(
    action: str,
    *,
    actor=None,
    obj: models.Model | None = None,
    data: dict[str, Any] | None = None,
    outcome: str = AuditOutcome.SUCCESS,
    object_repr: str = "",
):
    """Record ``action`` (dotted name from core.vocabulary's catalogue, e.g. ``evaluations.filing.submitted``)."""
    context = _request_context.get() or {}
    if not context.get("request_id"):
        from .request_log import current_request_id

        context = {**context, "request_id": current_request_id()[:40]}  # a task's id outside a request
    entry = AuditEntry(
        action=action,
        data=data or {},
        outcome=outcome,
        address=context.get("address"),
        request_id=context.get("request_id", ""),
        object_repr=object_repr[:300],
    )
    if actor is not None and getattr(actor, "is_authenticated", False):
        entry.actor = actor
    if obj is not None:
        # get_for_model(obj), not type(obj): obj may be request.user, a lazy proxy of the model
        entry.content_type = ContentType.objects.get_for_model(obj)
        entry.object_id = str(obj.pk)
        entry.object_repr = str(obj)[:300]
    entry.save()
    transaction.on_commit(seal_audit_chain_quietly)
    return entry


def bulk_log(entries: list[AuditEntry]) -> None:
    """Write many prepared entries at once (imports); they are sealed like any other."""
    context = _request_context.get() or {}
    for entry in entries:
        entry.address = entry.address or context.get("address")
        entry.request_id = entry.request_id or context.get("request_id", "")
    AuditEntry.objects.bulk_create(entries, batch_size=2000)
    transaction.on_commit(seal_audit_chain_quietly)


def entries_for(obj: models.Model):
    ct = ContentType.objects.get_for_model(type(obj))
    return AuditEntry.objects.filter(content_type=ct, object_id=str(obj.pk)).select_related("actor")


# ---- the hash chain -----------------------------------------------------------------------------------
def canonical(entry: AuditEntry) -> bytes:
    """The fields an entry's hash covers, as canonical JSON (sorted keys, UTC ISO times)."""
    fields = {
        "id": entry.pk,
        "seq": entry.seq,
        "action": entry.action,
        "actor": entry.actor_id,
        "content_type": entry.content_type_id,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "data": entry.data,
        "created_at": entry.created_at.astimezone(UTC).isoformat(),
        "address": entry.address,
        "outcome": entry.outcome,
        "request_id": entry.request_id,
    }
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, cls=DjangoJSONEncoder).encode()


def entry_digest(prev_hash: str, entry: AuditEntry) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(entry)).hexdigest()


def seal_audit_chain(batch: int = 5000) -> int:
    """Chain every committed, unsealed entry; returns how many were sealed."""
    sealed = 0
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SEAL_LOCK_KEY])
                if not cursor.fetchone()[0]:
                    return 0  # another sealer is at work; it will take these too
        last = AuditEntry.objects.exclude(seq=None).order_by("-seq").only("seq", "entry_hash").first()
        seq, prev = (last.seq, last.entry_hash) if last else (0, "")
        while True:
            pending = list(AuditEntry.objects.filter(seq=None).order_by("id")[:batch])
            if not pending:
                break
            for entry in pending:
                seq += 1
                entry.seq, entry.prev_hash = seq, prev
                entry.entry_hash = prev = entry_digest(prev, entry)
            AuditEntry.objects.bulk_update(pending, ["seq", "prev_hash", "entry_hash"])
            sealed += len(pending)
    return sealed


def seal_audit_chain_quietly() -> None:
    """After commit: seal now if possible; the beat job and audit_verify catch anything missed."""
    import logging

    from django.db import DatabaseError

    try:
        seal_audit_chain()
    except DatabaseError:
        logging.getLogger(__name__).warning("audit chain not sealed now; the next run will", exc_info=True)


def verify_chain() -> tuple[int, list[str]]:
    """Recompute the chain from its start; returns (entries checked, Chinese problems found)."""
    problems: list[str] = []
    prev, expected_seq, checked = "", None, 0
    for entry in AuditEntry.objects.exclude(seq=None).order_by("seq").iterator(chunk_size=2000):
        if expected_seq is not None and entry.seq != expected_seq:
            problems.append(f"链序号 {expected_seq} 至 {entry.seq - 1} 的记录缺失（可能被删除）。")
        if expected_seq is not None and entry.prev_hash != prev:
            problems.append(f"第 {entry.seq} 号记录（编号 {entry.pk}）所记的前一条哈希与实际不符。")
        if entry.entry_hash != entry_digest(entry.prev_hash, entry):
            problems.append(
                f"第 {entry.seq} 号记录（编号 {entry.pk}，{entry.created_at:%Y-%m-%d %H:%M}）的内容已被改动。"
            )
        prev, expected_seq, checked = entry.entry_hash, entry.seq + 1, checked + 1
        if len(problems) >= 20:
            problems.append("问题过多，仅列出前 20 项。")
            break
    return checked, problems


# ---- retention -----------------------------------------------------------------------------------------
def archive_and_purge(*, now=None) -> dict:
    """Archive entries older than AUDIT_RETENTION_DAYS to media/audit-archives/, then remove them.

    The archive is JSON lines (one entry each, with its chain fields), gzip-compressed, written to a
    temporary name and renamed only when complete; entries are removed in the same transaction that
    read them, after the file is in place. The chain's head stays: verify_chain starts from the first
    remaining entry, whose prev_hash is the archived last one's hash (kept in the file)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.AUDIT_RETENTION_DAYS)
    seal_audit_chain()
    folder = Path(settings.MEDIA_ROOT) / ARCHIVE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    with transaction.atomic():
        old = AuditEntry.objects.filter(created_at__lt=cutoff).exclude(seq=None).order_by("seq")
        count = old.count()
        if not count:
            return {"archived": 0, "file": ""}
        name = f"audit-{timezone.localtime(now):%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}.jsonl.gz"
        final = folder / name
        temp = folder / f".{name}.part"
        with open(temp, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb") as fh:
            for entry in old.iterator(chunk_size=2000):
                record = json.loads(canonical(entry))
                record.update(prev_hash=entry.prev_hash, entry_hash=entry.entry_hash)
                fh.write((json.dumps(record, ensure_ascii=False) + "\n").encode())
            fh.close()
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(temp, final)
        purge_flag()
        old.delete()
    return {"archived": count, "file": name}


def purge_flag() -> None:
    """Allow this transaction to delete audit entries (PostgreSQL guard; no-op elsewhere)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('qingpu.audit_purge', 'on', true)")


def archives() -> list[dict]:
    folder = Path(settings.MEDIA_ROOT) / ARCHIVE_DIR
    if not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.glob("audit-*.jsonl.gz"), reverse=True):
        stat = path.stat()
        out.append(
            {
                "name": path.name,
                "size": stat.st_size,
                "modified": timezone.datetime.fromtimestamp(stat.st_mtime, tz=UTC),
            }
        )
    return out
