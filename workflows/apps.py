from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    """viewflow flows: approval rounds, breakthrough-agenda actions, escalation."""

    name = "workflows"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from casework.panels import register_location_panel

        from .location_work import PANEL

        # 'Who holds the ball' on the location page (casework does not import us).
        register_location_panel(PANEL)
