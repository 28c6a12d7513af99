"""Packages a stage for CloudFormation: `python -m tools.deploy.package --stage prod`.

Runs `chalice package --merge-template`, leaving `sam.json` (a SAM template) and
`deployment.zip` in the output directory (default build/<stage>), with the merge template
(tools.deploy.package.merge) written beside them as `merge-template.json`.

Then, on the template Chalice wrote: for the REST API, a 405 for the methods each path
lacks (tools.deploy.package.rest_methods); for API=http, the HTTP API in its place
(tools.deploy.package.http_api); and for both, versions, the alias `live`, canaries,
provisioned concurrency, alarms, a dashboard, and the stage's WAF and API keys
(tools.deploy.package.release).

The resources Chalice generates are found in a first, plain `chalice package`, so the
merge template never guesses a logical id. Packaging needs a region (us-east-1 unless
AWS_DEFAULT_REGION says otherwise; the template itself is region-free) and pip, for
requirements.txt; it makes no AWS call.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tools import PROJECT_DIR
from tools.deploy.package import bytecode, http_api, release, rest_methods
from tools.deploy.package.merge import merge_template
from tools.deploy.stage import deployed_stage

DEFAULT_REGION = "us-east-1"
OUTPUTS = ("sam.json", "deployment.zip")
API_KINDS = ("rest", "http")
MERGE_TEMPLATE = "merge-template.json"

Template = dict[str, Any]


def _chalice_package(stage: str, out: Path, merge_file: Path | None = None) -> Template:
    chalice = Path(sys.executable).with_name("chalice")
    command = [str(chalice), "--project-dir", str(PROJECT_DIR), "package", "--stage", stage]
    if merge_file is not None:
        command += ["--merge-template", str(merge_file)]
    command.append(str(out))
    env = dict(os.environ)
    if not env.get("AWS_DEFAULT_REGION"):
        env["AWS_DEFAULT_REGION"] = env.get("AWS_REGION") or DEFAULT_REGION
    subprocess.run(command, cwd=PROJECT_DIR, env=env, check=True)  # noqa: S603 - fixed argv
    generated: Template = json.loads((out / "sam.json").read_text())
    return generated


def chalice_template(stage: str, out: Path) -> Template:
    """Runs `chalice package` with the merge template into out: the SAM template as
    Chalice leaves it, before tools.deploy.package.http_api and .release change it."""
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    for name in OUTPUTS:
        (out / name).unlink(missing_ok=True)
    # Chalice zips chalicelib/ as it finds it: bytecode left by a test run is dead weight.
    for cache in (PROJECT_DIR / "chalicelib").rglob("__pycache__"):
        shutil.rmtree(cache)
    with tempfile.TemporaryDirectory(prefix=f"chalice-{stage}-") as plain:
        generated = _chalice_package(stage, Path(plain))
    merge_file = out / MERGE_TEMPLATE
    merge_file.write_text(json.dumps(merge_template(stage, generated), indent=2) + "\n")
    _chalice_package(stage, out, merge_file)
    missing = [name for name in OUTPUTS if not (out / name).is_file()]
    if missing:
        raise SystemExit(f"chalice package left no {', '.join(missing)} in {out}")
    bytecode.add_bytecode(
        out
    )  # compiled once here, not on every cold start (tools.deploy.package.bytecode)
    template: Template = json.loads((out / "sam.json").read_text())
    return template


def build(stage: str, out: Path, api: str = "rest", api_keys: bool | None = None) -> Path:
    """Packages the stage into out: sam.json, deployment.zip and merge-template.json.

    api="http": sam.json puts an HTTP API in the REST API's place (tools.deploy.package.http_api).
    Either way tools.deploy.package.release adds aliases, canaries, alarms and the stage's edge;
    api_keys overrides the stage's release.api_keys for this build.
    """
    deployed = deployed_stage(stage)
    keyed = deployed.release.api_keys if api_keys is None else api_keys
    if keyed and api != "rest":
        raise SystemExit("API keys and usage plans exist only for the REST API (API=rest)")
    template = chalice_template(stage, out)
    if api == "http":
        template = http_api.http_variant(deployed, template)
    else:
        definition = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
        rest_methods.answer_other_methods(definition, deployed.environment["CORS_ALLOW_ORIGIN"])
    template = release.production_edge(deployed, template, api, keyed)
    (out / "sam.json").write_text(json.dumps(template, indent=2) + "\n")
    return out.resolve()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stage", required=True)
    parser.add_argument(
        "--api", choices=API_KINDS, default="rest", help="the gateway: REST API or HTTP API"
    )
    parser.add_argument(
        "--out", type=Path, help="output directory (default: build/<stage>, build/<stage>-http)"
    )
    parser.add_argument(
        "--api-keys",
        action=argparse.BooleanOptionalAction,
        help="require API keys on /todos under a usage plan (default: the stage's setting)",
    )
    args = parser.parse_args()
    suffix = "" if args.api == "rest" else f"-{args.api}"
    out = args.out or PROJECT_DIR / "build" / f"{args.stage}{suffix}"
    started = time.monotonic()
    build(args.stage, out, args.api, args.api_keys)
    size = (out / "deployment.zip").stat().st_size
    print(
        f"{out}: sam.json, deployment.zip ({size / 1024:.0f} KiB) "
        f"in {time.monotonic() - started:.1f} s"
    )
