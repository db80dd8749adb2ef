"""The location's state machine (design §2) drawn as SVG on the server.

One drawing for every place that shows it: the location page now, the PDF dossier and
the dashboard later (it depends on nothing but the stage names). The current stage is
marked by more than colour: a thick black outline, bold text and the words "huidige
fase"; stages the location passed through say "doorlopen" and the transitions it took
are drawn as thick solid arrows, the others thin and dashed. The SVG carries a title
and a description for assistive technology; pages also show `stage_marks` as a list.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .constants import Stage

INK = "#1a1a1a"
MUTED = "#4a4a4a"
ACCENT = "#01689b"
VISITED_FILL = "#e8f1f6"
# Lines the reader needs keep at least 3:1 against white (WCAG 1.4.11).
UNTAKEN_LINE = "#767676"

# Grid cell (column, row) of each stage: the main path on top, the escalation branch
# under negotiation, withdrawal at the left.
POSITION = {
    Stage.PROPOSED: (0, 0),
    Stage.SELECTED: (1, 0),
    Stage.BOTTLENECK_ANALYSIS: (2, 0),
    Stage.NEGOTIATION: (3, 0),
    Stage.HEADS_OF_AGREEMENT: (4, 0),
    Stage.ADMINISTRATIVE_AGREEMENT: (5, 0),
    Stage.ESCALATED: (3, 1),
    Stage.DESIGNATION_PROCEDURE: (4, 1),
    Stage.DESIGNATED: (4, 2),
    Stage.WITHDRAWN: (0, 1),
}
# The order in which the text alternative lists the stages.
DIAGRAM_ORDER = list(POSITION)

# The transitions of design §2 that the drawing shows as arrows. Withdrawal is possible
# from every stage but two: the drawing says so in words instead of eight arrows.
EDGES = [
    (Stage.PROPOSED, Stage.SELECTED),
    (Stage.SELECTED, Stage.BOTTLENECK_ANALYSIS),
    (Stage.BOTTLENECK_ANALYSIS, Stage.NEGOTIATION),
    (Stage.NEGOTIATION, Stage.HEADS_OF_AGREEMENT),
    (Stage.HEADS_OF_AGREEMENT, Stage.ADMINISTRATIVE_AGREEMENT),
    (Stage.BOTTLENECK_ANALYSIS, Stage.ESCALATED),
    (Stage.NEGOTIATION, Stage.ESCALATED),
    (Stage.HEADS_OF_AGREEMENT, Stage.ESCALATED),
    (Stage.ADMINISTRATIVE_AGREEMENT, Stage.ESCALATED),
    (Stage.ESCALATED, Stage.NEGOTIATION),
    (Stage.ESCALATED, Stage.DESIGNATION_PROCEDURE),
    (Stage.DESIGNATION_PROCEDURE, Stage.NEGOTIATION),
    (Stage.DESIGNATION_PROCEDURE, Stage.DESIGNATED),
]

NODE_W, NODE_H = 138, 58
PITCH_X, PITCH_Y = 156, 120
LEFT, TOP = 20, 44
WIDTH = LEFT + 5 * PITCH_X + NODE_W + 50
HEIGHT = TOP + 2 * PITCH_Y + NODE_H + 18

CURRENT, VISITED, NOT_VISITED = "current", "visited", "not_visited"


@dataclass(frozen=True)
class StageStep:
    """One transition the location took (from its audit trail)."""

    from_stage: str
    to_stage: str
    at: datetime.datetime | None = None

    @property
    def to_label(self) -> str:
        return str(Stage(self.to_stage).label)


@dataclass
class StagePath:
    """Where a location is and how it got there."""

    current: str
    steps: list[StageStep] = field(default_factory=list)

    @property
    def visited(self) -> set[str]:
        stages = {self.current}
        for step in self.steps:
            stages.update((step.from_stage, step.to_stage))
        return stages

    @property
    def edges(self) -> set[tuple[str, str]]:
        return {(step.from_stage, step.to_stage) for step in self.steps}

    @property
    def start(self) -> str:
        return self.steps[0].from_stage if self.steps else self.current

    @property
    def start_label(self) -> str:
        return str(Stage(self.start).label)

    def state_of(self, stage: str) -> str:
        if stage == self.current:
            return CURRENT
        return VISITED if stage in self.visited else NOT_VISITED


def stage_path(current: str, transitions: Iterable[StageStep]) -> StagePath:
    """The path from the transitions in order (oldest first); transitions whose stages
    are not (or no longer) stages of the machine are left out."""
    known = set(Stage.values)
    steps = [
        step
        for step in transitions
        if step.from_stage in known and step.to_stage in known
    ]
    return StagePath(current=current, steps=steps)


@dataclass(frozen=True)
class StageMark:
    value: str
    label: str
    state: str

    @property
    def mark(self) -> str:
        return {
            CURRENT: _("huidige fase"),
            VISITED: _("doorlopen"),
            NOT_VISITED: _("niet doorlopen"),
        }[self.state]


def stage_marks(path: StagePath) -> list[StageMark]:
    """Every stage of the machine with its mark: the text alternative of the drawing."""
    return [
        StageMark(value=stage.value, label=str(stage.label), state=path.state_of(stage))
        for stage in DIAGRAM_ORDER
    ]


def _box(stage: str) -> tuple[int, int]:
    column, row = POSITION[Stage(stage)]
    return LEFT + column * PITCH_X, TOP + row * PITCH_Y


def _wrap(label: str, width: int = 17) -> list[str]:
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [label]


def _node(stage: Stage, state: str) -> str:
    x, y = _box(stage)
    if state == CURRENT:
        fill, stroke, width, ink, weight = ACCENT, INK, 4, "#ffffff", "bold"
        note = _("huidige fase")
    elif state == VISITED:
        fill, stroke, width, ink, weight = VISITED_FILL, ACCENT, 2, INK, "normal"
        note = "✓ " + _("doorlopen")
    else:
        fill, stroke, width, ink, weight = "#ffffff", UNTAKEN_LINE, 1, MUTED, "normal"
        note = ""
    dash = ' stroke-dasharray="5 3"' if state == NOT_VISITED else ""
    lines = _wrap(str(stage.label))
    line_height = 15
    text_block = len(lines) * line_height + (14 if note else 0)
    first = y + (NODE_H - text_block) / 2 + 12
    parts = [
        f'<g class="dk-diagram__stage dk-diagram__stage--{state}" '
        f'data-stage="{stage.value}" data-state="{state}">'
        f'<rect x="{x}" y="{y}" width="{NODE_W}" height="{NODE_H}" rx="8" '
        f'fill="{fill}" stroke="{stroke}" stroke-width="{width}"{dash}/>'
    ]
    for index, line in enumerate(lines):
        parts.append(
            f'<text x="{x + NODE_W / 2}" y="{first + index * line_height}" '
            f'font-size="13" font-weight="{weight}" text-anchor="middle" '
            f'fill="{ink}">{escape(line)}</text>'
        )
    if note:
        parts.append(
            f'<text x="{x + NODE_W / 2}" y="{first + len(lines) * line_height + 1}" '
            f'font-size="11" font-weight="{weight}" text-anchor="middle" '
            f'fill="{ink}">{escape(note)}</text>'
        )
    parts.append("</g>")
    return "".join(parts)


def _route(source: str, target: str) -> list[tuple[float, float]]:
    """The points of the arrow from `source` to `target`."""
    sx, sy = _box(source)
    tx, ty = _box(target)
    scx, tcx = sx + NODE_W / 2, tx + NODE_W / 2
    if sy == ty:  # along a row, left to right or right to left
        if tx > sx:
            return [(sx + NODE_W, sy + NODE_H / 2), (tx, ty + NODE_H / 2)]
        return [(sx, sy + NODE_H / 2), (tx + NODE_W, ty + NODE_H / 2)]
    if source == Stage.DESIGNATION_PROCEDURE and target == Stage.NEGOTIATION:
        # Around the right of the drawing and over the top row, crossing nothing.
        right = LEFT + 5 * PITCH_X + NODE_W + 22
        top = TOP - 24
        return [
            (sx + NODE_W, sy + NODE_H / 2),
            (right, sy + NODE_H / 2),
            (right, top),
            (tcx, top),
            (tcx, ty),
        ]
    if sx == tx:  # straight down or up; there and back run side by side
        offset = -14 if ty > sy else 14
        if source == Stage.DESIGNATION_PROCEDURE:
            offset = 0
        if ty > sy:
            return [(scx + offset, sy + NODE_H), (tcx + offset, ty)]
        return [(scx + offset, sy), (tcx + offset, ty + NODE_H)]
    # Diagonally down into the escalation branch (from the agreement, over the
    # designation procedure, ending beside the arrow from the heads of agreement).
    if source == Stage.ADMINISTRATIVE_AGREEMENT:
        return [(sx + 24, sy + NODE_H), (tx + NODE_W - 6, ty)]
    if tx > sx:
        return [(scx + 30, sy + NODE_H), (tx + 20, ty)]
    return [(scx - 30, sy + NODE_H), (tx + NODE_W - 20, ty)]


def _edge(source: str, target: str, taken: bool, marker: str) -> str:
    points = " ".join(f"{x:g},{y:g}" for x, y in _route(source, target))
    if taken:
        style = f'stroke="{INK}" stroke-width="3"'
        end = f"url(#{marker}-taken)"
    else:
        style = f'stroke="{UNTAKEN_LINE}" stroke-width="1.5" stroke-dasharray="5 4"'
        end = f"url(#{marker}-open)"
    state = "taken" if taken else "open"
    return (
        f'<polyline class="dk-diagram__edge dk-diagram__edge--{state}" '
        f'data-from="{source}" data-to="{target}" data-state="{state}" '
        f'points="{points}" fill="none" {style} marker-end="{end}"/>'
    )


def _markers(marker: str) -> str:
    def arrow(suffix: str, colour: str) -> str:
        return (
            f'<marker id="{marker}-{suffix}" viewBox="0 0 10 10" refX="9" refY="5" '
            f'markerUnits="userSpaceOnUse" markerWidth="11" markerHeight="11" '
            f'orient="auto-start-reverse">'
            f'<path d="M 0 0 L 10 5 L 0 10 z" fill="{colour}"/></marker>'
        )

    return f"<defs>{arrow('taken', INK)}{arrow('open', UNTAKEN_LINE)}</defs>"


def _labels() -> str:
    def text(x: float, y: float, words: str, anchor: str = "start") -> str:
        return (
            f'<text x="{x:g}" y="{y:g}" font-size="11" font-style="italic" '
            f'text-anchor="{anchor}" fill="{MUTED}">{escape(words)}</text>'
        )

    ex, ey = _box(Stage.ESCALATED)
    dx, dy = _box(Stage.DESIGNATION_PROCEDURE)
    wx, wy = _box(Stage.WITHDRAWN)
    nx, _ny = _box(Stage.NEGOTIATION)
    return "".join(
        [
            text(ex - 16, ey - 22, _("escaleren"), "end"),
            text(nx + NODE_W / 2 + 20, TOP - 30, _("onderhandeling hervatten")),
            text(ex + NODE_W / 2 + 20, ey - 22, _("hervatten")),
            text(dx + NODE_W / 2 + 8, dy + NODE_H + 34, _("aanwijzen")),
            text(wx, wy + NODE_H + 18, _("Afvoeren kan vanuit elke fase")),
            text(wx, wy + NODE_H + 32, _("behalve Aangewezen.")),
        ]
    )


def describe(path: StagePath) -> str:
    """One paragraph saying what the drawing shows."""
    walked = [path.start_label] + [step.to_label for step in path.steps]
    return " ".join(
        [
            _("Huidige fase: %(stage)s.") % {"stage": Stage(path.current).label},
            _("Doorlopen pad: %(path)s.") % {"path": " → ".join(walked)},
            _(
                "Het hoofdpad loopt van Voorgedragen via Geselecteerd, "
                "Knelpuntenanalyse, Onderhandeling en Hoofdlijnenakkoord naar "
                "Bestuurlijke overeenkomst. Vanuit Knelpuntenanalyse, Onderhandeling, "
                "Hoofdlijnenakkoord en Bestuurlijke overeenkomst kan de locatie "
                "escaleren; na Geëscaleerd volgen "
                "Aanwijzingsprocedure en Aangewezen, of de onderhandeling wordt hervat. "
                "Afvoeren kan vanuit elke fase behalve Aangewezen."
            ),
        ]
    )


def state_diagram(path: StagePath, *, title: str | None = None) -> SafeString:
    """The state machine as an accessible SVG with `path` marked on it."""
    title = title or _("Toestandsdiagram van de locatie")
    description = describe(path)
    ident = (
        "diagram-" + hashlib.sha256(f"{title}|{description}".encode()).hexdigest()[:10]
    )
    taken = path.edges
    body = [_markers(ident)]
    for source, target in EDGES:
        if (source, target) not in taken:
            body.append(_edge(source, target, False, ident))
    for source, target in EDGES:  # the path taken on top
        if (source, target) in taken:
            body.append(_edge(source, target, True, ident))
    body.append(_labels())
    body.extend(_node(stage, path.state_of(stage)) for stage in DIAGRAM_ORDER)
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" '
        'height="{h}" role="img" aria-labelledby="{id}-t {id}-d" '
        'class="dk-chart dk-diagram" font-family="Roboto, Arial, sans-serif">'
        '<title id="{id}-t">{title}</title><desc id="{id}-d">{desc}</desc>'
        "{body}</svg>",
        w=WIDTH,
        h=HEIGHT,
        id=ident,
        title=title,
        desc=description,
        # Built from numbers, stage values and escape()d labels only.
        body=mark_safe("".join(body)),
    )
