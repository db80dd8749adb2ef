"""Stored documents: rendered once, kept as rendered, never overwritten."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.models import AgreementVersion, Location

from .constants import DocumentKind

# The folder of the storage that holds the document files (and nothing else).
DOCUMENTS_DIR = "documents"


def document_path(instance: Document, filename: str) -> str:
    return f"{DOCUMENTS_DIR}/{timezone.now():%Y/%m}/{instance.sha256[:16]}-{filename}"


class Document(models.Model):
    """A frozen PDF. `sha256` is the hash of the stored file itself; `content_sha256`
    the hash of the data it was rendered from (for an agreement: the version's hash),
    which also lets an unchanged report be served again instead of re-rendered."""

    kind = models.CharField(_("soort"), max_length=32, choices=DocumentKind.choices)
    title = models.CharField(_("titel"), max_length=300)
    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
    )
    agreement_version = models.ForeignKey(
        AgreementVersion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
    )
    file = models.FileField(_("bestand"), upload_to=document_path, max_length=300)
    size = models.PositiveIntegerField(_("grootte (bytes)"))
    sha256 = models.CharField(_("SHA-256 van het bestand"), max_length=64)
    content_sha256 = models.CharField(_("SHA-256 van de inhoud"), max_length=64)
    language = models.CharField(_("taal"), max_length=8, default="nl")
    created_at = models.DateTimeField(_("gemaakt op"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Leeg: het systeem."),
    )

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documenten")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=DocumentKind.values), name="document_kind_valid"
            ),
            models.UniqueConstraint(
                fields=["agreement_version"],
                condition=Q(kind="agreement"),
                name="document_one_pdf_per_agreement_version",
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "content_sha256"], name="document_content_idx")
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("A stored document is frozen: render a new one instead.")
        super().save(*args, **kwargs)
