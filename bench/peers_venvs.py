"""The peers' virtualenvs under build/peers/: one per peer, pip-installed from PyPI with
the pinned versions of bench/peers/requirements/<peer>.txt, remade when those change."""

import hashlib
import subprocess
import sys
import venv
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
REQUIREMENTS = PROJECT_DIR / "bench" / "peers" / "requirements"
VENVS = PROJECT_DIR / "build" / "peers"
# Besides a peer's own file: those it includes.
_INCLUDED = (REQUIREMENTS / "runtime.txt", PROJECT_DIR / "requirements.txt")
STAMP = "bench-requirements.sha256"


def _digest(peer: str) -> str:
    digest = hashlib.sha256()
    for path in (REQUIREMENTS / f"{peer}.txt", *_INCLUDED):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def python(peer: str) -> Path:
    return VENVS / peer / "bin" / "python"


def ensure(peer: str) -> Path:
    """The peer's virtualenv's python, made first if missing or out of date."""
    home, wanted = VENVS / peer, _digest(peer)
    stamp = home / STAMP
    if stamp.is_file() and stamp.read_text() == wanted:
        return python(peer)
    print(f"bench-peers: making {home} (pip install from PyPI)", flush=True)
    venv.EnvBuilder(clear=True, with_pip=True).create(home)
    subprocess.run(  # noqa: S603 - fixed argv
        [
            str(python(peer)),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
            str(REQUIREMENTS / f"{peer}.txt"),
        ],
        check=True,
    )
    stamp.write_text(wanted)
    return python(peer)


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
