"""A virtualenv this project owns for one tool: pip-installed from a requirements file,
and remade whenever that file, or one it includes, changes."""

import hashlib
import subprocess
import venv
from pathlib import Path

STAMP = ".requirements.sha256"


def _digest(files: tuple[Path, ...]) -> str:
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def ensure(home: Path, requirements: Path, included: tuple[Path, ...] = ()) -> Path:
    """The python of the virtualenv at home, made first if missing or out of date.

    A .gitignore of `*` inside keeps it out of git, and out of tools (ruff's `check .`)
    that pass over the whole directory, as virtualenv does.
    """
    python, stamp = home / "bin" / "python", home / STAMP
    wanted = _digest((requirements, *included))
    if python.exists() and stamp.is_file() and stamp.read_text() == wanted:
        return python
    print(f"making {home} (pip install -r {requirements.name})", flush=True)
    venv.EnvBuilder(clear=True, with_pip=True).create(home)
    (home / ".gitignore").write_text("# Made by tools/owned_venv.py.\n*\n")
    subprocess.run(  # noqa: S603 - fixed argv
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
            str(requirements),
        ],
        check=True,
    )
    stamp.write_text(wanted)
    return python
