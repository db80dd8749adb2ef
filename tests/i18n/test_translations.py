"""The interface is Dutch by default and English on request, and viewflow speaks Dutch.

Our source strings are Dutch msgids translated to English in locale/en; viewflow's English
strings are translated to Dutch in locale/nl.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from casework.constants import BottleneckCategory, PartyRole, Stage, TransitionName
from casework.models import Bottleneck, Designation, Location
from permissions.constants import Role

LOCALE = Path(settings.BASE_DIR) / "locale"
CHECK_SCRIPT = Path(settings.BASE_DIR) / "scripts" / "check_translations.py"


def _check_translations():
    spec = importlib.util.spec_from_file_location("check_translations", CHECK_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks the module up there
    spec.loader.exec_module(module)
    return module


# --- The login page in both languages ----------------------------------------------------


@pytest.mark.django_db
def test_login_page_is_dutch_by_default(client):
    html = client.get(reverse("login")).content.decode()

    assert 'lang="nl"' in html
    assert "Inloggen bij Doorbraak" in html
    assert "Inloggen" in html
    assert "Log in" not in html


@pytest.mark.django_db
def test_login_page_is_english_with_the_language_cookie(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    html = client.get(reverse("login")).content.decode()

    assert 'lang="en"' in html
    assert "Log in to Doorbraak" in html
    assert "Log in" in html
    assert "Inloggen" not in html


@pytest.mark.django_db
def test_choosing_english_with_the_language_switch(client):
    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("login")}
    )
    assert response.status_code == 302

    html = client.get(reverse("login")).content.decode()

    assert "Log in to Doorbraak" in html


@pytest.mark.django_db
def test_locations_page_in_both_languages(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("lezer", password="x"))

    dutch = client.get(reverse("locations:index")).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(reverse("locations:index")).content.decode()

    # Ours: Dutch msgids, English from locale/en. Viewflow's chrome: the reverse.
    assert "Alle fasen" in dutch
    assert "Uitloggen" in dutch
    assert "Log out" not in dutch
    assert "All stages" in english
    assert "Heads of agreement" in english
    assert "Log out" in english
    assert "Uitloggen" not in english


# --- Our labels in English ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "english"),
    [
        (lambda: Stage.NEGOTIATION.label, "Negotiation"),
        (lambda: Stage.HEADS_OF_AGREEMENT.label, "Heads of agreement"),
        (lambda: Stage.ADMINISTRATIVE_AGREEMENT.label, "Administrative agreement"),
        (lambda: Stage.DESIGNATION_PROCEDURE.label, "Designation procedure"),
        (lambda: TransitionName.ESCALATE.label, "Escalate"),
        (lambda: BottleneckCategory.GRID_CONGESTION.label, "Grid congestion"),
        (lambda: PartyRole.HOUSING_CORPORATION.label, "Housing corporation"),
        (lambda: Role.CASE_MANAGER.label, "Case manager"),
        (lambda: Location._meta.verbose_name, "location"),
        (lambda: Bottleneck._meta.verbose_name_plural, "bottlenecks"),
        (
            lambda: Designation._meta.get_field("consultation_ends_on").verbose_name,
            "end of the period for written views",
        ),
    ],
)
def test_our_labels_translate_to_english(label, english):
    with translation.override("en"):
        assert str(label()) == english


def test_our_labels_stay_dutch_in_dutch():
    with translation.override("nl"):
        assert str(Stage.NEGOTIATION.label) == "Onderhandeling"
        assert str(Role.CASE_MANAGER.label) == "Procesregisseur"
        assert str(Location._meta.verbose_name) == "locatie"


@pytest.mark.parametrize(
    ("count", "dutch", "english"),
    [(1, "1 locatie", "1 location"), (3, "3 locaties", "3 locations")],
)
def test_plural_forms(count, dutch, english):
    template = Template(
        "{% load i18n %}{% blocktranslate count counter=count %}{{ counter }} locatie"
        "{% plural %}{{ counter }} locaties{% endblocktranslate %}"
    )
    with translation.override("nl"):
        assert template.render(Context({"count": count})) == dutch
    with translation.override("en"):
        assert template.render(Context({"count": count})) == english


def test_placeholders_survive_translation():
    with translation.override("en"):
        message = translation.gettext("De locatie is nu in de fase ‘%(stage)s’.") % {
            "stage": Stage.NEGOTIATION.label
        }
    assert message == "The location is now in the ‘Negotiation’ stage."


# --- Viewflow in Dutch, Django's own Dutch intact ----------------------------------------


@pytest.mark.parametrize(
    ("english", "dutch"),
    [
        ("Log out", "Uitloggen"),
        ("Log in", "Inloggen"),
        ("Profile", "Profiel"),
        ("Inbox", "Inbox"),
        ("Queue", "Wachtrij"),
        ("Archive", "Archief"),
        ("Task", "Taak"),
        ("Process", "Proces"),
        ("Assign", "Toewijzen"),
        ("Unassign", "Vrijgeven"),
    ],
)
def test_viewflow_strings_are_dutch(english, dutch):
    with translation.override("nl"):
        assert translation.gettext(english) == dutch


def test_viewflow_contextual_and_formatted_strings_are_dutch():
    with translation.override("nl"):
        assert translation.pgettext("STATUS", "Done") == "Afgerond"
        message = translation.gettext("Task {task} has been assigned.")
    assert message.format(task="#7") == "Taak #7 is toegewezen."


def test_django_admin_dutch_is_kept():
    with translation.override("nl"):
        # Shared with viewflow: same wording as Django's admin catalogue.
        assert translation.gettext("Change password") == "Wachtwoord wijzigen"
        assert translation.gettext("View site") == "Website bekijken"
        # Only in Django's catalogues: untouched.
        assert translation.gettext("Site administration") == "Websitebeheer"


# --- The catalogues themselves ------------------------------------------------------------


def test_dutch_catalogue_leaves_our_dutch_strings_alone():
    check = _check_translations()
    ours = {e.key for e in check.parse_po(LOCALE / "en/LC_MESSAGES/django.po")}
    for entry in check.parse_po(LOCALE / "nl/LC_MESSAGES/django.po"):
        if entry.msgid and entry.key in ours:
            # Only a msgid viewflow shares with us ("Status"), translated to itself.
            assert set(entry.msgstr.values()) == {entry.msgid}


@pytest.mark.parametrize("language", ["en", "nl"])
def test_catalogues_are_complete_and_compiled(language):
    check = _check_translations()
    assert check.check_catalogue(LOCALE / language / "LC_MESSAGES" / "django.po") == []
