from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts en identiteiten")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .second_factor import note_second_factor_at_login

        user_logged_in.connect(
            note_second_factor_at_login, dispatch_uid="accounts.second_factor"
        )
