from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PermissionsConfig(AppConfig):
    name = "permissions"
    verbose_name = _("Organisaties en rechten")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .views import remember_language_at_login

        user_logged_in.connect(
            remember_language_at_login, dispatch_uid="doorbraak-lang"
        )
