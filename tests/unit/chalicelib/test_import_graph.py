"""chalicelib's modules import one another without a cycle, counting the imports made
inside functions (the cold path's lazy ones): a cycle works only while its modules
happen to load in one order."""

import ast
import graphlib

import pytest

from tools import PROJECT_DIR

CHALICELIB = PROJECT_DIR / "chalicelib"
MODULES = frozenset(path.stem for path in CHALICELIB.glob("*.py"))


def imported_modules(source: str) -> set[str]:
    """The chalicelib modules a module's source imports, wherever in it."""
    names: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            names += [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
    parts = [name.split(".") for name in names]
    return {p[1] for p in parts if p[0] == "chalicelib" and len(p) > 1 and p[1] in MODULES}


def import_graph() -> dict[str, set[str]]:
    """Module -> the chalicelib modules it imports."""
    return {path.stem: imported_modules(path.read_text()) for path in CHALICELIB.glob("*.py")}


def test_imports_inside_functions_are_edges_too():
    source = "from chalicelib.errors import X\ndef f():\n    from chalicelib import store, x\n"
    assert imported_modules(source) == {"errors", "store"}
    assert "auth" in import_graph()["authorizer"]


def test_chalicelib_has_no_import_cycle():
    try:
        graphlib.TopologicalSorter(import_graph()).prepare()
    except graphlib.CycleError as error:
        pytest.fail(f"import cycle: {' -> '.join(error.args[1])}")
