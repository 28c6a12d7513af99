"""Serves the API offline, as `make run` does: `python -m tools.local_stack --port 8000`.

Starts moto's DynamoDB emulator on 127.0.0.1 (unless AWS_ENDPOINT_URL_DYNAMODB already
names an endpoint, such as DynamoDB Local), creates the stage's table if it is missing,
and runs `chalice local` in the foreground. SIGINT or SIGTERM stops everything.
"""

import argparse
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path
from types import FrameType

import boto3

from tools.emulator import Emulator
from tools.stage import environment
from tools.table import ensure_table

PROJECT_DIR = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def emulator_environment(endpoint: str) -> dict[str, str]:
    # The emulator accepts any credentials; fixed ones keep a developer's real
    # credentials out of the local run altogether.
    return {
        "AWS_ENDPOINT_URL_DYNAMODB": endpoint,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_SESSION_TOKEN": "local",
    }


def print_usage(port: int, endpoint: str) -> None:
    base = f"http://{HOST}:{port}"
    print(
        f"DynamoDB: {endpoint}\n"
        f"API:      {base}\n\n"
        "Get a token and create a todo from another shell:\n"
        "  TOKEN=$(make -s token USER=alice)\n"
        f'  curl -s -X POST {base}/todos -H "Authorization: Bearer $TOKEN" \\\n'
        "       -H 'Content-Type: application/json' -d '{\"text\": \"Learn Serverless APIs\"}'\n",
        flush=True,
    )


def serve(stage: str, port: int, env: dict[str, str]) -> int:
    chalice = Path(sys.executable).with_name("chalice")
    command = [
        str(chalice),
        "local",
        "--stage",
        stage,
        "--no-autoreload",
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--stage", default="local")
    args = parser.parse_args()

    env = dict(os.environ)
    env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    server = None
    if not env.get("AWS_ENDPOINT_URL_DYNAMODB"):
        # The emulator's access log would drown chalice local's own.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        server = Emulator(HOST)
        env.update(emulator_environment(server.start()))
    try:
        dynamodb = boto3.client(
            "dynamodb",
            endpoint_url=env["AWS_ENDPOINT_URL_DYNAMODB"],
            region_name=env["AWS_DEFAULT_REGION"],
            aws_access_key_id=env.get("AWS_ACCESS_KEY_ID"),
            aws_secret_access_key=env.get("AWS_SECRET_ACCESS_KEY"),
            aws_session_token=env.get("AWS_SESSION_TOKEN"),
        )
        ensure_table(dynamodb, environment(args.stage)["TABLE_NAME"])
        print_usage(args.port, env["AWS_ENDPOINT_URL_DYNAMODB"])
        status = serve(args.stage, args.port, env)
    finally:
        if server is not None:
            server.stop()
    # A stop asked for by signal is a clean exit, whatever code chalice local ends with.
    return 0 if status in (0, -signal.SIGINT, -signal.SIGTERM, 130, 143) else status


if __name__ == "__main__":
    sys.exit(main())
