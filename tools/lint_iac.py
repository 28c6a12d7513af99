"""Lints a packaged template: `python -m tools.lint_iac [--template build/prod/sam.json]`.

Runs, offline, both of:

- cfn-lint (from requirements-dev.txt, in the project's virtualenv), which expands the
  SAM transform itself: any error or warning fails;
- checkov (from requirements-iac.txt, in its own virtualenv `.venv-checkov`, made here
  on first use and remade when requirements-iac.txt changes, because checkov pins a
  boto3 older than the project's) with `--skip-download`: any failed check fails.

Checks that do not apply are skipped in the template itself (tools/package.py), each
with its reason, so that both tools report the same thing to everyone.
"""

import argparse
import json
import os
import subprocess
import sys
import time
import venv
from collections import Counter
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_TEMPLATE = PROJECT_DIR / "build" / "prod" / "sam.json"
CHECKOV_VENV = PROJECT_DIR / ".venv-checkov"
CHECKOV_REQUIREMENTS = PROJECT_DIR / "requirements-iac.txt"
# cfn-lint's exit status is a bit mask of what it found: 2 errors, 4 warnings, 8 info.
CFN_LINT_ERRORS, CFN_LINT_WARNINGS, CFN_LINT_INFO = 2, 4, 8


def cfn_lint(template: Path) -> bool:
    executable = Path(sys.executable).with_name("cfn-lint")
    if not executable.exists():
        print(f"cfn-lint: not installed beside {sys.executable} (see requirements-dev.txt)")
        return False
    command = [str(executable), "--format", "json", "--"]
    result = subprocess.run(  # noqa: S603 - fixed argv
        [*command, str(template)], capture_output=True, text=True, check=False
    )
    try:
        matches = json.loads(result.stdout or "[]")
    except json.JSONDecodeError:
        matches = None
    found = CFN_LINT_ERRORS | CFN_LINT_WARNINGS | CFN_LINT_INFO
    if matches is None or result.returncode & ~found:
        sys.stdout.write(result.stdout)
        sys.stderr.write(result.stderr)
        print(f"cfn-lint: failed to run (exit status {result.returncode})")
        return False
    for match in matches:
        start = match["Location"]["Start"]
        print(
            f"{match['Rule']['Id']} {match['Message']}\n"
            f"  {match['Filename']}:{start['LineNumber']}:{start['ColumnNumber']}"
        )
    levels = Counter(match["Level"] for match in matches)
    version = subprocess.run(  # noqa: S603 - fixed argv
        [command[0], "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    print(
        f"{version}: {levels['Error']} errors, {levels['Warning']} warnings, "
        f"{levels['Informational']} informational"
    )
    return not result.returncode & (CFN_LINT_ERRORS | CFN_LINT_WARNINGS)


def checkov_environment() -> Path:
    """checkov's own virtualenv, installed from requirements-iac.txt; its checkov."""
    wanted = CHECKOV_REQUIREMENTS.read_text()
    stamp = CHECKOV_VENV / ".installed"
    checkov = CHECKOV_VENV / "bin" / "checkov"
    if checkov.exists() and stamp.exists() and stamp.read_text() == wanted:
        return checkov
    print(f"installing {CHECKOV_REQUIREMENTS.name} into {CHECKOV_VENV.name} ...", flush=True)
    venv.create(CHECKOV_VENV, with_pip=True, clear=True)
    # As virtualenv does: git, and ruff's `check .`, then pass over the whole directory.
    (CHECKOV_VENV / ".gitignore").write_text("# Made by tools/lint_iac.py.\n*\n")
    subprocess.run(  # noqa: S603 - fixed argv
        [
            str(CHECKOV_VENV / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
            str(CHECKOV_REQUIREMENTS),
        ],
        check=True,
    )
    stamp.write_text(wanted)
    return checkov


def checkov(template: Path) -> bool:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("BC_", "PRISMA_", "CKV_"))
    }
    # Offline: no platform API, no policy download, no look-up of a newer checkov.
    env.update(
        BC_SKIP_MAPPING="TRUE", CKV_SKIP_PACKAGE_UPDATE_CHECK="TRUE", ANSI_COLORS_DISABLED="1"
    )
    command = [
        str(checkov_environment()),
        "--file",
        str(template),
        "--framework",
        "cloudformation",
        "--skip-download",
        "--compact",
        "--quiet",
    ]
    result = subprocess.run(command, env=env, check=False)  # noqa: S603 - fixed argv
    return result.returncode == 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--template", type=Path, default=DEFAULT_TEMPLATE)
    args = parser.parse_args()
    if not args.template.is_file():
        print(f"{args.template}: no such template; run `make package STAGE=prod` first")
        return 2
    failed = []
    for name, lint in (("cfn-lint", cfn_lint), ("checkov", checkov)):
        started = time.monotonic()
        if not lint(args.template):
            failed.append(name)
        print(f"{name}: {time.monotonic() - started:.1f} s", flush=True)
    if failed:
        print(f"{args.template}: {' and '.join(failed)} failed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
