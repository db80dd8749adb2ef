"""What a person sees, measured in the browser (issue 19): a control is visible, its
text stands out from what is behind it (contrast ratio from the rendered colours, as
WCAG 2.1 defines it), and the page is no wider than the window.

axe-core passed the page whose main button was blue text on the same blue (item 1):
it does not compute the colours of every control in every state. These helpers do,
from `getComputedStyle`: the text colour of the control, and the first opaque
background colour behind it (its own, or an ancestor's), each with its opacity laid
over what is behind it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Locator, Page

MINIMUM_CONTRAST = 4.5

# The colours of an element, in the page: [text rgba, background rgba] as numbers.
COLOURS_JS = """
(el) => {
  const parse = (value) => {
    const m = value.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return [0, 0, 0, 0];
    const parts = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return [parts[0], parts[1], parts[2], parts.length > 3 ? parts[3] : 1];
  };
  const over = (top, bottom) => {
    const a = top[3] + bottom[3] * (1 - top[3]);
    if (a === 0) return [0, 0, 0, 0];
    return [0, 1, 2].map(i => (top[i] * top[3] + bottom[i] * bottom[3] * (1 - top[3])) / a).concat([a]);
  };
  const layers = [];
  for (let node = el; node; node = node.parentElement) {
    const bg = parse(getComputedStyle(node).backgroundColor);
    if (bg[3] > 0) layers.push(bg);
    if (bg[3] >= 1) break;
  }
  let background = [255, 255, 255, 1];
  for (const layer of layers.reverse()) background = over(layer, background);
  const style = getComputedStyle(el);
  let text = parse(style.color);
  text = over([text[0], text[1], text[2], text[3] * Number(style.opacity || 1)], background);
  return {text, background, label: (el.innerText || el.value || el.getAttribute('aria-label') || '').trim()};
}
"""


def luminance(rgb) -> float:
    def channel(value: float) -> float:
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(text, background) -> float:
    lighter, darker = sorted((luminance(text), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@dataclass
class Seen:
    label: str
    ratio: float
    text: tuple
    background: tuple


def seen(locator: Locator) -> Seen:
    """The control as it is rendered: visible, with its contrast ratio."""
    colours = locator.evaluate(COLOURS_JS)
    return Seen(
        label=colours["label"],
        ratio=contrast(colours["text"], colours["background"]),
        text=tuple(round(v) for v in colours["text"][:3]),
        background=tuple(round(v) for v in colours["background"][:3]),
    )


def assert_readable(locator: Locator) -> Seen:
    """The control is visible and its text has contrast ≥ 4.5:1 against what is
    behind it."""
    assert locator.is_visible(), f"not visible: {locator}"
    result = seen(locator)
    assert result.ratio >= MINIMUM_CONTRAST, (
        f"‘{result.label}’: contrast {result.ratio:.2f}:1 "
        f"(text {result.text} on {result.background})"
    )
    return result


# Every control a person can press: buttons, links styled as buttons, submit inputs.
CONTROLS = "button, a.dk-button, a.mdc-button, input[type=submit], [role=button]"


def visible_controls(page: Page) -> list[Locator]:
    controls = page.locator(CONTROLS)
    return [
        controls.nth(index)
        for index in range(controls.count())
        if controls.nth(index).is_visible()
        and controls.nth(index).evaluate(
            "el => (el.innerText || el.value || '').trim().length > 0"
        )
    ]


def page_width(page: Page) -> tuple[int, int]:
    return page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )


WIDTHS = (1280, 375)


def check_page(page: Page, name: str, folder: Path) -> None:
    """The page at 1280 and 375 px: no horizontal scrolling, every visible control
    readable (text ≥ 4.5:1), a screenshot of each width in `folder`. The window is
    left at 1280 px."""
    folder.mkdir(parents=True, exist_ok=True)
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(50)
        scroll, inner = page_width(page)
        if scroll > inner:
            problems.append(f"{name} at {width}px: page {scroll}px wide")
        for control in visible_controls(page):
            result = seen(control)
            if result.ratio < MINIMUM_CONTRAST:
                problems.append(
                    f"{name} at {width}px: ‘{result.label}’ {result.ratio:.2f}:1 "
                    f"(text {result.text} on {result.background})"
                )
        page.screenshot(path=folder / f"{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    assert not problems, "\n".join(problems)
