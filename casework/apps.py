from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = _("Dossiers")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from permissions.checks import inherit_perms

        from .breakthroughs import record_transition_breakthrough
        from .constants import PROGRAMME_GRANTS, ProgrammePerm
        from .construction_views import PANEL as CONSTRUCTION_PANEL
        from .models import Location
        from .panels import register_location_panel
        from .roles import ensure_roles_after_migrate
        from .signals import location_transitioned

        # A programme-scoped role: a grant on a programme holds on its locations.
        inherit_perms(
            Location,
            via="programme",
            perms=PROGRAMME_GRANTS,
            gate=ProgrammePerm.HOLDS_ROLE,
        )
        post_migrate.connect(ensure_roles_after_migrate, sender=self)
        register_location_panel(CONSTRUCTION_PANEL)
        # A transition that cuts a knot records its breakthrough (in its transaction).
        location_transitioned.connect(
            record_transition_breakthrough,
            dispatch_uid="casework.breakthroughs.record_transition_breakthrough",
        )
