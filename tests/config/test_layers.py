"""The layers point one way (`permissions` ← `casework` ← `evidence`, `accounts` ←
`documents` ← `workflows`),
and inside `casework/` and `workflows/` the modules form a stack without a cycle: every
import at the top of its module, none hidden in a function (ruff's PLC0415 refuses
those, `AppConfig.ready` aside), so a newcomer can move an import without breaking the
app's start-up.

Read from the source (the imports at module level, `TYPE_CHECKING` ones aside), not
from a running interpreter."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("permissions", "casework", "evidence", "accounts", "documents", "workflows")
# What each app may import of the others.
MAY_IMPORT = {
    "permissions": set(),
    "casework": {"permissions"},
    "evidence": {"permissions", "casework"},
    "accounts": {"permissions", "casework"},
    "documents": {"permissions", "casework", "evidence"},
    "workflows": {"permissions", "casework", "evidence", "accounts", "documents"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def top_level_imports(path: Path) -> set[str]:
    """The modules `path` imports at its top level (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def visit(statements) -> None:
        for node in statements:
            if isinstance(node, ast.If) and not is_type_checking(node):
                visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                found.add(base)
                # `from . import services`: the submodule itself.
                found.update(f"{base}.{alias.name}" for alias in node.names)

    visit(tree.body)
    return found


def app_modules(app: str) -> dict[str, Path]:
    return {
        module_name(path): path
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
    }


def graph(app: str) -> dict[str, set[str]]:
    modules = app_modules(app)
    return {
        name: {target for target in top_level_imports(path) if target in modules}
        - {name}
        for name, path in modules.items()
    }


def cycle_in(edges: dict[str, set[str]]) -> list[str] | None:
    """A cycle of `edges`, as the list of its modules, or None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for target in sorted(edges.get(node, ())):
            if state.get(target) == "open":
                return [*stack[stack.index(target) :], target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(edges):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_apps_import_only_the_layers_below_them():
    for app in APPS:
        for name, path in app_modules(app).items():
            for target in top_level_imports(path):
                other = target.split(".")[0]
                if other in APPS and other != app:
                    assert other in MAY_IMPORT[app], f"{name} imports {target}"


def test_casework_and_workflows_have_no_import_cycle():
    for app in ("casework", "workflows"):
        edges = graph(app)
        assert len(edges) > 10  # the modules were found
        assert cycle_in(edges) is None, f"{app}: {' → '.join(cycle_in(edges) or [])}"


def test_the_cycle_finder_finds_a_cycle():
    assert cycle_in({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle_in({"a": {"b"}, "b": set()}) is None
