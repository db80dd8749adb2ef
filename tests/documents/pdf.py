"""Reading PDFs back, as a person's PDF reader would."""

from __future__ import annotations

import io
import json
import re
from html import unescape

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


# --- Reading a page as a person sees it: lines, the body, the structure tree -----------

# WeasyPrint draws in CSS pixels from the top of the page (1 px = 0.75 pt). The page
# margins (print.css: 22 mm above, 20 mm below) hold the running header and footer.
_PX_PER_MM = 96 / 25.4
_BODY_TOP = 22 * _PX_PER_MM - 10
_BODY_BOTTOM_MARGIN = 20 * _PX_PER_MM - 10


def _fragments(page) -> list[tuple[float, float, str]]:
    """(y, x, text) of every piece of text on the page, in CSS pixels from the top."""
    found = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            found.append((round(tm[5], 1), tm[4], text))

    page.extract_text(visitor_text=visit)
    return found


def body_lines(content: bytes) -> list[list[str]]:
    """Per page, the lines of its body (running header and footer left out): every
    piece of text on the same baseline, left to right, as a list of pieces. A table
    row's cells share a line; a word broken across lines is in two lines."""
    pages = []
    for page in reader(content).pages:
        bottom = float(page.mediabox.height) / 0.75 - _BODY_BOTTOM_MARGIN
        lines: dict[float, list[tuple[float, str]]] = {}
        for y, x, text in _fragments(page):
            if _BODY_TOP < y < bottom:
                lines.setdefault(y, []).append((x, text))
        pages.append([[text for _x, text in sorted(lines[y])] for y in sorted(lines)])
    return pages


def body_texts_of(content: bytes) -> list[str]:
    """Per page, the text of its body in the order it was drawn (a table cell's lines
    one after the other), running header and footer left out, without whitespace."""
    texts = []
    for page in reader(content).pages:
        bottom = float(page.mediabox.height) / 0.75 - _BODY_BOTTOM_MARGIN
        texts.append(
            compact(
                "".join(
                    text for y, _x, text in _fragments(page) if _BODY_TOP < y < bottom
                )
            )
        )
    return texts


def _longest_piece(word: str, text: str) -> int:
    """The length of the longest beginning of `word` that `text` holds."""
    low, high = 0, len(word)
    while low < high:
        middle = (low + high + 1) // 2
        if word[:middle] in text:
            low = middle
        else:
            high = middle - 1
    return low


def reads_whole(word: str, pages: list[str]) -> bool:
    """True when `word` reads whole and in order: on one page, or continued from one
    page onto the next ones (each page holding one unbroken piece of it; a table row
    that spans pages draws its other cells between the pieces)."""
    for start in range(len(pages)):
        position = 0
        for text in pages[start:]:
            piece = _longest_piece(word[position:], text)
            if piece == 0:
                break
            position += piece
            if position == len(word):
                return True
    return False


def shown_text_of(html: str) -> str:
    """The text the HTML of a document lays out in lines (its body, without the
    charts' SVG), unescaped, without whitespace."""
    body = html[html.index("<body") :]
    body = re.sub(r"<svg.*?</svg>", " ", body, flags=re.S)
    return compact(unescape(re.sub(r"<[^>]+>", " ", body)))


def broken_words(content: bytes, html: str, vocabulary) -> list[str]:
    """The words of `vocabulary` that the document's HTML shows more often than the
    PDF has them whole on one line: broken inside somewhere ("Over" / "eenkomst")."""
    lines = [compact(" ".join(line)) for page in body_lines(content) for line in page]
    shown = shown_text_of(html)
    return sorted(
        word
        for word in {compact(word) for word in vocabulary}
        if sum(line.count(word) for line in lines) < shown.count(word)
    )


def structure_elements(content: bytes) -> list[dict]:
    """Every element of the PDF's structure tree (the tags a screen reader reads), in
    document order: each as its pypdf dictionary."""
    root = reader(content).trailer["/Root"]
    found = []

    def walk(node):
        node = node.get_object()
        if isinstance(node, list):
            for kid in node:
                walk(kid)
        elif isinstance(node, dict):
            if node.get("/Type") == "/StructElem" or "/S" in node:
                found.append(node)
            if "/K" in node:
                walk(node["/K"])

    walk(root["/StructTreeRoot"]["/K"])
    return found
