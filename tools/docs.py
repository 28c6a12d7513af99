"""Figures in README.md and docs/*.md come from the commands that make them.

A generated block is the text between two markers, each on a line of its own:
`<!-- NAME -->` and `<!-- /NAME -->`. NAME says which command writes the block:

- fast ones, that `make docs` (`python -m tools.docs`) rewrites and tests/unit/test_docs.py
  regenerates and compares: `make cost …` (tools.cost.docs), and `make docs: modules of
  FOLDER`, a table of the folder's modules and packages, each with its docstring's first
  paragraph;
- slow ones, that only their own command writes (`SLOW`).

Figures a doc states in prose are held to their source by tests/unit/test_docs.py instead.
"""

import ast
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from tools import PROJECT_DIR

DOCS = (PROJECT_DIR / "README.md", *sorted((PROJECT_DIR / "docs").glob("*.md")))
# The blocks no test can remake in a moment, and what writes each.
_REHEARSAL = "make deployer-policy, after make rehearse"
SLOW = {
    "make bench": "make bench BENCH_ARGS=--write-docs",
    "make bench-instructions": "make bench-instructions BENCH_ARGS=--write-docs",
    "make bench-peers": "make bench-peers BENCH_ARGS=--write-docs",
    "rehearsal-figures": _REHEARSAL,
    "deployer-policy:chalice": _REHEARSAL,
    "deployer-policy:stack": _REHEARSAL,
    "deployer-policy:stack-service-role": _REHEARSAL,
}
_BLOCK = re.compile(
    r"^<!-- (?P<name>[^/][^>]*?) -->\n(?P<body>.*?)^<!-- /(?P=name) -->$", re.S | re.M
)


def blocks(text: str) -> Iterator[tuple[str, str]]:
    """Each generated block of a doc: its name and its text."""
    for found in _BLOCK.finditer(text):
        yield found["name"], found["body"]


def replace(text: str, bodies: Mapping[str, str]) -> str:
    """The doc with each named block's text replaced; a name it lacks is an error."""
    missing = set(bodies) - {name for name, _ in blocks(text)}
    if missing:
        raise SystemExit(f"no generated block named {', '.join(sorted(missing))}")

    def block(found: re.Match[str]) -> str:
        name = found["name"]
        return f"<!-- {name} -->\n{bodies.get(name, found['body'])}<!-- /{name} -->"

    return _BLOCK.sub(block, text)


def write(path: Path, bodies: Mapping[str, str]) -> bool:
    """Rewrites the doc's named blocks; whether that changed it."""
    text = path.read_text(encoding="utf-8")
    updated = replace(text, bodies)
    if updated != text:
        path.write_text(updated, encoding="utf-8")
    return updated != text


def summary(module: Path) -> str:
    """The first paragraph of the module's docstring, on one line."""
    docstring = ast.get_docstring(ast.parse(module.read_text(encoding="utf-8"))) or ""
    return " ".join(docstring.split("\n\n")[0].split())


def module_table(folder: str) -> str:
    """Each module and package directly in the folder, with what its docstring says."""
    root = PROJECT_DIR / folder
    entries = [
        (str(path.relative_to(PROJECT_DIR)), path)
        for path in sorted(root.glob("*.py"))
        if path.stem not in {"__init__", "__main__"}
    ]
    entries += [
        (f"{package.parent.relative_to(PROJECT_DIR)}/", package)
        for package in sorted(root.glob("*/__init__.py"))
    ]
    rows = [f"| `{name}` | {summary(path)} |" for name, path in sorted(entries)]
    return "\n".join(["| path | what it is |", "| --- | --- |", *rows]) + "\n"


def modules(name: str) -> str | None:
    prefix = "make docs: modules of "
    return module_table(name.removeprefix(prefix)) if name.startswith(prefix) else None


def generators() -> list[Callable[[str], str | None]]:
    """The fast generators: each makes a block's text from its name, or says None."""
    # Imported here: the benchmarks and the rehearsal write their blocks without the model.
    from tools.cost import docs as cost_docs

    return [cost_docs.body, modules]


def generated(name: str) -> str | None:
    """The block's text as a fast generator makes it; None if none makes it."""
    return next((text for make in generators() if (text := make(name)) is not None), None)


def fast_bodies(path: Path) -> dict[str, str]:
    """What `make docs` writes into the doc: each fast block's text, made anew."""
    made = {name: generated(name) for name, _ in blocks(path.read_text(encoding="utf-8"))}
    return {name: text for name, text in made.items() if text is not None}


def main() -> int:
    changed = [path.name for path in DOCS if write(path, fast_bodies(path))]
    print(f"make docs: {', '.join(changed) or 'every generated block was up to date'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
