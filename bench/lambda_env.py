"""A stand-in for the Lambda Python runtime on this machine, for fresh processes.

Lambda puts the unzipped package in /var/task (read-only, so Python caches no bytecode
there: only what the zip ships, see tools/deploy/package/bytecode.py) ahead of the runtime's own
packages: boto3 and what it needs, nothing else. Here, each process gets:

- PYTHONPATH = the unzipped package, then a "runtime" directory of symlinks to this
  virtualenv's boto3, botocore, jmespath, dateutil, urllib3, s3transfer and six only;
- `python -S`, so no site-packages directory (this virtualenv's cryptography, moto...)
  is on sys.path, and PYTHONDONTWRITEBYTECODE=1 with a fresh unzip, so the package's
  modules load from the bytecode the zip ships or are compiled from source on every
  start, as in Lambda (the runtime's packages and the standard library use their
  installed .pyc, as in Lambda);
- an environment built from scratch: the stage's variables, Lambda's own, fake
  credentials, no AWS configuration files, and AWS_ENDPOINT_URL on the loopback
  emulator, so that no request can ever leave this machine.
"""

import json
import os
import shutil
import sysconfig
import zipfile
from pathlib import Path
from typing import Any

# What the Lambda Python runtime provides beside the standard library.
RUNTIME_PACKAGES = ("boto3", "botocore", "jmespath", "dateutil", "urllib3", "s3transfer", "six.py")
REGION = "us-east-1"
MEMORY_MB = "1024"


def runtime_site(dest: Path) -> Path:
    """A directory holding only the runtime's packages, linked from this virtualenv."""
    site_packages = Path(sysconfig.get_paths()["purelib"])
    dest.mkdir(parents=True)
    for name in RUNTIME_PACKAGES:
        source = site_packages / name
        if not source.exists():
            raise SystemExit(f"{source}: missing; run `make bench` (it installs .venv)")
        (dest / name).symlink_to(source, target_is_directory=source.is_dir())
    return dest


def unzip(archive: Path, dest: Path) -> Path:
    with zipfile.ZipFile(archive) as package:
        package.extractall(dest)
    return dest


def baseline_task(app_source: Path, packaged: Path, dest: Path, packages: tuple[str, ...]) -> Path:
    """What `chalice package` would zip for a baseline app: its app.py, Chalice's runtime
    and the given packages, copied from our own unzipped package (the same versions)."""
    dest.mkdir(parents=True)
    shutil.copy2(app_source, dest / "app.py")
    for name in ("chalice", *packages):
        shutil.copytree(packaged / name, dest / name)
    return dest


def child_environment(
    task_dir: Path,
    runtime_dir: Path,
    home: Path,
    endpoint: str,
    stage_env: dict[str, str],
    handler: str,
    event: dict[str, Any],
) -> dict[str, str]:
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "TZ": ":UTC",
        "HOME": str(home),
        "PYTHONPATH": os.pathsep.join((str(task_dir), str(runtime_dir))),
        "LAMBDA_TASK_ROOT": str(task_dir),
        "AWS_LAMBDA_FUNCTION_NAME": f"bench-{handler}",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": MEMORY_MB,
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_SESSION_TOKEN": "bench",
        "AWS_CONFIG_FILE": str(home / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "no-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        # Every AWS service this process might call is the loopback emulator.
        "AWS_ENDPOINT_URL": endpoint,
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
        **stage_env,
        "BENCH_HANDLER": handler,
        "BENCH_EVENT": json.dumps(event),
        # /var/task is read-only: nothing compiled on one start may help the next.
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    return env
