"""Bytecode in the Lambda zip: every module compiled once, at packaging, for the runtime.

Lambda's code directory (/var/task) is read-only, so Python cannot cache the bytecode it
compiles there: without .pyc files in the zip, every cold start compiles chalice/app.py
(90 KB of source) and our modules again. `add_bytecode(out)` puts beside each .py of
out/deployment.zip its `__pycache__/<module>.<cache tag>.pyc`, compiled by this
interpreter with PycInvalidationMode.UNCHECKED_HASH: the import system loads it without
comparing it with the source (a zip's file times mean nothing once unzipped), and the
header holds the source's hash, so what was compiled can still be checked (tests do).

The bytecode is only valid for the Python version that wrote it: the magic number in its
header and the cache tag in its name must be the runtime's. sam.json names the runtime
(python3.13); packaging under any other Python stops here rather than ship dead weight.
"""

import importlib.util
import json
import py_compile
import sys
import tempfile
import zipfile
from pathlib import Path

# Lambda unzips the package here: the file names tracebacks show.
TASK_ROOT = "/var/task"
# A fixed time and mode for the added entries, as chalice gives its own: the same
# sources always make the same zip.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_ZIP_MODE = 0o644 << 16


class RuntimeMismatch(SystemExit):
    """This interpreter cannot write bytecode the functions' runtime would load."""


def runtime_of(template: dict[str, object]) -> str:
    """The one Lambda runtime (e.g. python3.13) of the template's functions."""
    resources = template.get("Resources")
    if not isinstance(resources, dict):
        raise RuntimeMismatch("the template has no Resources")
    runtimes = {
        resource["Properties"]["Runtime"]
        for resource in resources.values()
        if resource.get("Type") == "AWS::Serverless::Function"
    }
    if len(runtimes) != 1:
        raise RuntimeMismatch(f"expected one Lambda runtime in the template, found {runtimes}")
    return str(runtimes.pop())


def cache_tag(runtime: str) -> str:
    """python3.13 -> cpython-313: the tag in the names of the .pyc files it loads."""
    version = runtime.removeprefix("python")
    return "cpython-" + version.replace(".", "")


def require_runtime(runtime: str) -> None:
    if sys.implementation.cache_tag != cache_tag(runtime):
        raise RuntimeMismatch(
            f"the functions run {runtime} but this is {sys.implementation.cache_tag}: "
            f"package under Python {runtime.removeprefix('python')} (make package does)"
        )


def pyc_name(source: str) -> str:
    """app.py -> __pycache__/app.cpython-313.pyc, for this interpreter (zip paths)."""
    folder, _, name = source.rpartition("/")
    compiled = f"__pycache__/{name.removesuffix('.py')}.{sys.implementation.cache_tag}.pyc"
    return f"{folder}/{compiled}" if folder else compiled


def add_bytecode(out: Path) -> int:
    """Adds the bytecode of every module in out/deployment.zip; the number of files."""
    require_runtime(runtime_of(json.loads((out / "sam.json").read_text())))
    archive = out / "deployment.zip"
    with zipfile.ZipFile(archive) as package:
        sources = [name for name in package.namelist() if name.endswith(".py")]
        present = set(package.namelist())
        with tempfile.TemporaryDirectory(prefix="bytecode-") as tmp:
            package.extractall(tmp, members=sources)
            compiled = {name: _compile(Path(tmp), name) for name in sources}
    added = {pyc_name(name): pyc for name, pyc in compiled.items() if pyc_name(name) not in present}
    with zipfile.ZipFile(archive, "a", zipfile.ZIP_DEFLATED) as package:
        for name, data in sorted(added.items()):
            entry = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            entry.external_attr = _ZIP_MODE
            entry.compress_type = zipfile.ZIP_DEFLATED
            package.writestr(entry, data)
    return len(added)


def _compile(root: Path, name: str) -> bytes:
    target = root / "compiled.pyc"
    py_compile.compile(
        str(root / name),
        cfile=str(target),
        dfile=f"{TASK_ROOT}/{name}",
        doraise=True,
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )
    return target.read_bytes()


def header(pyc: bytes) -> tuple[bytes, int, bytes]:
    """A .pyc's magic number, flags (0b01: unchecked hash) and source hash."""
    return pyc[:4], int.from_bytes(pyc[4:8], "little"), pyc[8:16]


def matches(pyc: bytes, source: bytes) -> bool:
    """Whether pyc is this interpreter's unchecked-hash bytecode of exactly source."""
    magic, flags, source_hash = header(pyc)
    return (
        magic == importlib.util.MAGIC_NUMBER
        and flags == 0b01
        and source_hash == importlib.util.source_hash(source)
    )
