"""Check that a gettext catalogue is complete and compiled.

    python scripts/check_translations.py [PO_FILE ...]

Without arguments it checks locale/en/LC_MESSAGES/django.po (the English translation of
the project's Dutch interface). For each catalogue it reports, and exits with status 1 on:

* an entry whose msgstr (or one of its plural forms) is empty;
* an entry, or the header, flagged ``fuzzy`` (gettext skips those when compiling);
* a ``%(name)s`` placeholder in a translation that its msgid does not have;
* a missing .mo file next to the .po, or a .mo that is stale: older than the .po, or
  holding other messages than the .po.

A .mo that is older than its .po but holds exactly the .po's messages passes: a git
checkout gives both files the checkout time in arbitrary order, so only a content
difference proves that someone forgot ``manage.py compilemessages``.

Standard library only: the .po file is parsed here and the .mo is read with `gettext`.
"""

from __future__ import annotations

import ast
import gettext
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CATALOGUES = [ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"]

PLACEHOLDER = re.compile(r"%\((\w+)\)[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


@dataclass
class Entry:
    line: int
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def label(self) -> str:
        text = self.msgid.strip().replace("\n", " ")
        text = text if len(text) <= 60 else text[:57] + "..."
        return f"line {self.line}: {text!r}" if self.msgid else "header"

    @property
    def key(self) -> str:
        """The msgid as `gettext` stores it in a compiled catalogue."""
        if self.msgctxt is None:
            return self.msgid
        return f"{self.msgctxt}\x04{self.msgid}"


def _unquote(text: str, path: Path | str, lineno: int) -> str:
    text = text.strip()
    if not (len(text) >= 2 and text[0] == text[-1] == '"'):
        raise ValueError(f"{path}:{lineno}: expected a quoted string, got {text!r}")
    # PO strings use C escapes (\n, \t, \", \\), which a Python literal reads the same.
    return ast.literal_eval(text)


def parse_po(path: Path) -> list[Entry]:
    """The entries of a .po file, header first; obsolete (#~) entries are skipped."""
    return parse_po_text(path.read_text(encoding="utf-8"), path)


def parse_po_text(text: str, path: Path | str = "<string>") -> list[Entry]:
    """The entries of .po text, header first; obsolete (#~) entries are skipped."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int] | None = None  # which field a continuation line extends
    seen_keyword = False

    def finish() -> None:
        nonlocal entry, seen_keyword
        if entry is not None and seen_keyword:
            entries.append(entry)
        entry, seen_keyword = None, False

    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#"):
            if seen_keyword:  # a comment after msgstr starts the next entry
                finish()
            if entry is None:
                entry = Entry(line=lineno)
            if line.startswith("#,"):
                entry.flags.update(f.strip() for f in line[2:].split(",") if f.strip())
            continue
        if entry is None:
            entry = Entry(line=lineno)
        if line.startswith('"'):
            if target is None:
                raise ValueError(f"{path}:{lineno}: string outside an entry")
            name, index = target
            value = _unquote(line, path, lineno)
            if name == "msgstr":
                entry.msgstr[index] += value
            else:
                setattr(entry, name, getattr(entry, name) + value)
            continue
        keyword, _, rest = line.partition(" ")
        match = re.fullmatch(
            r"(msgctxt|msgid|msgid_plural|msgstr)(?:\[(\d+)\])?", keyword
        )
        if match is None:
            raise ValueError(f"{path}:{lineno}: unexpected line {raw!r}")
        name, index = match.group(1), int(match.group(2) or 0)
        if name in ("msgctxt", "msgid") and entry.msgstr:
            # A new entry without a blank line between.
            finish()
            entry = Entry(line=lineno)
        if name == "msgid":
            entry.line = lineno
        seen_keyword = True
        value = _unquote(rest, path, lineno)
        if name == "msgstr":
            entry.msgstr[index] = value
        else:
            setattr(entry, name, value)
        target = (name, index)
    finish()
    return entries


def check_catalogue(po_path: Path) -> list[str]:
    """Problems of one catalogue, as lines for the user; empty when all is well."""
    if not po_path.is_file():
        return [f"{_shown(po_path)}: no such file"]
    problems = []
    entries = parse_po(po_path)
    for entry in entries:
        if "fuzzy" in entry.flags:
            problems.append(f"{entry.label} is marked fuzzy")
        if not entry.msgid:
            continue  # the header
        if entry.msgid_plural is not None:
            missing = not entry.msgstr or any(not s for s in entry.msgstr.values())
        else:
            missing = not entry.msgstr.get(0)
        if missing:
            problems.append(f"{entry.label} has no translation")
        known = set(PLACEHOLDER.findall(entry.msgid + (entry.msgid_plural or "")))
        for text in entry.msgstr.values():
            unknown = set(PLACEHOLDER.findall(text)) - known
            if unknown:
                names = ", ".join(sorted(unknown))
                problems.append(f"{entry.label} uses unknown placeholder(s) {names}")
    problems.extend(_check_compiled(po_path, entries))
    return [f"{_shown(po_path)}: {p}" for p in problems]


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _check_compiled(po_path: Path, entries: list[Entry]) -> list[str]:
    mo_path = po_path.with_suffix(".mo")
    if not mo_path.is_file():
        return [f"{mo_path.name} is missing: run `manage.py compilemessages`"]
    expected: dict[object, str] = {}
    for entry in entries:
        if not entry.msgid or "fuzzy" in entry.flags:
            continue
        if entry.msgid_plural is None:
            if entry.msgstr.get(0):
                expected[entry.key] = entry.msgstr[0]
        elif entry.msgstr and all(entry.msgstr.values()):
            for index, text in entry.msgstr.items():
                expected[(entry.key, index)] = text
    with mo_path.open("rb") as handle:
        compiled = dict(gettext.GNUTranslations(handle)._catalog)  # type: ignore[attr-defined]
    compiled.pop("", None)  # the header
    if compiled == expected:
        return []
    older = mo_path.stat().st_mtime < po_path.stat().st_mtime
    why = "older than the .po and differs" if older else "differs from the .po"
    return [f"{mo_path.name} is stale ({why}): run `manage.py compilemessages`"]


def main(argv: list[str]) -> int:
    paths = [Path(arg).resolve() for arg in argv] or DEFAULT_CATALOGUES
    problems = [problem for path in paths for problem in check_catalogue(path)]
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} translation problem(s).", file=sys.stderr)
        return 1
    names = ", ".join(_shown(p) for p in paths)
    print(f"Translations complete and compiled: {names}.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
