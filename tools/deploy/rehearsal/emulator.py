"""The AWS emulator of `make rehearse`: MiniStack on 127.0.0.1, IAM enforced, one fake account.

Two virtualenvs of the project's own (tools.owned_venv), as checkov has one: the emulator's
(requirements-emulator.txt) and the one its functions run on (requirements-lambda.txt, what
the Lambda runtime holds: tools.deploy.rehearsal.bridges points the emulator at it).

Nothing here, nor in any process the rehearsal starts, can reach AWS: the emulator is
given an environment made from nothing but what it needs, and every client gets
`client_environment()`: the emulator's endpoint, fake keys of a fixed fake account, and no
profile, config file or instance metadata to fall back on. The functions the emulator runs
inherit its environment, endpoint included.
"""

import json
import os
import platform
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from tools import PROJECT_DIR, owned_venv, process_group

EMULATOR_VENV = PROJECT_DIR / ".venv-emulator"
EMULATOR_REQUIREMENTS = PROJECT_DIR / "requirements-emulator.txt"
LAMBDA_VENV = PROJECT_DIR / ".venv-lambda"
LAMBDA_REQUIREMENTS = PROJECT_DIR / "requirements-lambda.txt"
# Run by the emulator's Python, not imported here: it needs MiniStack.
BRIDGES = Path(__file__).with_name("bridges.py")
LOOPBACK = "127.0.0.1"
# A fixed fake account (AWS's documentation example) and region: the emulator's only ones.
ACCOUNT = "123456789012"
REGION = "eu-west-1"
# The emulator's root keys: MiniStack takes a 12-digit key id as that account's root.
SECRET_KEY = "rehearsal-secret-access-key"  # noqa: S105 - the emulator's, not a secret
# AWS's default regional quota, fixed so that the emulator does not size it to this machine.
ACCOUNT_CONCURRENCY = 1000
READY_SECONDS = 60.0
# Where a client would otherwise find credentials, a region or an endpoint of its own.
_CLEARED = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")


def lambda_architecture() -> str:
    """What the emulator's functions really run on: this machine's, whatever they declare."""
    return {"aarch64": "arm64", "arm64": "arm64"}.get(platform.machine(), "x86_64")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


def client_environment(endpoint: str, base: dict[str, str] | None = None) -> dict[str, str]:
    """An environment whose AWS clients reach the emulator at endpoint, and nothing else."""
    env = {k: v for k, v in (base or os.environ).items() if not k.startswith("AWS_")}
    for name in _CLEARED:
        env.pop(name, None)
    env.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID=ACCOUNT,
        AWS_SECRET_ACCESS_KEY=SECRET_KEY,
        AWS_DEFAULT_REGION=REGION,
        AWS_REGION=REGION,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


@dataclass(frozen=True)
class Emulator:
    endpoint: str
    port: int
    state_dir: Path

    def session(self, keys: tuple[str, str] = (ACCOUNT, SECRET_KEY)) -> boto3.Session:
        """A session of the account's root (or of the user whose keys are given)."""
        return boto3.Session(
            aws_access_key_id=keys[0], aws_secret_access_key=keys[1], region_name=REGION
        )

    def role(self, name: str, service: str, policy: dict[str, Any]) -> str:
        """A role the service may assume, allowed what the policy allows; its ARN."""
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
            ],
        }
        iam = self.client("iam")
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"][
            "Arn"
        ]
        iam.put_role_policy(RoleName=name, PolicyName=name, PolicyDocument=json.dumps(policy))
        return str(arn)

    def user(self, name: str, policy: dict[str, Any]) -> tuple[str, str]:
        """An IAM user allowed what the policy allows, and nothing else; its keys."""
        iam = self.client("iam")
        iam.create_user(UserName=name)
        iam.put_user_policy(UserName=name, PolicyName=name, PolicyDocument=json.dumps(policy))
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return str(key["AccessKeyId"]), str(key["SecretAccessKey"])

    def client(self, service: str) -> Any:
        return self.session().client(service, endpoint_url=self.endpoint)  # type: ignore[call-overload]

    def environment(self, base: dict[str, str] | None = None) -> dict[str, str]:
        return client_environment(self.endpoint, base)

    def gateway_host(self, api_id: str) -> str:
        """The Host header of an API's execute-api URL on the emulator (MiniStack's form)."""
        return f"{api_id}.execute-api.localhost:{self.port}"


def _emulator_environment(port: int, state_dir: Path) -> dict[str, str]:
    endpoint = f"http://{LOOPBACK}:{port}"
    return {
        **client_environment(endpoint, {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}),
        "HOME": str(state_dir),
        "TMPDIR": str(state_dir),
        "STATE_DIR": str(state_dir),
        "GATEWAY_PORT": str(port),
        "BIND_HOST": LOOPBACK,
        "AUTH": "true",
        "MINISTACK_ACCOUNT_ID": ACCOUNT,
        "MINISTACK_REGION": REGION,
        "LAMBDA_ACCOUNT_CONCURRENCY": str(ACCOUNT_CONCURRENCY),
        # No listener but the gateway's.
        "IOT_MTLS_ENABLED": "0",
        "SFTP_ENABLED": "0",
        "LOG_LEVEL": "WARNING",
    }


def _wait_ready(endpoint: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the emulator stopped at start:\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{endpoint}/_ministack/health", timeout=2):  # noqa: S310 - loopback
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the emulator did not answer within {READY_SECONDS:.0f} s")


@contextmanager
def running(state_dir: Path, bridged: bool = True) -> Iterator[Emulator]:
    """The emulator, serving on a free loopback port until the block ends.

    bridged=False runs MiniStack as it is, for the tests that check each bridge is needed.
    """
    emulator_python = owned_venv.ensure(EMULATOR_VENV, EMULATOR_REQUIREMENTS)
    lambda_python = owned_venv.ensure(LAMBDA_VENV, LAMBDA_REQUIREMENTS)
    state_dir.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    entry = [str(BRIDGES), str(lambda_python)] if bridged else ["-m", "ministack"]
    log = state_dir / "emulator.log"
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - fixed argv
            [str(emulator_python), *entry],
            env=_emulator_environment(port, state_dir),
            cwd=state_dir,
            stdout=output,
            stderr=subprocess.STDOUT,
            # Its own process group: the functions' workers are stopped with it.
            start_new_session=True,
        )
    try:
        emulator = Emulator(f"http://{LOOPBACK}:{port}", port, state_dir)
        _wait_ready(emulator.endpoint, process, log)
        yield emulator
    finally:
        process_group.stop(process, timeout_seconds=10)
