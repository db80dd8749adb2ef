"""axe-core (shipped by axe-playwright-python) on a page in the browser, and the
results of every audited page for the terminal summary (tests/browser/conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from axe_playwright_python.sync_playwright import Axe

# axe impacts that fail the audit (WCAG 2.1 AA is a legal requirement).
BLOCKING_IMPACTS = ("critical", "serious")
IMPACT_ORDER = ("critical", "serious", "moderate", "minor")


@dataclass
class AxeSummary:
    """What axe found on one page, for the terminal summary."""

    page: str
    url: str
    engine: str
    passes: int
    incomplete: list[str]
    violations: dict[str, list[str]] = field(default_factory=dict)  # impact -> rules
    details: list[str] = field(default_factory=list)

    def blocking(self) -> list[str]:
        return [
            rule
            for impact in BLOCKING_IMPACTS
            for rule in self.violations.get(impact, [])
        ]

    def line(self) -> str:
        found = (
            "; ".join(
                f"{impact} {len(rules)}: {', '.join(rules)}"
                for impact in IMPACT_ORDER
                if (rules := self.violations.get(impact))
            )
            or "none"
        )
        return (
            f"{self.page:<28} passes {self.passes:>3}  violations: {found}"
            f"  (to review by hand: {', '.join(self.incomplete) or 'none'})"
        )


AUDITED: list[AxeSummary] = []


def axe_audit(page, name: str, *, record: bool = True) -> AxeSummary:
    """Run axe-core on the page as it is now, record the summary for the terminal
    report (unless `record` is false), and return it."""
    results = Axe().run(page).response
    by_impact: dict[str, list[str]] = {}
    for violation in results["violations"]:
        by_impact.setdefault(violation["impact"] or "minor", []).append(violation["id"])
    summary = AxeSummary(
        page=name,
        url=page.url,
        engine=results["testEngine"]["version"],
        passes=len(results["passes"]),
        incomplete=[item["id"] for item in results["incomplete"]],
        violations=by_impact,
        details=[
            f"{violation['id']} ({violation['impact']}, {len(violation['nodes'])}x): "
            f"{violation['help']} — "
            + " | ".join(
                ", ".join(node["target"][:1]) for node in violation["nodes"][:3]
            )
            for violation in results["violations"]
        ],
    )
    if record:
        AUDITED.append(summary)
    return summary
