"""The Chromium the browser tests (tests/integration/web) drive: found, or installed first.

`python -m tools.browser`, which `make test` runs before anything else, finds Playwright's
own build if `playwright install` made one, else the system's `chromium`. Without either it
installs one: Debian's package where apt-get is (as root, or through sudo), else Playwright's
download. If none of that works it stops with one line saying what to install, rather than
letting every browser test fail.
"""

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Playwright, sync_playwright

from tools import PROJECT_DIR

# One way to install: commands run in turn, up to the first that fails.
Way = list[list[str]]
LOG = PROJECT_DIR / "build" / "browser-install.log"
GIVE_UP = (
    "The browser tests need Chromium, which could not be installed (see {log}): install"
    " Debian's chromium package (apt-get install chromium) or run"
    " .venv/bin/playwright install --no-shell chromium"
)


def executable(playwright: Playwright) -> str | None:
    """Playwright's own Chromium where it was installed, else the system's, else None."""
    own = playwright.chromium.executable_path
    return own if Path(own).is_file() else shutil.which("chromium")


def ways_to_install(apt_get: str | None, sudo: str | None, root: bool) -> list[Way]:
    """The ways to try, in order: apt-get, with its package lists refreshed if that failed,
    where it can run as root; then Playwright's download."""
    ways = []
    as_root = [] if root else [sudo] if sudo else None
    if apt_get and as_root is not None:
        # env, rather than the environment, gets the setting past sudo.
        apt = [*as_root, "env", "DEBIAN_FRONTEND=noninteractive", apt_get]
        install = [*apt, "install", "-y", "-q", "chromium"]
        ways += [[install], [[*apt, "update", "-q"], install]]
    # The tests launch the full browser: Playwright's headless shell would go unused.
    ways.append([[sys.executable, "-m", "playwright", "install", "--no-shell", "chromium"]])
    return ways


def ensure(ways: list[Way], run: Callable[[Way], None], found: Callable[[], bool]) -> bool:
    """Whether a browser is there, after trying each way in turn until one is."""
    if found():
        return True
    for way in ways:
        run(way)
        if found():
            return True
    return False


def found() -> bool:
    with sync_playwright() as playwright:
        return executable(playwright) is not None


def run_logged(way: Way) -> None:
    """Runs the way's commands into LOG, up to the first that fails."""
    commands = " && ".join(" ".join(command) for command in way)
    print(f"Installing Chromium for the browser tests: {commands}", flush=True)
    LOG.parent.mkdir(exist_ok=True)
    with LOG.open("a") as log:
        for command in way:
            print(f"$ {' '.join(command)}", file=log, flush=True)
            try:
                # A fixed argv of ways_to_install; sudo asks for a password on the terminal.
                done = subprocess.run(command, stdout=log, stderr=log, check=False)  # noqa: S603
            except OSError as error:  # a program of the way is missing: the way failed
                print(error, file=log)
                return
            if done.returncode:
                return


def main() -> int:
    # The log of the last run's attempts alone.
    LOG.unlink(missing_ok=True)
    ways = ways_to_install(shutil.which("apt-get"), shutil.which("sudo"), os.geteuid() == 0)
    if ensure(ways, run_logged, found):
        return 0
    print(GIVE_UP.format(log=LOG.relative_to(PROJECT_DIR)), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
