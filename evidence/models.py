"""Evidence files: uploaded once, stored as uploaded, never overwritten or deleted.

A file belongs to one location and is cited by the reports and records it supports
(an action report, a consultation, a view on a draft designation, ...). A replacement
is a new file that names the one it replaces; the old one stays in the record.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.models import Location

from .constants import ALLOWED_CONTENT_TYPES, EVIDENCE_DIR, NAME_MAX, EvidenceSubject


def evidence_path(instance: EvidenceFile, filename: str) -> str:
    """Where the file is stored: never derived from the name the uploader gave it
    (only the extension of its detected type)."""
    extension = ALLOWED_CONTENT_TYPES[instance.content_type][0]
    return f"{EVIDENCE_DIR}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"


class EvidenceFile(models.Model):
    """A file submitted as evidence at a location: its bytes in the storage, their
    SHA-256, the type read from them, and the name it was uploaded under (shown,
    never used as a path)."""

    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="evidence_files"
    )
    file = models.FileField(_("bestand"), upload_to=evidence_path, max_length=300)
    original_name = models.CharField(_("oorspronkelijke naam"), max_length=NAME_MAX)
    content_type = models.CharField(_("soort bestand"), max_length=100)
    size = models.PositiveBigIntegerField(_("grootte (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    replaces = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("vervangt"),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("toegevoegd op"), default=timezone.now)

    class Meta:
        verbose_name = _("bewijsstuk")
        verbose_name_plural = _("bewijsstukken")
        ordering = ["location", "uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(size__gt=0), name="evidence_file_not_empty"
            ),
            models.CheckConstraint(
                condition=Q(content_type__in=list(ALLOWED_CONTENT_TYPES)),
                name="evidence_file_type_allowed",
            ),
        ]
        indexes = [
            models.Index(
                fields=["location", "uploaded_at"], name="evidence_location_idx"
            )
        ]

    def __str__(self) -> str:
        return self.original_name

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("Evidence is kept as uploaded: upload a replacement.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Evidence is never deleted.")

    @property
    def type_label(self) -> str:
        entry = ALLOWED_CONTENT_TYPES.get(self.content_type)
        return str(entry[1]) if entry else self.content_type


class EvidenceCitation(models.Model):
    """A report or record that cites an evidence file (by kind and id), written in the
    transaction of that report; never changed."""

    file = models.ForeignKey(
        EvidenceFile, on_delete=models.PROTECT, related_name="citations"
    )
    subject_kind = models.CharField(
        _("aangehaald door"), max_length=32, choices=EvidenceSubject.choices
    )
    subject_id = models.PositiveBigIntegerField(_("id van wat aanhaalt"))
    cited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    cited_at = models.DateTimeField(_("aangehaald op"), default=timezone.now)

    class Meta:
        verbose_name = _("aanhaling van een bewijsstuk")
        verbose_name_plural = _("aanhalingen van bewijsstukken")
        ordering = ["cited_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["file", "subject_kind", "subject_id"],
                name="evidence_cited_once_per_subject",
            ),
            models.CheckConstraint(
                condition=Q(subject_kind__in=EvidenceSubject.values),
                name="evidence_subject_valid",
            ),
        ]
        indexes = [
            models.Index(
                fields=["subject_kind", "subject_id"], name="evidence_subject_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.file} ← {self.subject_kind}:{self.subject_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("A citation is never changed.")
        super().save(*args, **kwargs)
