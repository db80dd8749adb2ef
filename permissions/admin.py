from django.contrib import admin

from .models import Membership, Organisation


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "is_demo"]
    list_filter = ["kind", "is_demo"]
    search_fields = ["name", "slug"]
    inlines = [MembershipInline]
    readonly_fields = ["members_group", "signatories_group"]

    def has_add_permission(self, request):
        # Organisations need their two groups: create them with
        # permissions.services.organisation_get_or_create (load_demo does).
        return False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role"]
    list_filter = ["role", "organisation__kind"]
    search_fields = ["user__username", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]
