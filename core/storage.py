"""File storage that never leaves a zero-byte or truncated file under a real name.

``AtomicFileSystemStorage`` (the default storage, settings.STORAGES) writes every file — uploads and
generated PDFs alike — to a hidden temporary name in the target folder, flushes it to disk and only
then links it under its real name. A full disk, a killed worker or an exception part-way leaves at most
a ``.part-*`` file, never a broken file that a record points to.

``atomic_with_files()`` is ``transaction.atomic()`` for code that saves files inside the transaction:
files saved through ``track_new_file`` are deleted again when the transaction does not commit (Django
rolls back rows, not files), so a failed render or upload leaves no orphan either.
"""

from __future__ import annotations

import contextvars
import logging
import os
import shutil
import tempfile
from contextlib import contextmanager, suppress

from django.core.files.storage import FileSystemStorage
from django.db import transaction

logger = logging.getLogger(__name__)

PART_PREFIX = ".part-"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class AtomicFileSystemStorage(FileSystemStorage):
    def _save(self, name, content):
        full_path = self.path(name)
        directory = os.path.dirname(full_path)
        if self.directory_permissions_mode is not None:
            os.makedirs(directory, self.directory_permissions_mode, exist_ok=True)
        else:
            os.makedirs(directory, exist_ok=True)
        fd, part = tempfile.mkstemp(prefix=PART_PREFIX, dir=directory)
        try:
            with os.fdopen(fd, "wb") as fh:
                if hasattr(content, "temporary_file_path"):
                    with open(content.temporary_file_path(), "rb") as source:
                        shutil.copyfileobj(source, fh, 1024 * 1024)
                else:
                    for chunk in content.chunks():
                        fh.write(chunk if isinstance(chunk, bytes) else chunk.encode())
                fh.flush()
                os.fsync(fh.fileno())
            mode = self.file_permissions_mode
            os.chmod(part, mode if mode is not None else 0o666 & ~_umask())
            while True:
                try:
                    os.link(part, full_path)  # complete, and never over an existing file
                    break
                except FileExistsError:
                    name = self.get_available_name(name)
                    full_path = self.path(name)
        finally:
            with suppress(FileNotFoundError):
                os.unlink(part)
        self._ensure_location_group_id(full_path)
        return str(os.path.relpath(full_path, self.location)).replace("\\", "/")


_new_files: contextvars.ContextVar[tuple[list, ...]] = contextvars.ContextVar("new_files", default=())


def track_new_file(storage, name: str) -> None:
    """Record a file saved inside ``atomic_with_files()``: deleted again if the transaction (or any
    enclosing one) fails."""
    for files in _new_files.get():
        files.append((storage, name))


@contextmanager
def atomic_with_files():
    files: list = []
    token = _new_files.set((*_new_files.get(), files))
    try:
        with transaction.atomic():
            yield
    except BaseException:
        for storage, name in files:
            try:
                storage.delete(name)
            except Exception:
                logger.warning("could not delete %s after a failed transaction", name)
        raise
    finally:
        _new_files.reset(token)
