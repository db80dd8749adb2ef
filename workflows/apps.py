from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    """viewflow flows: approval rounds, breakthrough-agenda actions, escalation."""

    name = "workflows"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from casework.panels import register_bottleneck_links, register_location_panel
        from casework.signals import designation_period_set, location_transitioned
        from documents.dossier_sections import register_dossier_section

        from .agreement_pages import DRAFTS_PANEL
        from .ledger_pages import LEDGER_PANEL, bottleneck_links
        from .location_work import DOSSIER_SECTION, ESCALATION_PANEL, PANEL
        from .procedures import (
            DISPATCH_UID,
            PERIOD_DISPATCH_UID,
            follow_period,
            follow_transition,
        )

        # 'Who holds the ball' on the location page (casework does not import us)
        # and in the location dossier (documents does not either).
        register_location_panel(PANEL)
        register_location_panel(ESCALATION_PANEL)
        register_location_panel(DRAFTS_PANEL)
        register_location_panel(LEDGER_PANEL)
        register_bottleneck_links(bottleneck_links)
        register_dossier_section(DOSSIER_SECTION)
        # The escalation flows follow the location's stage (workflows.procedures).
        location_transitioned.connect(follow_transition, dispatch_uid=DISPATCH_UID)
        # Its timer follows the consultation period once the notice is recorded.
        designation_period_set.connect(follow_period, dispatch_uid=PERIOD_DISPATCH_UID)
