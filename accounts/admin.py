from django.contrib import admin

from .models import ExternalIdentity, Invitation, OrganisationClaim


@admin.register(OrganisationClaim)
class OrganisationClaimAdmin(admin.ModelAdmin):
    """Which value of a provider's organisation claim means which organisation: the
    only way single sign-on ties anyone to an organisation."""

    list_display = ["provider", "claim_value", "organisation"]
    list_filter = ["provider"]
    search_fields = ["claim_value", "organisation__name"]
    autocomplete_fields = ["organisation"]


@admin.register(ExternalIdentity)
class ExternalIdentityAdmin(admin.ModelAdmin):
    list_display = ["user", "provider", "subject", "created_at", "last_login_at"]
    list_filter = ["provider"]
    search_fields = ["user__username", "user__email", "subject"]
    readonly_fields = ["provider", "subject", "created_at", "last_login_at"]
    autocomplete_fields = ["user"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organisation", "role", "status", "created_at"]
    list_filter = ["status", "role"]
    search_fields = ["email", "organisation__name"]
    readonly_fields = [
        "organisation",
        "email",
        "role",
        "make_administrator",
        "invited_by",
        "status",
        "created_at",
        "accepted_at",
        "accepted_by",
    ]

    def has_add_permission(self, request):
        # Invitations are sent from the organisation's people page (a signed link).
        return False
