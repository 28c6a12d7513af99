"""The rehearsal's copy of the project, where it runs `make` as a user would.

The tracked files, as they are in the work tree, are copied to build/rehearsal/project, so
that what the commands write (Chalice's .chalice/deployed/, the packages, the config's
layer ARN) never touches the project itself. `make` runs there on the project's .venv,
with the emulator's client environment, and with the tap first on PYTHONPATH, recording
each AWS call into the log its step names.
"""

import json
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from tools import PROJECT_DIR
from tools.deploy.rehearsal.emulator import Emulator

TAP = Path(__file__).with_name("tap")
VENV = PROJECT_DIR / ".venv"


class StepFailed(SystemExit):
    """A command the rehearsal ran as a user would did not do what it should."""


def copy_project(root: Path) -> None:
    shutil.rmtree(root, ignore_errors=True)
    listed = (
        subprocess.run(  # noqa: S603 - fixed argv
            ["git", "-C", str(PROJECT_DIR), "ls-files", "-z"],  # noqa: S607 - git on PATH
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, listed):
        source, target = PROJECT_DIR / name, root / name
        if source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            # copy2 keeps the times: make must see .venv as newer than the requirements.
            shutil.copy2(source, target)


@dataclass
class Workspace:
    root: Path
    emulator: Emulator
    logs: Path
    # Seconds per step, in the order they ran.
    timings: list[tuple[str, float]] = field(default_factory=list)
    # Whose keys the user's commands run with: a deployer's, or (None) the account's root.
    keys: tuple[str, str] | None = None

    def session(self) -> boto3.Session:
        """A session with the keys the user's commands run with."""
        return self.emulator.session(*([self.keys] if self.keys else []))

    def make(self, target: str, stage: str, calls: Path | None, **variables: str) -> str:
        """`make TARGET STAGE=stage ...` in the copy; its output. calls: where the AWS calls
        it makes are recorded (None: not at all). Fails unless make succeeds."""
        result = self.run_make(target, stage, calls, **variables)
        if result.returncode != 0:
            raise StepFailed(f"make {target} STAGE={stage} failed:\n{result.stdout[-3000:]}")
        return result.stdout

    def run_make(
        self, target: str, stage: str, calls: Path | None, **variables: str
    ) -> subprocess.CompletedProcess[str]:
        env = self.emulator.environment()
        if self.keys is not None:
            env.update(AWS_ACCESS_KEY_ID=self.keys[0], AWS_SECRET_ACCESS_KEY=self.keys[1])
        if calls is not None:
            env.update(PYTHONPATH=str(TAP), REHEARSAL_CALLS=str(calls))
        settings = [f"{name}={value}" for name, value in {"STAGE": stage, **variables}.items()]
        command = ["make", "--no-print-directory", "-C", str(self.root), target, f"VENV={VENV}"]
        started = time.monotonic()
        result = subprocess.run(  # noqa: S603 - fixed argv
            [*command, *settings],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        self.timings.append((f"make {target} {' '.join(settings)}", time.monotonic() - started))
        with (self.logs / "make.log").open("a") as log:
            log.write(f"$ make {target} {' '.join(settings)}\n{result.stdout}{result.stderr}\n")
        result.stdout += result.stderr
        return result

    def edit_config(self, change: Callable[[dict[str, Any]], None]) -> None:
        """Changes the copy's .chalice/config.json, as a user edits theirs."""
        path = self.root / ".chalice" / "config.json"
        config = json.loads(path.read_text())
        change(config)
        path.write_text(json.dumps(config, indent=2) + "\n")
