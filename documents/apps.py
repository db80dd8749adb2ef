from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    """Rendering of agreements, dossiers and the progress report (weasyprint)."""

    name = "documents"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from casework.panels import register_location_panel
        from casework.timeline import register_timeline_source

        from .panels import PANEL
        from .timeline import document_entries

        register_location_panel(PANEL)
        register_timeline_source("documents", document_entries)
