"""Stopping a server the tools started in a process group of its own (start_new_session)."""

import os
import signal
import subprocess
from typing import Any


def stop(process: "subprocess.Popen[Any]", timeout_seconds: float) -> None:
    """SIGTERM to the whole group, then SIGKILL if it has not ended within timeout_seconds:
    the servers it started (an emulator, chalice local) end with it."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout_seconds)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
