"""tools.process_group.stop ends a whole group: politely, or by force when it will not."""

import subprocess
import sys
import time

from tools import process_group

# A parent that starts a child in its group, then waits; with IGNORE, both ignore SIGTERM.
PARENT = """
import signal, subprocess, sys, time
if sys.argv[1] == "ignore":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
child = subprocess.Popen([sys.executable, "-c", sys.argv[2]])
print(child.pid, flush=True)
time.sleep(60)
"""
CHILD = """
import signal, time
if {ignore}:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
time.sleep(60)
"""


def started(ignore: bool) -> tuple["subprocess.Popen[str]", int]:
    process = subprocess.Popen(
        [sys.executable, "-c", PARENT, "ignore" if ignore else "obey", CHILD.format(ignore=ignore)],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    return process, int(process.stdout.readline())


def running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False


def gone(pid: int) -> bool:
    """Whether pid stops running within a few seconds: the signal reaches the child of a
    group at the same time as its parent, but the child dies on its own schedule."""
    deadline = time.monotonic() + 5
    while running(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not running(pid)


def test_a_group_that_obeys_sigterm_ends_with_its_children():
    process, child = started(ignore=False)
    process_group.stop(process, timeout_seconds=10)
    assert process.returncode == -15
    assert gone(child)


def test_a_group_that_ignores_sigterm_is_killed_after_the_timeout():
    process, child = started(ignore=True)
    process_group.stop(process, timeout_seconds=0.5)
    assert process.returncode == -9
    assert gone(child)
