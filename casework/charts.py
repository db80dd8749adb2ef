"""Charts as SVG, drawn on the server: the same drawing in the dashboard and in the PDF
report to parliament. Each chart carries a title and a description for assistive
technology; the pages also show the same figures as a table."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

INK = "#1a1a1a"
MUTED = "#595959"
ACCENT = "#01689b"
TARGET = "#b35c00"
# The target's number in text: darker than the line, 4.5:1 or more on white.
TARGET_INK = "#8a4500"
TRACK = "#e6eef3"


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    target: int | None = None


def grouped(value: int) -> str:
    """A whole number with its thousands grouped, as humanize's `intcomma` writes it
    (1.234 in Dutch). Below a thousand there is nothing to group in any language
    (every locale groups by three digits or more), so the many small counts of the
    dashboard skip the locale's format lookups (~10 µs a number, hundreds a page)."""
    if type(value) is int and -1000 < value < 1000:
        return str(value)
    return number_format(value, force_grouping=True)


def _svg(
    width: int, height: int, title: str, description: str, body: str
) -> SafeString:
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" '
        'height="{h}" role="img" aria-labelledby="{id}-t {id}-d" class="dk-chart">'
        '<title id="{id}-t">{title}</title><desc id="{id}-d">{desc}</desc>{body}</svg>',
        w=width,
        h=height,
        id="chart-"
        + hashlib.sha256(f"{title}|{description}".encode()).hexdigest()[:10],
        title=title,
        desc=description,
        # Every chart builds its body from numbers and escape()d labels only.
        body=mark_safe(body),
    )


def progress_bar(*, title: str, value: int, target: int, unit: str = "") -> SafeString:
    """One bar against its target, e.g. homes in accelerated planning vs 100,000."""
    width, height, left, bar_width = 560, 64, 8, 544
    share = 0 if target <= 0 else min(value / target, 1)
    filled = round(bar_width * share)
    percent = 0 if target <= 0 else round(100 * value / target)
    label = _("%(value)s %(unit)s van %(target)s (%(percent)s%%)") % {
        "value": grouped(value),
        "unit": unit,
        "target": grouped(target),
        "percent": percent,
    }
    label = label.replace("  ", " ")
    body = (
        f'<rect x="{left}" y="8" width="{bar_width}" height="28" rx="3" fill="{TRACK}"/>'
        f'<rect x="{left}" y="8" width="{filled}" height="28" rx="3" fill="{ACCENT}"/>'
        f'<text x="{left}" y="56" font-size="14" fill="{INK}">{escape(label)}</text>'
    )
    return _svg(width, height, title, label, body)


def horizontal_bars(*, title: str, bars: Sequence[Bar], unit: str = "") -> SafeString:
    """Labelled horizontal bars (e.g. locations per stage)."""
    row, label_width, bar_width, value_width = 26, 210, 280, 60
    width = label_width + bar_width + value_width
    height = max(row * len(bars) + 8, row)
    top = max((bar.value for bar in bars), default=0) or 1
    parts = []
    for index, bar in enumerate(bars):
        y = 4 + index * row
        length = round(bar_width * bar.value / top)
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 16}" font-size="13" text-anchor="end" '
            f'fill="{INK}">{escape(bar.label)}</text>'
            f'<rect x="{label_width}" y="{y + 3}" width="{max(length, 1)}" height="18" '
            f'fill="{ACCENT}"/>'
            f'<text x="{label_width + length + 6}" y="{y + 16}" font-size="13" '
            f'fill="{INK}">{grouped(bar.value)}</text>'
        )
    description = "; ".join(
        f"{bar.label}: {grouped(bar.value)} {unit}".strip() for bar in bars
    )
    return _svg(width, height, title, description, "".join(parts))


def columns_with_targets(
    *, title: str, bars: Sequence[Bar], unit: str = ""
) -> SafeString:
    """Columns per period with a target marker (e.g. breakthroughs per year). Every
    column carries its number and its period, every target line its number, and a
    legend says which is which."""
    column, gap, chart_height, left, legend = 56, 44, 160, 30, 30
    width = max(left + len(bars) * (column + gap) + gap, 420)
    base = legend + chart_height + 10
    height = base + 40
    top = max([bar.value for bar in bars] + [bar.target or 0 for bar in bars] + [1])
    value_label = unit or _("aantal")
    parts = [
        # Legend: a filled square for the columns, a dashed line for the targets.
        f'<rect x="{left}" y="6" width="14" height="14" fill="{ACCENT}"/>'
        f'<text x="{left + 20}" y="18" font-size="13" fill="{INK}">'
        f"{escape(value_label)}</text>",
        f'<line x1="{left + 170}" y1="13" x2="{left + 200}" y2="13" stroke="{TARGET}" '
        f'stroke-width="3" stroke-dasharray="6 3"/>'
        f'<text x="{left + 206}" y="18" font-size="13" fill="{INK}">'
        f"{escape(_('doel'))}</text>",
        f'<line x1="{left}" y1="{base}" x2="{width}" y2="{base}" stroke="{MUTED}"/>',
    ]
    for index, bar in enumerate(bars):
        x = left + gap + index * (column + gap)
        h = round(chart_height * bar.value / top)
        parts.append(
            f'<rect x="{x}" y="{base - h}" width="{column}" height="{h}" '
            f'fill="{ACCENT}"/>'
            f'<text x="{x + column / 2}" y="{base - 4 - h}" font-size="13" '
            f'text-anchor="middle" fill="{INK}">{grouped(bar.value)}</text>'
            f'<text x="{x + column / 2}" y="{base + 20}" font-size="13" '
            f'text-anchor="middle" fill="{INK}">{escape(bar.label)}</text>'
        )
        if bar.target is not None:
            ty = base - round(chart_height * bar.target / top)
            parts.append(
                f'<line x1="{x - 6}" y1="{ty}" x2="{x + column + 6}" y2="{ty}" '
                f'stroke="{TARGET}" stroke-width="3" stroke-dasharray="6 3"/>'
                f'<text x="{x + column + 9}" y="{ty + 4}" font-size="12" '
                f'fill="{TARGET_INK}">{grouped(bar.target)}</text>'
            )
    description = "; ".join(
        f"{bar.label}: {grouped(bar.value)}"
        + (
            _(" (doel %(target)s)") % {"target": grouped(bar.target)}
            if bar.target is not None
            else ""
        )
        for bar in bars
    )
    return _svg(width, height, title, description, "".join(parts))


# Heatmap shades, light to dark, each with a text colour of at least 4.5:1 on it: the
# number in every cell carries the meaning, the shade only repeats it.
HEAT_SHADES = [
    ("#dcebf5", INK),
    ("#9cc5e0", INK),
    (ACCENT, "#ffffff"),
    ("#154273", "#ffffff"),
]
HEAT_EMPTY = "#f4f4f4"


def _shade(value: int, top: int) -> tuple[str, str]:
    if value <= 0:
        return HEAT_EMPTY, MUTED
    step = min(len(HEAT_SHADES) - 1, (value - 1) * len(HEAT_SHADES) // max(top, 1))
    return HEAT_SHADES[step]


def _clip(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def heatmap(
    *,
    title: str,
    rows: Sequence[str],
    columns: Sequence[str],
    values: Sequence[Sequence[int]],
    description: str = "",
) -> SafeString:
    """A grid of counts, `values[row][column]` (e.g. bottlenecks per location and
    category). Every non-empty cell shows its number; darker means more."""
    cell_width, cell_height, label_width, header_height = 44, 26, 230, 150
    width = label_width + cell_width * len(columns) + 110
    height = header_height + cell_height * max(len(rows), 1) + 8
    top = max((value for row in values for value in row), default=0)
    parts = []
    for j, column in enumerate(columns):
        x = label_width + j * cell_width + cell_width / 2
        parts.append(
            f'<text x="{x}" y="{header_height - 8}" font-size="12" fill="{INK}" '
            f'transform="rotate(-55 {x} {header_height - 8})">'
            f"{escape(_clip(column, 26))}</text>"
        )
    for i, row in enumerate(rows):
        y = header_height + i * cell_height
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 17}" font-size="12" '
            f'text-anchor="end" fill="{INK}">{escape(_clip(row, 32))}</text>'
        )
        for j in range(len(columns)):
            value = values[i][j]
            fill, ink = _shade(value, top)
            x = label_width + j * cell_width
            parts.append(
                f'<rect x="{x + 1}" y="{y + 1}" width="{cell_width - 2}" '
                f'height="{cell_height - 2}" fill="{fill}"/>'
            )
            if value:
                parts.append(
                    f'<text x="{x + cell_width / 2}" y="{y + 17}" font-size="12" '
                    f'text-anchor="middle" fill="{ink}">{grouped(value)}</text>'
                )
    if not description:
        description = _(
            "%(rows)s rijen en %(columns)s kolommen; in elke cel het aantal."
        ) % {"rows": grouped(len(rows)), "columns": grouped(len(columns))}
    return _svg(width, height, title, description, "".join(parts))
