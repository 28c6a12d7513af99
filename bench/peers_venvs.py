"""The peers' virtualenvs under build/peers/: one per peer, pip-installed from PyPI with
the pinned versions of bench/peers/requirements/<peer>.txt, remade when those change."""

import subprocess
import sys
from pathlib import Path

from tools import PROJECT_DIR, owned_venv

REQUIREMENTS = PROJECT_DIR / "bench" / "peers" / "requirements"
VENVS = PROJECT_DIR / "build" / "peers"
# Besides a peer's own file: those it includes.
_INCLUDED = (REQUIREMENTS / "runtime.txt", PROJECT_DIR / "requirements.txt")


def python(peer: str) -> Path:
    return VENVS / peer / "bin" / "python"


def ensure(peer: str) -> Path:
    """The peer's virtualenv's python, made first if missing or out of date."""
    return owned_venv.ensure(VENVS / peer, REQUIREMENTS / f"{peer}.txt", _INCLUDED)


def versions(peer: str) -> dict[str, str]:
    """What pip installed in the peer's virtualenv: name -> version."""
    frozen = subprocess.run(  # noqa: S603 - fixed argv
        [str(python(peer)), "-m", "pip", "freeze", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return dict(line.split("==", 1) for line in frozen.splitlines() if "==" in line)


if __name__ == "__main__":
    for name in sys.argv[1:]:
        ensure(name)
