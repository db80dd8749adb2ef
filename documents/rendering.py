"""Context → template (autoescaped) → WeasyPrint, with the locked-down fetcher.

Kept in a long-lived process: WeasyPrint's import costs about a second and its font
configuration is reused between documents.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from fontTools.ttLib import TTFont
from weasyprint import HTML, Attachment
from weasyprint.text.fonts import FontConfiguration

from .fetcher import STATIC_BASE_URL, StaticOnlyURLFetcher

PDF_VARIANT = "pdf/a-3b"

FONT_DIR = Path(__file__).parent / "static" / "documents" / "fonts"


@lru_cache(maxsize=1)
def _text_font_coverage() -> frozenset[int]:
    return frozenset(TTFont(FONT_DIR / "DejaVuSans.ttf", lazy=True).getBestCmap())


def needs_emoji_font(html: str) -> bool:
    """True when the document has characters the text font lacks (emoji, pictographs):
    only then is the emoji font loaded, which keeps ordinary documents fast."""
    coverage = _text_font_coverage()
    return any(ord(char) > 0x7F and ord(char) not in coverage for char in set(html))


@dataclass
class JSONAttachment:
    name: str
    data: Any
    description: str = ""


@dataclass
class RenderedPDF:
    content: bytes
    fetcher: StaticOnlyURLFetcher
    html: str = field(repr=False)


def render_html(
    template_name: str, context: dict[str, Any], *, language: str = "nl"
) -> str:
    with translation.override(language):
        html = render_to_string(template_name, context)
    if needs_emoji_font(html):
        html = html.replace(
            "<!--emoji-font-->",
            '<link rel="stylesheet" href="documents/emoji.css">',
            1,
        )
    return html


def html_to_pdf(
    html: str,
    *,
    attachments: list[JSONAttachment] | tuple = (),
    variant: str | None = PDF_VARIANT,
    font_config: FontConfiguration | None = None,
) -> RenderedPDF:
    fetcher = StaticOnlyURLFetcher()
    pdf = HTML(string=html, base_url=STATIC_BASE_URL, url_fetcher=fetcher).write_pdf(
        pdf_variant=variant,
        attachments=[
            Attachment(
                string=json.dumps(
                    item.data, ensure_ascii=False, indent=2, sort_keys=True
                ),
                name=item.name,
                description=item.description,
                url_fetcher=fetcher,
                base_url=STATIC_BASE_URL,
                relationship="Data",
            )
            for item in attachments
        ],
        font_config=font_config or FontConfiguration(),
    )
    return RenderedPDF(content=pdf, fetcher=fetcher, html=html)


def render_pdf(
    template_name: str,
    context: dict[str, Any],
    *,
    attachments: list[JSONAttachment] | tuple = (),
    language: str = "nl",
) -> RenderedPDF:
    return html_to_pdf(
        render_html(template_name, context, language=language), attachments=attachments
    )
