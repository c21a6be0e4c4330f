"""Keeping an uploaded or given file: bounded in size, named by its checksum, stored once.

Shared by the import batches (dossiers, agencies, procedures) and the staff postings' imports.
The stored file is named by its sha256 (the model's upload_to), never by the name the user gave;
that name is only cleaned for display and download (`safe_file_name`).
"""

from __future__ import annotations

import hashlib
from pathlib import Path, PureWindowsPath
from typing import IO

from django.conf import settings
from django.core.files import File
from django.db.models.fields.files import FieldFile
from django.template.defaultfilters import filesizeformat


def too_large_message(name: str, size: int, limit: int | None = None) -> str:
    limit = settings.IMPORT_MAX_UPLOAD_BYTES if limit is None else limit
    return (
        f"Tệp {name} quá lớn ({filesizeformat(size)}); chỉ nhận tệp tối đa "
        f"{filesizeformat(limit)}. Hãy chia tệp thành nhiều phần."
    )


def safe_file_name(name: str) -> str:
    """The base name of a user-given file name, printable, at most 255 characters.

    Only ever displayed and offered as a download name: the stored file is named by its
    checksum (`dossiers.models.import_upload_path`), never by this.
    """
    base = PureWindowsPath(printable(name)).name  # both "/" and "\\" separate, "C:" dropped
    base = base.strip()
    if base in ("", ".", ".."):
        base = "tep-nhap"
    return base[-255:]


def printable(text: str) -> str:
    return "".join(char for char in str(text) if char.isprintable())


def declared_size(path: Path | None, uploaded_file: IO[bytes] | None) -> int:
    if uploaded_file is not None:
        return getattr(uploaded_file, "size", 0) or 0
    try:
        return path.stat().st_size
    except OSError:
        return 0


def copy_bounded(
    copy: IO[bytes], *, path: Path | None, uploaded_file: IO[bytes] | None, limit: int | None
) -> str:
    """Copy the given file into `copy`, up to `limit` bytes (None: any size).

    Returns "ok", "unreadable" (the path cannot be read) or "too_large" (more than `limit`
    bytes: the copy stops there).
    """
    if limit is None:
        limit = float("inf")
    if declared_size(path, uploaded_file) > limit:
        return "too_large"
    try:
        source_file = uploaded_file if uploaded_file is not None else path.open("rb")
    except OSError:
        return "unreadable"
    try:
        copied = 0
        while block := source_file.read(1024 * 1024):
            copied += len(block)
            if copied > limit:
                return "too_large"
            copy.write(block)
    except OSError:
        return "unreadable"
    finally:
        if uploaded_file is None:
            source_file.close()
    return "ok"


def measure(handle: IO[bytes]) -> tuple[int, str]:
    handle.seek(0)
    digest, size = hashlib.sha256(), 0
    while block := handle.read(1024 * 1024):
        digest.update(block)
        size += len(block)
    handle.seek(0)
    return size, digest.hexdigest()


def store_once(field_file: FieldFile, copy: IO[bytes], name: str) -> None:
    """Store `copy` in the model's file field under its checksum name; the same bytes already
    stored are not written again (the field just points at them). The instance is not saved."""
    instance = field_file.instance
    stored_name = instance._meta.get_field(field_file.field.name).generate_filename(instance, name)
    if field_file.storage.exists(stored_name):
        field_file.name = stored_name
    else:
        field_file.save(name, File(copy), save=False)
