"""The rendering pipeline: locked-down fetching, escaping, fonts and hard text."""

from __future__ import annotations

import socket

import pytest

from documents.fetcher import STATIC_BASE_URL, StaticOnlyURLFetcher
from documents.rendering import (
    JSONAttachment,
    html_to_pdf,
    needs_emoji_font,
    render_pdf,
)

from .pdf import attachments_of, compact, compact_text_of, pdfa_identification, reader

HOSTILE_HTML = """<!DOCTYPE html><html lang="nl"><head><title>Aanval</title>
<link rel="stylesheet" href="documents/print.css">
<link rel="stylesheet" href="http://127.0.0.1:9/evil.css">
<link rel="attachment" href="file:///etc/passwd" title="passwd">
<link rel="attachment" href="documents/../../../../etc/hostname">
<style>
  body { background: url(http://127.0.0.1:9/bg.png); }
  p { background-image: url(file:///etc/hosts); }
  h1 { background-image: url(https://example.invalid/x.png); }
</style>
<script>document.write("gescript")</script>
</head><body>
<h1>Veilig document</h1>
<img src="http://127.0.0.1:9/tracker.png" alt="">
<img src="https://example.invalid/pixel.gif" alt="">
<img src="file:///etc/passwd" alt="">
<img src="../../../etc/passwd" alt="">
<iframe src="http://127.0.0.1:9/"></iframe>
<object data="file:///etc/passwd"></object>
<p>Tekst blijft staan.</p>
</body></html>"""


@pytest.fixture
def no_network(monkeypatch):
    """Record (and refuse) every attempt to open a network connection."""
    attempts = []

    def refuse(self, address, *args, **kwargs):
        attempts.append(address)
        raise OSError("network use in a document rendering")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: refuse(None, a))
    return attempts


def test_hostile_html_renders_without_fetching_anything(no_network):
    rendered = html_to_pdf(HOSTILE_HTML)
    text = compact_text_of(rendered.content)
    assert compact("Veilig document") in text and compact("Tekst blijft staan.") in text
    assert "gescript" not in text
    assert no_network == []
    assert attachments_of(rendered.content) == {}
    assert b"root:" not in rendered.content
    refused = rendered.fetcher.refused
    for url in (
        "http://127.0.0.1:9/evil.css",
        "file:///etc/passwd",
        "http://127.0.0.1:9/bg.png",
        "file:///etc/hosts",
        "https://example.invalid/x.png",
        "http://127.0.0.1:9/tracker.png",
        "https://example.invalid/pixel.gif",
    ):
        assert url in refused, url
    # Only our own static files were read.
    assert rendered.fetcher.served
    assert all(url.startswith(STATIC_BASE_URL) for url in rendered.fetcher.served)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file:///doorbraak-static/../etc/passwd",
        "file:///doorbraak-static/documents/../../../../etc/passwd",
        "file:///doorbraak-static/%2e%2e/%2e%2e/etc/passwd",
        "file:///doorbraak-static//etc/passwd",
        "file:///doorbraak-static/documents/fonts/../../../../../../etc/passwd",
        "file:///doorbraak-static/documents/print.css\x00.png",
        "http://127.0.0.1/",
        "https://127.0.0.1/",
        "ftp://127.0.0.1/x",
        "gopher://127.0.0.1/",
        "file:///doorbraak-static/no/such/file.css",
        "FILE:///etc/passwd",
    ],
)
def test_the_fetcher_refuses_everything_but_static_and_data(url):
    fetcher = StaticOnlyURLFetcher()
    with pytest.raises(ValueError):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_the_fetcher_serves_static_files_and_data_uris():
    fetcher = StaticOnlyURLFetcher()
    css = fetcher.fetch(STATIC_BASE_URL + "documents/print.css")
    assert b"@page" in css.read()
    data = fetcher.fetch("data:text/plain;base64,aGFsbG8=")
    assert data.read() == b"hallo"
    assert fetcher.refused == []


def test_user_text_is_escaped_not_interpreted(no_network):
    hostile = (
        '<img src="http://127.0.0.1:9/x.png"> <link rel="attachment" '
        'href="file:///etc/passwd"> <script>alert(1)</script> a < b & c > d'
    )
    rendered = render_pdf(
        "documents/base.html", {"title": hostile, "LANGUAGE_CODE": "nl"}
    )
    assert no_network == []
    assert rendered.fetcher.refused == []
    assert attachments_of(rendered.content) == {}
    text = compact_text_of(rendered.content)
    assert "<script>alert(1)</script>" in text
    assert compact("a < b & c > d") in text


def test_pdf_a_with_json_attachment_and_metadata():
    rendered = render_pdf(
        "documents/base.html",
        {"title": "Metadata-test"},
        attachments=[JSONAttachment(name="gegevens.json", data={"a": [1, "ë"]})],
    )
    assert pdfa_identification(rendered.content) == ("3", "A")
    assert attachments_of(rendered.content) == {
        "gegevens.json": b'{\n  "a": [\n    1,\n    "\xc3\xab"\n  ]\n}'
    }
    metadata = reader(rendered.content).metadata
    assert metadata.title == "Metadata-test"
    assert "Doorbraak" in metadata.author
    assert reader(rendered.content).trailer["/Root"]["/Lang"] == "nl"


def test_emoji_font_only_when_needed():
    assert not needs_emoji_font("<p>Gewone tekst met é, ë, € en → pijlen.</p>")
    assert needs_emoji_font("<p>Huis 🏠</p>")
    rendered = render_pdf("documents/base.html", {"title": "Huis 🏠 en 👍"})
    assert compact("Huis 🏠 en 👍") in compact_text_of(rendered.content)
    assert STATIC_BASE_URL + "documents/emoji.css" in rendered.fetcher.served
    plain = render_pdf("documents/base.html", {"title": "Gewoon"})
    assert STATIC_BASE_URL + "documents/emoji.css" not in plain.fetcher.served


def test_long_unbroken_strings_wrap_instead_of_disappearing():
    word = "Doorbraaklocatie" * 30
    rendered = render_pdf("documents/base.html", {"title": word})
    assert word in compact_text_of(rendered.content)
