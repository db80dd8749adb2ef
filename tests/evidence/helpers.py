"""Uploading evidence in tests: the multipart body written by hand, so that a file
name is sent exactly as given (Django's test client would cut it to its basename)."""

from __future__ import annotations

import contextlib
from pathlib import Path

from django.conf import settings

from casework.models import AuditEvent
from evidence.models import EvidenceCitation, EvidenceFile

BOUNDARY = "----doorbraak-bewijs"


def multipart(
    content: bytes,
    name: str = "bewijs.pdf",
    *,
    field: str = "file",
    content_type: str = "application/pdf",
    fields: dict[str, str] | None = None,
) -> tuple[bytes, str]:
    parts = []
    for key, value in (fields or {}).items():
        parts.append(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'
            f"{value}\r\n".encode()
        )
    parts.append(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{field}"; '
        f'filename="{name}"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{BOUNDARY}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={BOUNDARY}"


def upload(client, location, content: bytes, name: str = "bewijs.pdf", **kwargs):
    body, content_type = multipart(content, name, **kwargs)
    return client.generic(
        "POST",
        f"/api/v1/locations/{getattr(location, 'pk', location)}/evidence/",
        body,
        content_type=content_type,
    )


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "evidence"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@contextlib.contextmanager
def nothing_stored():
    """Neither a row nor a file nor an audit event is added inside the block."""
    before = (
        EvidenceFile.objects.count(),
        EvidenceCitation.objects.count(),
        AuditEvent.objects.count(),
        stored_files(),
    )
    yield
    assert (
        EvidenceFile.objects.count(),
        EvidenceCitation.objects.count(),
        AuditEvent.objects.count(),
        stored_files(),
    ) == before
