from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvidenceConfig(AppConfig):
    """Evidence files: uploaded once, kept as uploaded, cited by reports and records."""

    name = "evidence"
    verbose_name = _("Bewijsstukken")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from casework.panels import register_location_panel

        from .panels import PANEL

        # The evidence of a location on its page (casework does not import us).
        register_location_panel(PANEL)
