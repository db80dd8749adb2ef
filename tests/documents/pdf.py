"""Reading PDFs back, as a person's PDF reader would."""

from __future__ import annotations

import io
import json
import re

import pypdf


def reader(content: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(content))


def text_of(content: bytes) -> str:
    """The document's text with line breaks folded, so wrapped phrases still match."""
    pages = reader(content).pages
    return " ".join(" ".join((page.extract_text() or "").split()) for page in pages)


def attachments_of(content: bytes) -> dict[str, bytes]:
    return {name: data[0] for name, data in reader(content).attachments.items()}


def json_attachment(content: bytes, name: str):
    return json.loads(attachments_of(content)[name])


def xmp_of(content: bytes) -> str:
    xmp = reader(content).xmp_metadata
    return xmp.stream.get_data().decode("utf-8") if xmp is not None else ""


def pdfa_identification(content: bytes) -> tuple[str | None, str | None]:
    """(part, conformance) from the XMP metadata: ("3", "A") for PDF/A-3a."""
    raw = xmp_of(content)
    part = re.search(r'pdfaid:part="(\d)"|<pdfaid:part>(\d)<', raw)
    conformance = re.search(
        r'pdfaid:conformance="([A-Za-z])"|<pdfaid:conformance>([A-Za-z])<', raw
    )
    return (
        next((g for g in part.groups() if g), None) if part else None,
        next((g for g in conformance.groups() if g), None) if conformance else None,
    )


def compact(text: str) -> str:
    """Text without any whitespace: PDF text extraction puts spaces where kerning
    moved letters apart ("T ekst"), so compare without them."""
    return "".join(text.split())


def compact_text_of(content: bytes) -> str:
    return compact(text_of(content))
