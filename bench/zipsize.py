"""The Lambda zip: packaged as `make package` does it, then weighed."""

import shlex
import subprocess
import sys
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from tools import PROJECT_DIR
from tools.deploy.package import bytecode as bytecode_tool

# The budget: under 1 MB, read strictly as 1,000,000 bytes.
BUDGET_BYTES = 1_000_000
# What the Lambda runtime provides, or only tests need: none of it belongs in the zip.
UNWANTED = ("boto3", "botocore", "cryptography", "moto", "tests", "tools", "bench")


@dataclass(frozen=True)
class ZipFigures:
    path: Path
    size: int
    files: int
    uncompressed: int
    # Top-level entry -> compressed bytes, largest first.
    parts: list[tuple[str, int]]
    unwanted: list[str]
    # Bytecode the runtime would not use: picked up from the working tree (its header
    # names the source's mtime, which the unzipped source never has), or compiled for
    # another Python.
    bytecode: list[str]
    bytecode_size: int
    # What tools/deploy/package/bytecode.py added: unchecked-hash .pyc of the zip's own sources.
    compiled: int = 0
    compiled_size: int = 0


def package_command(out: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "tools.deploy.package",
        "--stage",
        "prod",
        "--out",
        str(out),
    ]


def build(out: Path) -> tuple[str, Path]:
    """Runs tools.deploy.package; (its command line, the deployment.zip it made)."""
    command = package_command(out)
    result = subprocess.run(  # noqa: S603 - fixed argv
        command, cwd=PROJECT_DIR, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        sys.stdout.write(result.stdout)
        sys.stderr.write(result.stderr)
        raise SystemExit(f"packaging failed (exit status {result.returncode})")
    return shlex.join(command), out / "deployment.zip"


def _usable_bytecode(package: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Whether the runtime loads this .pyc as it is: compiled from the zip's source."""
    folder, _, name = info.filename.rpartition("__pycache__/")
    source = f"{folder}{name.split('.', 1)[0]}.py"
    if not info.filename.endswith(".pyc") or source not in package.namelist():
        return False
    return bytecode_tool.matches(package.read(info), package.read(source))


def weigh(archive: Path) -> ZipFigures:
    with zipfile.ZipFile(archive) as package:
        entries = [info for info in package.infolist() if not info.is_dir()]
        pycs = [info for info in entries if info.filename.endswith((".pyc", ".pyo"))]
        usable = [info for info in pycs if _usable_bytecode(package, info)]
    parts: dict[str, int] = defaultdict(int)
    for info in entries:
        parts[info.filename.split("/", 1)[0]] += info.compress_size
    unwanted = sorted(name for name in parts if name in UNWANTED)
    bytecode = [info for info in pycs if info not in usable]
    return ZipFigures(
        path=archive,
        size=archive.stat().st_size,
        files=len(entries),
        uncompressed=sum(info.file_size for info in entries),
        parts=sorted(parts.items(), key=lambda part: -part[1]),
        unwanted=unwanted,
        bytecode=[info.filename for info in bytecode],
        bytecode_size=sum(info.compress_size for info in bytecode),
        compiled=len(usable),
        compiled_size=sum(info.compress_size for info in usable),
    )
