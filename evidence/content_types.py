"""What a file is, read from its bytes (libmagic, through python-magic), never from its
name or the content type a client claims.

Office files are zip archives: libmagic names the common ones from the archive's first
entries; where it only says "zip", the archive itself says what it is (an ODF file
names its type in its first member `mimetype`; an OOXML file lists its main part in
`[Content_Types].xml`).
"""

from __future__ import annotations

import zipfile
from typing import IO

import magic

from .constants import ALLOWED_CONTENT_TYPES

# Enough of the start of a file for libmagic.
HEAD_BYTES = 256 * 1024
# The most of `[Content_Types].xml` or `mimetype` read from an archive.
MEMBER_BYTES = 64 * 1024

OOXML_MAIN_PARTS = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    ),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    ),
}


def _from_archive(stream: IO[bytes]) -> str | None:
    """The office type a zip archive declares, if it is an ODF or OOXML file."""
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                with archive.open("mimetype") as member:
                    declared = member.read(MEMBER_BYTES).decode("ascii", "replace")
                declared = declared.strip()
                return (
                    declared
                    if declared.startswith("application/vnd.oasis.opendocument.")
                    else None
                )
            if "[Content_Types].xml" in names:
                with archive.open("[Content_Types].xml") as member:
                    listing = member.read(MEMBER_BYTES).decode("utf-8", "replace")
                for main, content_type in OOXML_MAIN_PARTS.items():
                    if main in listing:
                        return content_type
    except (zipfile.BadZipFile, OSError, RuntimeError, ValueError):
        return None
    return None


def detect_content_type(stream: IO[bytes]) -> str:
    """The content type of the file in `stream` (read from its start; the stream is
    left at its start again)."""
    stream.seek(0)
    head = stream.read(HEAD_BYTES)
    stream.seek(0)
    detected = magic.from_buffer(head, mime=True) if head else "application/x-empty"
    if detected in ("application/zip", "application/octet-stream") and head.startswith(
        b"PK\x03\x04"
    ):
        detected = _from_archive(stream) or detected
        stream.seek(0)
    return detected


def is_allowed(content_type: str) -> bool:
    return content_type in ALLOWED_CONTENT_TYPES
