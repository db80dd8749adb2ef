from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    """Rendering of agreements, dossiers and the progress report (weasyprint)."""

    name = "documents"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from casework.panels import register_location_panel

        from .panels import PANEL

        register_location_panel(PANEL)
