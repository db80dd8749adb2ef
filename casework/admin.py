"""Django admin for the casework models.

The stage and the audit trail are read-only here: the stage changes only through the
services (the state machine), the audit trail is append-only.
"""

from django.contrib import admin

from .models import (
    Agreement,
    AgreementVersion,
    Approval,
    AuditEvent,
    Bottleneck,
    Commitment,
    Escalation,
    Location,
    Party,
    Programme,
)


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["name", "homes_target", "stage_limit_days", "approval_working_days"]
    prepopulated_fields = {"slug": ["name"]}


class PartyInline(admin.TabularInline):
    model = Party
    extra = 0
    readonly_fields = ["organisation", "role", "joined_at"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        # Parties carry permission grants: add them with casework.services.party_add.
        return False


class BottleneckInline(admin.TabularInline):
    model = Bottleneck
    extra = 0
    fields = ["category", "description", "owner", "status", "deadline"]


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
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
    readonly_fields = ["stage", "stage_changed_at", "created_at"]
    inlines = [PartyInline, BottleneckInline]


@admin.register(Bottleneck)
class BottleneckAdmin(admin.ModelAdmin):
    list_display = ["location", "category", "status", "deadline"]
    list_filter = ["category", "status"]
    search_fields = ["description", "location__name"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
