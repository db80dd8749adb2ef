"""Operating pages with the keyboard only, as a person without a mouse does."""

from __future__ import annotations

# The focused element, described for assertions and messages.
ACTIVE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id,
    classes: el.className && el.className.baseVal === undefined ? el.className : "",
    text: (el.innerText || el.value || el.getAttribute("aria-label") || "").trim().slice(0, 60),
    href: el.getAttribute("href"),
    type: el.getAttribute("type"),
    name: el.getAttribute("name"),
    value: el.getAttribute("value"),
    outlineStyle: style.outlineStyle,
    outlineWidth: parseFloat(style.outlineWidth) || 0,
    outlineColor: style.outlineColor,
  };
}"""

MAX_TABS = 80


def active(page) -> dict | None:
    return page.evaluate(ACTIVE)


def tab_to(page, matches, *, key: str = "Tab", limit: int = MAX_TABS) -> dict:
    """Press Tab until the focused element satisfies `matches(active)`; return it.
    Fails if it is not reached within `limit` presses (not keyboard-reachable)."""
    seen = []
    for _ in range(limit):
        page.keyboard.press(key)
        element = active(page)
        if element is not None and matches(element):
            return element
        seen.append(element and (element["tag"], element["text"] or element["name"]))
    raise AssertionError(f"not reached by keyboard in {limit} presses; saw {seen}")


def has_visible_focus(element: dict) -> bool:
    """A focus indicator a sighted keyboard user can see: an outline of at least 2px
    (the project's `:focus-visible` style draws 3px)."""
    return element["outlineStyle"] != "none" and element["outlineWidth"] >= 2
