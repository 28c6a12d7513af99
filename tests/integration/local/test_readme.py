"""The README's walk-through, pasted into bash beside `make run`, answers as it says.

Each request of the block is preceded by a comment that opens with the status it answers;
the block runs as written but for its first line, `API=…`, pointed at a stack this module
starts.
"""

import os
import re
import subprocess

from tools import PROJECT_DIR

BLOCK = re.compile(r"^## Walk-through\n.*?^```sh\n(.*?)^```", re.S | re.M)


def walk_through() -> str:
    found = BLOCK.search((PROJECT_DIR / "README.md").read_text())
    assert found is not None, "README.md has a Walk-through section with a sh block"
    return found[1]


def pasted(script: str, api: str) -> subprocess.CompletedProcess[str]:
    """The block in bash, stopping at the first command that fails, as a reader would."""
    pointed, count = re.subn(r"^API=\S+$", f"API={api}", script, count=1, flags=re.M)
    assert count == 1, "the block starts by naming the API's address"
    return subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", pointed],  # noqa: S607 - as a reader pastes
        cwd=PROJECT_DIR,
        # No proxy between curl and 127.0.0.1, whatever the environment says.
        env={**os.environ, "NO_PROXY": "*", "no_proxy": "*"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_readmes_walk_through_answers_each_step_as_its_comment_says(local_stack):
    script = walk_through()
    result = pasted(script, local_stack.base_url)
    assert result.returncode == 0, result.stderr
    said = re.findall(r"^# (\d{3})\b", script, re.M)
    answered = re.findall(r"^HTTP/1\.1 (\d{3})", result.stdout, re.M)
    assert answered == said, result.stdout
    created, retried = re.findall(r'^\{"todoId":"([^"]+)"', result.stdout, re.M)[:2]
    assert created == retried, "a create repeated with its Idempotency-Key answers the same todo"
