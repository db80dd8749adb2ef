"""The evidence a report form offers to cite: the files the person added at the
location that nothing cites yet (added on the location page, section Bewijsstukken)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .selectors import uncited_by_user


def add_evidence_field(form: forms.Form, *, user, location) -> None:
    """Give `form` a field `evidence` (ids) when `user` has files to cite at
    `location`; a form without such files is left as it is."""
    files = uncited_by_user(user, location)
    if not files:
        return
    form.fields["evidence"] = forms.TypedMultipleChoiceField(
        label=_("Bewijsstukken"),
        required=False,
        coerce=int,
        choices=[
            (file.pk, f"{file.original_name} (SHA-256 {file.sha256[:12]}…)")
            for file in files
        ],
        widget=forms.SelectMultiple(attrs={"size": min(len(files), 5)}),
        help_text=_(
            "Bestanden die u bij de locatie toevoegde (sectie Bewijsstukken op de "
            "locatiepagina). De audittrail noemt ze met hun SHA-256."
        ),
    )
