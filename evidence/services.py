"""Writes of evidence: an upload, and a report or record citing what was uploaded.

Both run in one transaction with their audit event. An upload is checked before any
byte is stored: who may submit evidence at the location, the name as it was sent, the
size, and the type read from the bytes. The stored file is removed again if the
transaction fails, so no file is left without its record; nothing is ever overwritten
or deleted afterwards.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from casework.constants import AuditAction, LocationPerm
from casework.limits import LIST_ITEMS_MAX
from casework.models import Location
from casework.services import audit_record
from casework.validation import require_count_within
from permissions.checks import has_object_perm
from permissions.errors import InvalidInput, NotPermitted

from .constants import NAME_MAX, EvidenceSubject
from .content_types import detect_content_type, is_allowed
from .errors import FileTooLarge, FileTypeRefused
from .models import EvidenceCitation, EvidenceFile

DEFAULT_MAX_BYTES = 20 * 1024 * 1024


def max_bytes() -> int:
    """The largest file taken (`EVIDENCE_MAX_BYTES`, default 20 MB)."""
    return int(getattr(settings, "EVIDENCE_MAX_BYTES", DEFAULT_MAX_BYTES))


def may_submit_evidence(user, location: Location) -> bool:
    """Case managers, the ministry and the people of the location's parties submit
    evidence; programme viewers read it."""
    return any(
        has_object_perm(user, perm, location)
        for perm in (LocationPerm.MANAGE, LocationPerm.DIRECT, LocationPerm.CONTRIBUTE)
    )


def size_text(size: int) -> str:
    """A limit in words: "20 MB", "512 kB"."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.0f} MB"
    return f"{max(size, 1024) / 1024:.0f} kB"


def too_large_message() -> str:
    return _("Het bestand is groter dan %(limit)s.") % {"limit": size_text(max_bytes())}


def clean_original_name(name: Any) -> str:
    """The name a file was sent under, if it is a plain file name: no folder in it
    (no slash or backslash, not "." or ".."), no control characters, at most
    `NAME_MAX` characters. Else InvalidInput: the name is kept and shown, never used
    as a path, and a name that tries to be one is refused rather than silently cut."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput(_("Het bestand heeft geen naam."))
    if "/" in name or "\\" in name or name.strip() in (".", ".."):
        raise InvalidInput(
            _("De naam van het bestand mag geen map bevatten (geen / of \\ of ..).")
        )
    if any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in name):
        raise InvalidInput(
            _("De naam van het bestand bevat een stuurteken; kies een gewone naam.")
        )
    if len(name) > NAME_MAX:
        raise InvalidInput(
            _("De naam van het bestand is langer dan %(limit)s tekens.")
            % {"limit": NAME_MAX}
        )
    return name.strip()


def _sha256(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def evidence_upload(
    *,
    location: Location,
    actor,
    upload,
    name: str | None = None,
    replaces: EvidenceFile | None = None,
) -> EvidenceFile:
    """Store `upload` (a Django uploaded file) as evidence at `location`.

    `name` is the file name as the client sent it (default: the upload's own).
    Raises, before anything is stored: NotPermitted (not a case manager, the
    ministry or a party of the location), InvalidInput (a name with a folder or a
    control character, an empty file, a replacement of another location's file),
    FileTooLarge (over `EVIDENCE_MAX_BYTES`: 413) and FileTypeRefused (its bytes are
    no type of the allow-list, whatever its name: 415)."""
    if not may_submit_evidence(actor, location):
        raise NotPermitted(_("U kunt bij deze locatie geen bewijsstukken toevoegen."))
    original_name = clean_original_name(upload.name if name is None else name)
    if not upload.size:
        raise InvalidInput(_("Het bestand is leeg."))
    if upload.size > max_bytes():
        raise FileTooLarge(too_large_message())
    if replaces is not None and replaces.location_id != location.pk:
        raise InvalidInput(
            _("Een bestand vervangt alleen een bestand van dezelfde locatie.")
        )
    content_type = detect_content_type(upload)
    if not is_allowed(content_type):
        raise FileTypeRefused(
            _(
                "Dit soort bestand wordt niet aangenomen. Toegestaan zijn PDF, PNG, "
                "JPEG, ODF- en Office-bestanden, platte tekst en e-mail (.eml)."
            )
        )
    evidence = EvidenceFile(
        location=location,
        original_name=original_name,
        content_type=content_type,
        size=upload.size,
        sha256=_sha256(upload),
        replaces=replaces,
        uploaded_by=actor,
    )
    stored = None
    try:
        with transaction.atomic():
            evidence.file.save("upload", upload, save=False)
            stored = evidence.file.name
            evidence.save()
            audit_record(
                action=AuditAction.EVIDENCE_UPLOADED,
                actor=actor,
                location=location,
                data={
                    "evidence": evidence.pk,
                    "name": original_name,
                    "content_type": content_type,
                    "size": evidence.size,
                    "sha256": evidence.sha256,
                    "replaces": replaces.pk if replaces else None,
                },
            )
    except BaseException:
        if stored:
            default_storage.delete(stored)
        raise
    return evidence


def _ids(files: Iterable[Any]) -> list[int]:
    ids = list(files or [])
    require_count_within(
        len(ids),
        limit=LIST_ITEMS_MAX,
        message=_("Hooguit %(limit)s bewijsstukken per melding."),
    )
    checked = []
    for value in ids:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise InvalidInput(_("Noem elk bewijsstuk met zijn id."))
        try:
            checked.append(int(value))
        except ValueError:
            raise InvalidInput(_("Noem elk bewijsstuk met zijn id.")) from None
    return list(dict.fromkeys(checked))


@transaction.atomic
def evidence_cite(
    *,
    files: Iterable[Any],
    subject_kind: str,
    subject_id: int,
    location: Location,
    actor,
) -> list[EvidenceFile]:
    """`subject` (a report or record of `location`, written in this transaction)
    cites the evidence files `files` (ids), which `actor` uploaded at `location`.
    One audit event names the subject and each file with its SHA-256. A file the
    subject cited before is cited once. Raises InvalidInput for an id that is not
    such a file (the same answer whether it does not exist or is someone else's).
    Call inside the subject's transaction: a refusal undoes the report too."""
    ids = _ids(files)
    if not ids:
        return []
    if subject_kind not in EvidenceSubject.values:
        raise ValueError(f"unknown subject: {subject_kind}")
    found = {
        evidence.pk: evidence
        for evidence in EvidenceFile.objects.filter(
            pk__in=ids, location=location, uploaded_by=actor
        )
    }
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise InvalidInput(
            _(
                "Bewijsstuk %(id)s is niet door u bij deze locatie toegevoegd; voeg "
                "het eerst toe."
            )
            % {"id": missing[0]}
        )
    cited_before = set(
        EvidenceCitation.objects.filter(
            file_id__in=ids, subject_kind=subject_kind, subject_id=subject_id
        ).values_list("file_id", flat=True)
    )
    EvidenceCitation.objects.bulk_create(
        EvidenceCitation(
            file_id=pk,
            subject_kind=subject_kind,
            subject_id=subject_id,
            cited_by=actor,
        )
        for pk in ids
        if pk not in cited_before
    )
    cited = [found[pk] for pk in ids]
    audit_record(
        action=AuditAction.EVIDENCE_CITED,
        actor=actor,
        location=location,
        data={
            "subject_kind": subject_kind,
            "subject_id": subject_id,
            "evidence": [
                {"id": e.pk, "name": e.original_name, "sha256": e.sha256} for e in cited
            ],
        },
    )
    return cited
