"""`make soak`: thousands of idempotent creates against `make run`, in figures per thousand.

Starts the local stack (tools.local.stack) on free ports, sends CREATES idempotent creates
one after another (each a TransactWriteItems in the emulator), and prints for each thousand
the median and 99th-percentile latency and the stack's memory (the resident set of the
stack's process, which hosts the emulator, and of chalice local's) when it ended. Flat
figures from the first thousand to the last are what a long `make run` session needs.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import requests

from tools import PROJECT_DIR, process_group
from tools.deploy.stage import environment
from tools.local.stack import HOST, free_port
from tools.local.token import issue_token

WINDOW = 1000
START_SECONDS = 60


class Window(NamedTuple):
    """One thousand creates: their latency (median, p99) and the stack's memory after them."""

    median_ms: float
    p99_ms: float
    rss_mib: float


def resident_mib(pid: int) -> float:
    """The resident memory of a process and of its children, in MiB (Linux's /proc)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    total_kib = 0
    for process in [pid, *map(int, children)]:
        for line in Path(f"/proc/{process}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total_kib += int(line.split()[1])
    return total_kib / 1024


def soak(base_url: str, token: str, pid: int, creates: int) -> tuple[list[Window], str | None]:
    """Sends the creates; the figures of each WINDOW of them, and the first failure, if any
    (the creates stop there)."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    windows: list[Window] = []
    latencies: list[float] = []
    with requests.Session() as session:
        session.trust_env = False
        for n in range(creates):
            started = time.perf_counter()
            response = session.post(
                f"{base_url}/todos",
                headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
                data=f'{{"text": "soak {n}"}}',
                timeout=30,
            )
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status_code != 201:
                return windows, f"create {n + 1}: {response.status_code} {response.text}"
            if len(latencies) == WINDOW:
                p99 = statistics.quantiles(latencies, n=100)[98]
                windows.append(Window(statistics.median(latencies), p99, resident_mib(pid)))
                latencies = []
    return windows, None


@contextmanager
def local_stack(port: int) -> Iterator[subprocess.Popen[bytes]]:
    """`make run`'s stack on 127.0.0.1:port, until the block ends."""
    env = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL_DYNAMODB"}
    command = [sys.executable, "-m", "tools.local.stack", "--port", str(port), "--web-port", "0"]
    # Its output (an access log line per request) would drown the figures.
    stack = subprocess.Popen(  # noqa: S603 - a fixed command
        command,
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + START_SECONDS
        while stack.poll() is None and time.monotonic() < deadline:
            try:
                requests.get(f"http://{HOST}:{port}/health", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        else:
            raise SystemExit(f"make run did not serve on port {port} (make run shows why)")
        yield stack
    finally:
        process_group.stop(stack, timeout_seconds=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--creates", type=int, default=3000)
    args = parser.parse_args()
    port = free_port()
    token = issue_token("soak", environment("local"))
    with local_stack(port) as stack:
        windows, failure = soak(f"http://{HOST}:{port}", token, stack.pid, args.creates)
    print(f"{args.creates} idempotent creates against make run, one at a time, per {WINDOW}:")
    print("thousand  median ms  p99 ms  stack RSS MiB")
    for number, window in enumerate(windows, 1):
        print(
            f"{number:>8}  {window.median_ms:>9.1f}  {window.p99_ms:>6.1f}  {window.rss_mib:>13.0f}"
        )
    if failure is not None:
        raise SystemExit(f"stopped at the first failure, {failure}")
    first, last = windows[0], windows[-1]
    print(
        f"last/first: median latency {last.median_ms / first.median_ms:.2f}x, "
        f"memory {last.rss_mib / first.rss_mib:.2f}x"
    )


if __name__ == "__main__":
    main()
