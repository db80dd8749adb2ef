from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    """viewflow flows: approval rounds, breakthrough-agenda actions, escalation."""

    name = "workflows"
    default_auto_field = "django.db.models.BigAutoField"
