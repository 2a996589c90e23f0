"""File storage that never leaves half a file, and files that follow their transaction.

``AtomicFileSystemStorage`` (the default storage) writes an upload to a temporary name beside its
target, syncs it, and only then links it into place: a full disk or a refused write leaves neither a
truncated file nor a temporary one, and the user gets a Chinese message naming the file
(``StorageFailure``, an ApplicationError).

``atomic`` is ``transaction.atomic`` that also owns the files written inside it: when the block fails
(a validation error after the file was written, a database error at commit) they are deleted, so no
file is left that no row names. ``delete_on_commit`` removes a replaced file only once the change that
replaced it is committed.
"""

from __future__ import annotations

import errno
import logging
import os
import tempfile
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from pathlib import PurePath

from django.core.files.storage import FileSystemStorage
from django.db import transaction

from .errors import ApplicationError

log = logging.getLogger(__name__)

_written: ContextVar[list | None] = ContextVar("core_storage_written", default=None)

REASONS = {
    errno.ENOSPC: "服务器存储空间已满",
    errno.EDQUOT: "服务器存储配额已用完",
    errno.EACCES: "服务器存储目录没有写入权限",
    errno.EPERM: "服务器存储目录没有写入权限",
    errno.EROFS: "服务器存储为只读",
}


class StorageFailure(ApplicationError):
    """A file could not be stored (disk full, no permission …): nothing of the action was saved."""

    def __init__(self, file_name: str, exc: OSError, *, field: str | None = None):
        reason = REASONS.get(exc.errno, f"服务器存储出错（错误码 {exc.errno}）")
        message = (
            f"文件“{file_name}”未能保存：{reason}。本次提交的内容均未保存，"
            "请稍后重试；如仍不成功，请联系系统管理员。"
        )
        super().__init__(message, fields={field: [message]} if field else None, code="storage")
        self.file_name = file_name
        self.os_error = exc

    def for_field(self, field: str) -> StorageFailure:
        return StorageFailure(self.file_name, self.os_error, field=field)


def _display_name(content, name: str) -> str:
    return PurePath(str(getattr(content, "name", "") or name)).name


class AtomicFileSystemStorage(FileSystemStorage):
    """FileSystemStorage that writes to a temporary name and links the complete file into place."""

    def _write(self, fh, content) -> None:
        """Copy ``content`` into the open temporary file (the fault tests make this fail)."""
        if hasattr(content, "seek"):
            content.seek(0)
        for chunk in content.chunks():
            fh.write(chunk)
        fh.flush()
        os.fsync(fh.fileno())

    def _save(self, name, content):
        label = _display_name(content, name)
        try:
            full_path = self.path(name)
            directory = os.path.dirname(full_path)
            if self.directory_permissions_mode is not None:
                old_umask = os.umask(0o777 & ~self.directory_permissions_mode)
                try:
                    os.makedirs(directory, self.directory_permissions_mode, exist_ok=True)
                finally:
                    os.umask(old_umask)
            else:
                os.makedirs(directory, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=directory, prefix=".partial-", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as fh:
                    self._write(fh, content)
                while True:
                    try:
                        os.link(temporary, full_path)  # never replaces a file of the same name
                        break
                    except FileExistsError:
                        name = self.get_available_name(name)
                        full_path = self.path(name)
            finally:
                with suppress(FileNotFoundError):
                    os.unlink(temporary)
            os.chmod(full_path, self.file_permissions_mode or 0o644)
        except OSError as exc:
            log.error("storage: could not store %s: %s", name, exc)
            raise StorageFailure(label, exc) from exc
        written = _written.get()
        if written is not None:
            written.append((self, str(name)))
        return str(name).replace("\\", "/")


def _remove(storage, name: str) -> None:
    try:
        storage.delete(name)
    except OSError as exc:  # the file stays; the nightly clean-up or an operator removes it
        log.error("storage: could not remove %s: %s", name, exc)


@contextmanager
def atomic():
    """``transaction.atomic`` whose files go with it: a failed block deletes the files written in it.

    Usable as a decorator. Nested blocks hand their files to the enclosing one on success."""
    parent = _written.get()
    mine: list = []
    token = _written.set(mine)
    try:
        with transaction.atomic():
            yield
    except BaseException:
        _written.reset(token)
        for storage, name in mine:
            _remove(storage, name)
        raise
    _written.reset(token)
    if parent is not None:
        parent.extend(mine)


def delete_on_commit(storage, name: str) -> None:
    """Remove ``name`` once the current transaction commits (a replaced file; kept if it rolls back)."""
    if name:
        transaction.on_commit(lambda: _remove(storage, name))


# The names the jobs code uses (reports' renders): the same mechanism. Files saved through this
# storage inside ``atomic()`` are recorded by ``_save`` itself; ``track_new_file`` records one saved
# another way (it is harmless for a file already recorded: deleting a missing file is a no-op).
atomic_with_files = atomic


def track_new_file(storage, name: str) -> None:
    written = _written.get()
    if written is not None and (storage, str(name)) not in written:
        written.append((storage, str(name)))
