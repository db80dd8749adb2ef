"""Single sign-on is configured from the environment; `check --deploy` stays clean with
it, and a provider without its secret refuses to start."""

import pytest

from ..config.test_settings import PRODUCTION_ENV, run_manage

OIDC_ENV = {
    "OIDC_PROVIDERS": "rijk,provincie-zh",
    "OIDC_RIJK_ISSUER": "https://login.rijk.example.nl/realms/rijk/",
    "OIDC_RIJK_CLIENT_ID": "doorbraak",
    "OIDC_RIJK_CLIENT_SECRET": "geheim-uit-de-kluis",
    "OIDC_RIJK_LABEL": "Rijkspas",
    "OIDC_PROVINCIE_ZH_ISSUER": "https://idp.pzh.example.nl",
    "OIDC_PROVINCIE_ZH_CLIENT_ID": "doorbraak-pzh",
    "OIDC_PROVINCIE_ZH_CLIENT_SECRET": "nog-een-geheim",
    "OIDC_PROVINCIE_ZH_ORGANISATION_CLAIM": "org_code",
    "TWO_FACTOR_REQUIRED": "true",
    "LOCAL_LOGIN": "false",
}

PRINT = (
    "from django.conf import settings; import json; print(json.dumps(["
    "settings.OIDC_PROVIDERS, settings.CONTENT_SECURITY_POLICY['DIRECTIVES']"
    "['form-action'], settings.LOCAL_LOGIN]))"
)


@pytest.mark.slow
def test_check_deploy_is_clean_with_single_sign_on():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV, **OIDC_ENV
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_providers_are_read_from_the_environment():
    import json

    result = run_manage("shell", "-c", PRINT, **PRODUCTION_ENV, **OIDC_ENV)
    assert result.returncode == 0, result.stderr
    providers, form_action, local_login = json.loads(
        result.stdout.strip().splitlines()[-1]
    )
    assert [p["name"] for p in providers] == ["rijk", "provincie-zh"]
    rijk, pzh = providers
    assert rijk["issuer"] == "https://login.rijk.example.nl/realms/rijk"
    assert rijk["scopes"] == "openid email profile"
    assert rijk["organisation_claim"] == "organisation"
    assert rijk["label"] == "Rijkspas"
    assert pzh["organisation_claim"] == "org_code"
    assert "https://login.rijk.example.nl" in form_action
    assert "https://idp.pzh.example.nl" in form_action
    assert local_login is False


def test_a_provider_without_its_secret_refuses_to_start():
    env = {**PRODUCTION_ENV, **OIDC_ENV, "OIDC_RIJK_CLIENT_SECRET": ""}
    result = run_manage("check", **env)
    assert result.returncode != 0
    assert "OIDC_RIJK_CLIENT_SECRET" in result.stderr


def test_development_prints_mail_on_the_console():
    """`make run` (config.settings.dev, no EMAIL_BACKEND set): mail to the demo users'
    addresses appears where the server and the worker run."""
    code = (
        "from django.core.mail import send_mail; "
        "send_mail('Uitnodiging voor Doorbraak', 'Tekst', None, "
        "['gemeente-breda@demo.doorbraak.invalid'])"
    )
    result = run_manage(
        "shell", "-c", code, DJANGO_SETTINGS_MODULE="config.settings.dev"
    )
    assert result.returncode == 0, result.stderr
    assert "Subject: Uitnodiging voor Doorbraak" in result.stdout
    assert "To: gemeente-breda@demo.doorbraak.invalid" in result.stdout
