"""Serves the API offline, as `make run` does: `python -m tools.local.stack --port 8000`.

Starts moto's DynamoDB emulator on 127.0.0.1 (unless AWS_ENDPOINT_URL_DYNAMODB already
names an endpoint, such as DynamoDB Local), creates the stage's table if it is missing,
serves the web client (tools.local.web_server) on a second port, `--web-port` (default: the
API's port + 1; 0 picks a free one), and runs the API with tools.local.server (`chalice
local`, hardened) in the foreground. SIGINT or SIGTERM stops everything.

`--identity cognito` (`make run IDENTITY=cognito`): users sign in to a user pool in moto's
Cognito (tools.deploy.user_pool.local_pool) through the web server's stand-in for its hosted UI;
one user is made and its password printed. `--api-keys` (`make run API_KEYS=1`, or the
stage's release.api_keys): /todos also need the key printed at start, as with the
packaged template's API keys.
"""

import argparse
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
from types import FrameType
from typing import NamedTuple

import boto3

from chalicelib import aws
from tools import PROJECT_DIR
from tools.deploy.stage import environment, load_stage
from tools.deploy.table import ensure_table
from tools.local.emulator import Emulator
from tools.local.hosted_ui import HostedUi
from tools.local.server import API_KEY_VARIABLE
from tools.local.user_pool import local_pool
from tools.local.web_server import WebServer

HOST = "127.0.0.1"
IDENTITIES = ("local", "cognito")
DEMO_USER = "alice@example.com"
# Meets the pool's password policy (tools.deploy.user_pool) whatever the random part holds.
DEMO_PASSWORD_PREFIX = "Local-1a-"  # noqa: S105 - a prefix; the password is random


class SignIn(NamedTuple):
    """How the stack's users sign in: the stand-in for a hosted UI (None: the local
    sign-in), what chalice local needs to take their tokens, and what to tell them."""

    hosted_ui: HostedUi | None
    variables: dict[str, str]
    how: str


def emulator_environment(endpoint: str) -> dict[str, str]:
    # The emulator accepts any credentials; fixed ones keep a developer's real
    # credentials out of the local run altogether.
    return {
        "AWS_ENDPOINT_URL_DYNAMODB": endpoint,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_SESSION_TOKEN": "local",
    }


def print_usage(port: int, endpoint: str, web_url: str, how: str, api_key: str | None) -> None:
    base = f"http://{HOST}:{port}"
    key_line = f"API key:  {api_key}  (send it as x-api-key on /todos)\n" if api_key else ""
    key_header = f" -H 'x-api-key: {api_key}'" if api_key else ""
    print(
        f"DynamoDB: {endpoint}\n"
        f"API:      {base}\n"
        f"{key_line}"
        f"Web:      {web_url}  (open it in a browser and {how})\n\n"
        "Get a token and create a todo from another shell:\n"
        "  TOKEN=$(make -s token USER=alice)\n"
        f'  curl -s -X POST {base}/todos -H "Authorization: Bearer $TOKEN"{key_header} \\\n'
        "       -H 'Content-Type: application/json' -d '{\"text\": \"Learn Serverless APIs\"}'\n",
        flush=True,
    )


def serve(stage: str, port: int, env: dict[str, str]) -> int:
    # chalice local, hardened for browsers and hostile clients (see tools.local.server).
    command = [
        sys.executable,
        "-m",
        "tools.local.server",
        "--stage",
        stage,
        "--host",
        HOST,
        "--port",
        str(port),
    ]
    child = subprocess.Popen(command, cwd=PROJECT_DIR, env=env)  # noqa: S603 - fixed argv

    def stop(signum: int, _frame: FrameType | None) -> None:
        child.send_signal(signum)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        return child.wait()
    finally:
        if child.poll() is None:
            child.kill()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--stage", default="local")
    parser.add_argument(
        "--web-port", type=int, help="the web client's port (default: --port + 1; 0: any free)"
    )
    parser.add_argument(
        "--identity",
        choices=IDENTITIES,
        default="local",
        help="local: sign in with a user name (the local secret); cognito: moto's user pool",
    )
    parser.add_argument(
        "--api-keys",
        action=argparse.BooleanOptionalAction,
        help="/todos also need an API key (default: the stage's release.api_keys)",
    )
    return parser.parse_args()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def sign_in(identity: str, emulator: Emulator | None, web_origin: str) -> SignIn:
    """How users sign in: the local sign-in, or a user pool in moto's Cognito with one
    user, whose tokens chalice local takes (and the local secret's, for `make token`)."""
    if identity == "local" or emulator is None:
        return SignIn(None, {}, "sign in with any user name")
    pool = local_pool(emulator.endpoint, web_origin)
    password = DEMO_PASSWORD_PREFIX + secrets.token_urlsafe(12)
    pool.add_user(DEMO_USER, password)
    variables = {**pool.environment(), "ACCEPT_HS256_WITH_OIDC": "true"}
    return SignIn(
        HostedUi.of(pool),
        variables,
        f"sign in as {DEMO_USER} with password {password} (moto's Cognito)",
    )


def create_table(stage: str, env: dict[str, str]) -> None:
    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=env["AWS_ENDPOINT_URL_DYNAMODB"],
        region_name=env["AWS_DEFAULT_REGION"],
        aws_access_key_id=env.get("AWS_ACCESS_KEY_ID"),
        aws_secret_access_key=env.get("AWS_SECRET_ACCESS_KEY"),
        aws_session_token=env.get("AWS_SESSION_TOKEN"),
    )
    ensure_table(dynamodb, environment(stage)["TABLE_NAME"])


def main() -> int:
    args = parse_args()
    web_port = args.port + 1 if args.web_port is None else args.web_port or free_port()
    keyed = load_stage(args.stage).release.api_keys if args.api_keys is None else args.api_keys
    api_key = secrets.token_urlsafe(24) if keyed else None

    env = dict(os.environ)
    env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    given = env.get("AWS_ENDPOINT_URL_DYNAMODB")
    if given and aws.local_only(environment(args.stage)) and not aws.on_loopback(given):
        # The table would be made there, before the app refused to reach it.
        raise SystemExit(
            f"AWS_ENDPOINT_URL_DYNAMODB={given} is not on loopback: the {args.stage} stage "
            "reaches an emulator on 127.0.0.1, never AWS"
        )
    emulator = None
    if not given or args.identity == "cognito":
        # The emulator's access log would drown chalice local's own.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        emulator = Emulator(HOST)
        endpoint = emulator.start()
        if not given:
            env.update(emulator_environment(endpoint))
    web = None
    try:
        users = sign_in(args.identity, emulator, f"http://{HOST}:{web_port}")
        env |= users.variables | ({API_KEY_VARIABLE: api_key} if api_key else {})
        api_url = f"http://{HOST}:{args.port}"
        web = WebServer(
            api_url,
            environment(args.stage),
            HOST,
            web_port,
            hosted_ui=users.hosted_ui,
            api_key=api_key,
        )
        create_table(args.stage, env)
        print_usage(args.port, env["AWS_ENDPOINT_URL_DYNAMODB"], web.start(), users.how, api_key)
        status = serve(args.stage, args.port, env)
    finally:
        if web is not None:
            web.stop()
        if emulator is not None:
            emulator.stop()
    # A stop asked for by signal is a clean exit, whatever code chalice local ends with.
    return 0 if status in (0, -signal.SIGINT, -signal.SIGTERM, 130, 143) else status


if __name__ == "__main__":
    sys.exit(main())
