"""The local stack that `make run` starts, as a test drives it over HTTP on 127.0.0.1.

A LocalStack is one `python -m tools.local.stack` process group (the embedded DynamoDB
emulator, `chalice local` and the web client's server) on free ports (`base_url` for the
API, `web_url` for the client), with its output in a file. `stack_factory`
starts as many as a test asks for and kills every one of them on exit, whatever happened;
the stack fixtures (`start_stack`, `local_stack`) are built on it. Nothing here leaves
127.0.0.1 or talks to AWS.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time

import pytest
import requests

from tools import PROJECT_DIR

HOST = "127.0.0.1"
START_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 20
REQUEST_TIMEOUT_SECONDS = 5
# A command prefix: what `bash -c 'make test &'` does to every process it starts. exec keeps
# an ignored SIGINT ignored, so a server must install its own handling to stop on one.
SIGINT_IGNORED = ("sh", "-c", 'trap "" INT && exec "$@"', "sh")


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def port_is_free(port):
    # SO_REUSEADDR, as every server (chalice local included) binds: the connections the
    # server closed may linger in TIME_WAIT, but only a listening socket stops a restart.
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
        return True


def group_is_gone(pgid):
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def stack_environment(**overrides):
    """The caller's environment without a DynamoDB endpoint, plus overrides."""
    env = dict(os.environ)
    env.pop("AWS_ENDPOINT_URL_DYNAMODB", None)
    env.update(overrides)
    return env


def issue_token(subject):
    """A token for subject from `python -m tools.local.token`, the path `make token` takes."""
    result = subprocess.run(
        [sys.executable, "-m", "tools.local.token", subject],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


def loopback_session():
    """An HTTP session with no proxy from the environment between us and 127.0.0.1."""
    session = requests.Session()
    session.trust_env = False
    return session


class LocalStack:
    """One `python -m tools.local.stack` process group and its output file."""

    def __init__(self, env, log_path, options=(), prefix=()):
        self.port = free_port()
        self.base_url = f"http://{HOST}:{self.port}"
        self.web_port = free_port()
        self.web_url = f"http://{HOST}:{self.web_port}"
        self.log_path = log_path
        self.http = loopback_session()
        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(
                [
                    *prefix,
                    sys.executable,
                    "-m",
                    "tools.local.stack",
                    "--port",
                    str(self.port),
                    "--web-port",
                    str(self.web_port),
                    *options,
                ],
                cwd=PROJECT_DIR,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.pgid = self.process.pid  # a new session's leader leads its own group

    def output(self):
        return self.log_path.read_text(errors="replace")

    def wait_until_serving(self):
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(
                    f"the stack exited with {self.process.returncode} before serving:\n"
                    + self.output()
                )
            try:
                if self.request("GET", "/health", timeout=1).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        pytest.fail(f"the stack did not serve within {START_TIMEOUT_SECONDS} s:\n{self.output()}")

    def request(
        self, method, path, token=None, timeout=REQUEST_TIMEOUT_SECONDS, session=None, **kwargs
    ):
        """One request to the stack; `session` for a thread of its own (a Session is not
        thread-safe), else the stack's shared one."""
        headers = kwargs.pop("headers", {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return (session or self.http).request(
            method, self.base_url + path, headers=headers, timeout=timeout, **kwargs
        )

    def stop(self, signum=signal.SIGTERM):
        """signum to the whole group, as a shell's kill or Ctrl-C would; the exit code."""
        self.http.close()
        os.killpg(self.pgid, signum)
        return self.process.wait(timeout=STOP_TIMEOUT_SECONDS)

    def kill(self):
        """The last resort: nothing of the group survives the test, whatever happened."""
        self.http.close()
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(self.pgid, signal.SIGTERM)
                self.process.wait(timeout=5)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pgid, signal.SIGKILL)
        self.process.wait(timeout=STOP_TIMEOUT_SECONDS)


@contextlib.contextmanager
def stack_factory(log_dir):
    """start(env, *options, prefix=()) -> a serving LocalStack logging into log_dir, options
    being more of tools.local.stack's, prefix a command it runs under. On exit every stack
    it started is killed and its output printed, each even if another's cleanup failed."""
    with contextlib.ExitStack() as cleanup:
        count = 0

        def start(env, *options, prefix=()):
            nonlocal count
            stack = LocalStack(env, log_dir / f"local_stack_{count}.log", options, prefix)
            count += 1
            cleanup.callback(_kill_and_show, stack)
            stack.wait_until_serving()
            return stack

        yield start


def _kill_and_show(stack):
    try:
        stack.kill()
    finally:
        print(f"--- output of the stack on port {stack.port} ---\n{stack.output()}")
