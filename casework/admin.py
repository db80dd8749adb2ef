"""Django admin for the casework models.

Nothing here changes the domain without an audit row. Locations and bottlenecks are
read-only (their services, with their checks and audit events, are in the interface
and the API); the audit trail is append-only. A programme has no page of its own in
the interface: the admin changes it through `casework.programmes`, with a reason.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from permissions.errors import DomainError

from .limits import TEXT_MAX
from .models import (
    Agreement,
    AgreementVersion,
    Approval,
    AuditEvent,
    Bottleneck,
    Breakthrough,
    Commitment,
    ConstructionStart,
    Escalation,
    Location,
    Party,
    Programme,
)
from .programmes import PROGRAMME_FIELDS, programme_create, programme_update


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ProgrammeForm(forms.ModelForm):
    reason = forms.CharField(
        label=_("Reden van de wijziging"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Komt met de wijziging in de audittrail."),
    )

    class Meta:
        model = Programme
        fields = list(PROGRAMME_FIELDS)


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    """Programmes are set up and changed here, through `casework.programmes`: with a
    reason, audited. Never deleted (their locations and audit trail point at them)."""

    form = ProgrammeForm
    list_display = ["name", "homes_target", "stage_limit_days", "approval_working_days"]
    prepopulated_fields = {"slug": ["name"]}

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in PROGRAMME_FIELDS}
        reason = form.cleaned_data["reason"]
        try:
            if change:
                saved = programme_update(
                    programme=Programme.objects.get(pk=obj.pk),
                    actor=request.user,
                    reason=reason,
                    **fields,
                )
            else:
                saved = programme_create(actor=request.user, reason=reason, **fields)
        except DomainError as exc:
            # The form validated the same fields: this is a permission or a race.
            raise PermissionDenied(exc.message) from exc
        obj.pk = saved.pk
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        """A programme has no related objects edited here."""


class PartyInline(admin.TabularInline):
    model = Party
    extra = 0
    readonly_fields = ["organisation", "role", "joined_at"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        # Parties carry permission grants: add them with casework.services.party_add.
        return False

    def has_change_permission(self, request, obj=None):
        return False


class BottleneckInline(admin.TabularInline):
    model = Bottleneck
    extra = 0
    fields = ["category", "description", "owner", "status", "deadline"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Location)
class LocationAdmin(ReadOnlyAdmin):
    """Read-only: locations change through the services (the state machine, the
    criteria, the parties), each with its checks and its audit event."""

    list_display = [
        "name",
        "municipality",
        "province",
        "stage",
        "planned_homes",
        "programme",
    ]
    list_filter = ["stage", "province", "programme"]
    search_fields = ["name", "municipality"]
    inlines = [PartyInline, BottleneckInline]


@admin.register(Bottleneck)
class BottleneckAdmin(ReadOnlyAdmin):
    """Read-only: bottlenecks are registered through `bottleneck_create` (audited)."""

    list_display = ["location", "category", "status", "deadline"]
    list_filter = ["category", "status"]
    search_fields = ["description", "location__name"]


@admin.register(Breakthrough)
class BreakthroughAdmin(ReadOnlyAdmin):
    list_display = ["occurred_on", "location", "kind", "source"]
    list_filter = ["kind"]


@admin.register(ConstructionStart)
class ConstructionStartAdmin(ReadOnlyAdmin):
    list_display = ["location", "started_on", "homes_started", "recorded_by"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "action", "location", "transition", "reason"]
    list_filter = ["action", "transition"]
    search_fields = ["reason", "location__name"]


@admin.register(Agreement)
class AgreementAdmin(ReadOnlyAdmin):
    list_display = ["title", "location", "kind"]


@admin.register(AgreementVersion)
class AgreementVersionAdmin(ReadOnlyAdmin):
    list_display = ["agreement", "number", "status", "sha256"]


@admin.register(Commitment)
class CommitmentAdmin(ReadOnlyAdmin):
    list_display = ["version", "owner", "due_date", "status"]


@admin.register(Approval)
class ApprovalAdmin(ReadOnlyAdmin):
    list_display = ["version", "organisation", "decision", "decided_by", "decided_at"]


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    list_display = ["location", "opened_at", "consultation_outcome", "closed_at"]
