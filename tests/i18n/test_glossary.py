"""One glossary for the whole interface (issue 19, item 10): `casework.glossary`.

The catalogues hold every text the interface shows: the English catalogue's msgids are
our Dutch texts, the Dutch catalogue's msgstrs are viewflow's texts in Dutch. None of
them may use a variant the glossary avoids ("Deadline" for "uiterste datum", "Hangt
af van" for "wacht op", "de hoofdlijnenakkoord"), nor a term the glossary only allows
in a sentence as a whole label (a column "Uiterlijk"), nor an article before a kind of
agreement that is filled in later (it is *het* hoofdlijnenakkoord but *de*
bestuurlijke overeenkomst).
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from casework.glossary import GLOSSARY

LOCALE = Path(settings.BASE_DIR) / "locale"
CHECK_SCRIPT = Path(settings.BASE_DIR) / "scripts" / "check_translations.py"
ARTICLE_BEFORE_KIND = re.compile(r"\b(de|het)\s+(%\(kind\)s|\{\{ ?kind ?\}\})", re.I)


def parse_po(path: Path):
    spec = importlib.util.spec_from_file_location("check_translations", CHECK_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.parse_po(path)


def interface_texts() -> list[tuple[str, str]]:
    """(where, text) for every Dutch text of the interface."""
    texts = []
    for entry in parse_po(LOCALE / "en" / "LC_MESSAGES" / "django.po"):
        for text in filter(None, (entry.msgid, entry.msgid_plural)):
            texts.append((f"en:{entry.line}", text))
    for entry in parse_po(LOCALE / "nl" / "LC_MESSAGES" / "django.po"):
        for text in entry.msgstr.values():
            if text:
                texts.append((f"nl:{entry.line}", text))
    return texts


def violations(texts: list[tuple[str, str]]) -> list[str]:
    found = []
    for term in GLOSSARY:
        for variant in term.avoid:
            pattern = re.compile(rf"(?<!\w){re.escape(variant)}(?!\w)", re.I)
            found += [
                f"{where}: ‘{variant}’ in {text!r}; say ‘{term.dutch}’"
                for where, text in texts
                if pattern.search(text)
            ]
        for label in term.avoid_as_label:
            found += [
                f"{where}: the label {text!r}; say ‘{term.dutch}’"
                for where, text in texts
                if text.strip() == label
            ]
    found += [
        f"{where}: an article before a kind of agreement in {text!r}"
        for where, text in texts
        if ARTICLE_BEFORE_KIND.search(text)
    ]
    return found


def test_the_catalogues_keep_to_the_glossary():
    texts = interface_texts()
    assert len(texts) > 1000
    assert violations(texts) == []


def test_the_check_finds_each_kind_of_variant():
    found = violations(
        [
            ("a", "Deadline"),
            ("b", "Hangt af van"),
            ("c", "Uiterlijk"),
            ("d", "Waarom versie %(number)s van de %(kind)s is afgewezen"),
            ("e", "Hoofdlijnen van de hoofdlijnenakkoord"),
            ("ok", "Actie uitgezet, uiterlijk %(date)s"),
        ]
    )
    assert sorted(line.split(":")[0] for line in found) == ["a", "b", "c", "d", "e"]


def test_every_term_is_explained_and_translated():
    dutch = [term.dutch for term in GLOSSARY]
    assert len(dutch) == len(set(dutch))
    for term in GLOSSARY:
        assert term.english and str(term.meaning).strip(), term.dutch


@pytest.mark.django_db
def test_the_glossary_page_shows_every_term(client):
    page = client.get(reverse("about:glossary")).content.decode()
    for term in GLOSSARY:
        assert term.dutch.capitalize() in page, term.dutch
        assert f"({term.english})" in page
