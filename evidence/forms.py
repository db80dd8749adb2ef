"""The evidence a report form offers to cite: the files the person added at the
location that nothing cites yet (added on the location page, section Bewijsstukken)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .selectors import uncited_by_user


def add_evidence_field(form: forms.Form, *, user, location) -> None:
    """Give `form` a field `evidence` (ids) when `user` has files to cite at
    `location`; a blank form without such files is left as it is. A filled-in form
    always gets the field, so that a file it does not offer is refused, never
    silently dropped."""
    files = uncited_by_user(user, location)
    if not files and not form.is_bound:
        return
    form.fields["evidence"] = forms.TypedMultipleChoiceField(
        label=_("Bewijsstukken"),
        required=False,
        coerce=int,
        choices=[
            (file.pk, f"{file.original_name} (SHA-256 {file.sha256[:12]}…)")
            for file in files
        ],
        widget=forms.SelectMultiple(attrs={"size": max(min(len(files), 5), 1)}),
        help_text=_(
            "Bestanden die u bij de locatie toevoegde (sectie Bewijsstukken op de "
            "locatiepagina). De audittrail noemt ze met hun SHA-256."
        ),
    )


def evidence_error_message(form: forms.Form) -> str | None:
    """The refusal of the form's `evidence` field in one sentence, if it has one."""
    errors = form.errors.get("evidence")
    if not errors:
        return None
    return _("Bewijsstukken: %(error)s") % {"error": " ".join(errors)}
