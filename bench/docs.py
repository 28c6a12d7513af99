"""A benchmark's figures into docs/performance.md (`BENCH_ARGS=--write-docs`).

Each benchmark writes the generated block named after its command (tools.docs), stamped
with the day, the code measured and the machine, so that a figure in the docs always says
which run made it. Only a whole, successful run writes.
"""

import datetime
import os
import platform
import shlex
import subprocess
import sys
from collections.abc import Sequence

from tools import PROJECT_DIR, docs

PAGE = PROJECT_DIR / "docs" / "performance.md"
# What goes into the Lambda zip, for saying whether the measured code is committed.
SHIPPED = ("app.py", "chalicelib", "requirements.txt", ".chalice/config.json")


def _git(*arguments: str) -> str:
    result = subprocess.run(  # noqa: S603 - fixed argv
        ["git", *arguments],  # noqa: S607 - git from PATH, as a developer runs it
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip() if result.returncode == 0 else ""


def code_version() -> str:
    """The commit measured, and whether shipped files differ from it."""
    commit = _git("rev-parse", "--short", "HEAD") or "unknown commit"
    changed = _git("status", "--porcelain", "--", *SHIPPED).splitlines()
    if not changed:
        return f"{commit}, shipped files as committed"
    return f"{commit} + uncommitted changes in {len(changed)} shipped file(s)"


def stamp(command: str, arguments: Sequence[str]) -> str:
    """Which run made the figures: the command, the day, the code and the machine."""
    run = f'{command} BENCH_ARGS="{shlex.join(arguments)}"' if arguments else command
    return (
        f"`{run}` on {datetime.date.today().isoformat()}, code at {code_version()}; "
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}:\n"
    )


def fenced(lines: list[str]) -> str:
    return "\n```text\n" + "\n".join(lines) + "\n```\n"


def write(command: str, arguments: Sequence[str] | None, figures: str) -> None:
    """Rewrites the page's block named after the command: its stamp, then the figures."""
    given = sys.argv[1:] if arguments is None else arguments
    docs.write(PAGE, {command: stamp(command, given) + figures})
