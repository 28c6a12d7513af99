"""Lints packaged templates as deployed: `python -m tools.deploy.lint [TEMPLATE ...]`.

With no TEMPLATE, build/prod/sam.json. Each SAM template is linted twice: as written, and
as CloudFormation deploys it, after the SAM transform. cfn-lint 1.5x no longer expands
the transform (aws-cloudformation/cfn-lint#4491), and checkov checks AWS::Serverless::*
resources by rules of their own, so neither sees the API stage or the functions that
are deployed. aws-sam-translator, the transform's own library, translates offline
into `cloudformation.json` beside the template. Each file is then linted, offline, by:

- cfn-lint (from requirements-dev.txt, in the project's virtualenv): any error or
  warning fails;
- checkov (from requirements-iac.txt, in its own virtualenv `.venv-checkov`, made here
  on first use and remade when requirements-iac.txt changes, because checkov pins a
  boto3 older than the project's) with `--skip-download`: any failed check fails.

Checks that do not apply are skipped in the template itself (tools/deploy/package/merge.py), each
with its reason, so that both tools report the same thing to everyone. The translation
carries each SAM resource's Metadata, and so its skips and their reasons, onto every
resource SAM makes of it; checkov passes over a skip on a resource its check does not
concern (the API's skip of a stage check on the API's deployment, say).
"""

import argparse
import copy
import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any
from unittest import mock

# aws-sam-translator ships no type information (no py.typed marker).
from samtranslator.model.exceptions import InvalidDocumentException  # type: ignore[import-untyped]
from samtranslator.translator.transform import transform  # type: ignore[import-untyped]

from tools import PROJECT_DIR, owned_venv

DEFAULT_TEMPLATE = PROJECT_DIR / "build" / "prod" / "sam.json"
TRANSLATED = "cloudformation.json"
CHECKOV_VENV = PROJECT_DIR / ".venv-checkov"
CHECKOV_REQUIREMENTS = PROJECT_DIR / "requirements-iac.txt"
# cfn-lint's exit status is a bit mask of what it found: 2 errors, 4 warnings, 8 info.
CFN_LINT_ERRORS, CFN_LINT_WARNINGS, CFN_LINT_INFO = 2, 4, 8

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
# The local files `aws cloudformation package` uploads, by the SAM resource that names
# them: the translator takes only S3 locations there.
LOCAL_ARTIFACTS = {
    "AWS::Serverless::Function": "CodeUri",
    "AWS::Serverless::LayerVersion": "ContentUri",
}
# Stands for the bucket `aws cloudformation package` uploads them to.
ARTIFACT_BUCKET = "artifact-bucket"
# The translator asks boto3 for a region. The templates name none (they use
# ${AWS::Region}), so any region in the standard partition translates them alike.
TRANSFORM_REGION = "us-east-1"

Template = dict[str, Any]


class OfflineManagedPolicies:
    """The translator's managed policy loader, offline; the translator calls only load().

    It does so only for a managed policy named neither by ARN nor in the translator's
    bundled list of AWS managed policies. Finding that one would take IAM: it fails.
    """

    def load(self) -> dict[str, str]:
        raise SystemExit(
            "the template names a managed policy the SAM translator does not know offline; "
            "name it by its ARN"
        )


def is_sam(template: Template) -> bool:
    transforms = template.get("Transform", [])
    return SAM_TRANSFORM in (transforms if isinstance(transforms, list) else [transforms])


def _artifacts_in_s3(template: Template) -> Template:
    """The template as `aws cloudformation package` leaves it: local files are in S3."""
    uploaded = copy.deepcopy(template)
    for resource in uploaded["Resources"].values():
        key = LOCAL_ARTIFACTS.get(resource["Type"])
        path = resource.get("Properties", {}).get(key)
        if isinstance(path, str) and not path.startswith("s3://"):
            resource["Properties"][key] = f"s3://{ARTIFACT_BUCKET}/{Path(path).name}"
    return uploaded


def translate(template: Template) -> Template:
    """The CloudFormation template that the SAM transform makes of a SAM template."""
    with mock.patch.dict(os.environ, {"AWS_DEFAULT_REGION": TRANSFORM_REGION}):
        try:
            translated: Template = transform(
                _artifacts_in_s3(template),
                {},
                OfflineManagedPolicies(),
                passthrough_metadata=True,
            )
        except InvalidDocumentException as error:
            causes = "\n".join(f"  {cause.message}" for cause in error.causes)
            raise SystemExit(f"the SAM transform failed:\n{causes}") from error
    return translated


def lint_targets(template: Path) -> list[tuple[Path, str]]:
    """The files to lint for a template, each with what it is.

    For a SAM template, the template and its translation, written beside it.
    """
    content = json.loads(template.read_text())
    if not is_sam(content):
        return [(template, "CloudFormation")]
    translated = template.with_name(TRANSLATED)
    translated.write_text(json.dumps(translate(content), indent=2) + "\n")
    return [(template, "SAM"), (translated, "CloudFormation, after the SAM transform")]


def cfn_lint(template: Path) -> bool:
    executable = Path(sys.executable).with_name("cfn-lint")
    if not executable.exists():
        print(f"cfn-lint: not installed beside {sys.executable} (see requirements-dev.txt)")
        return False
    command = [str(executable), "--format", "json", "--"]
    result = subprocess.run(  # noqa: S603 - fixed argv
        [*command, str(template)], capture_output=True, text=True, check=False
    )
    try:
        matches = json.loads(result.stdout or "[]")
    except json.JSONDecodeError:
        matches = None
    found = CFN_LINT_ERRORS | CFN_LINT_WARNINGS | CFN_LINT_INFO
    if matches is None or result.returncode & ~found:
        sys.stdout.write(result.stdout)
        sys.stderr.write(result.stderr)
        print(f"cfn-lint: failed to run (exit status {result.returncode})")
        return False
    for match in matches:
        start = match["Location"]["Start"]
        print(
            f"{match['Rule']['Id']} {match['Message']}\n"
            f"  {match['Filename']}:{start['LineNumber']}:{start['ColumnNumber']}"
        )
    levels = Counter(match["Level"] for match in matches)
    version = subprocess.run(  # noqa: S603 - fixed argv
        [command[0], "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    print(
        f"{version}: {levels['Error']} errors, {levels['Warning']} warnings, "
        f"{levels['Informational']} informational"
    )
    return not result.returncode & (CFN_LINT_ERRORS | CFN_LINT_WARNINGS)


def checkov_environment() -> Path:
    """checkov's own virtualenv, installed from requirements-iac.txt; its checkov."""
    return owned_venv.ensure(CHECKOV_VENV, CHECKOV_REQUIREMENTS).parent / "checkov"


def checkov(template: Path) -> bool:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("BC_", "PRISMA_", "CKV_"))
    }
    # Offline: no platform API, no policy download, no look-up of a newer checkov.
    env.update(
        BC_SKIP_MAPPING="TRUE", CKV_SKIP_PACKAGE_UPDATE_CHECK="TRUE", ANSI_COLORS_DISABLED="1"
    )
    command = [
        str(checkov_environment()),
        "--file",
        str(template),
        "--framework",
        "cloudformation",
        "--skip-download",
        "--compact",
        "--quiet",
    ]
    result = subprocess.run(command, env=env, check=False)  # noqa: S603 - fixed argv
    return result.returncode == 0


def lint(template: Path) -> list[str]:
    """The names of the linters that fail the template."""
    failed = []
    for name, linter in (("cfn-lint", cfn_lint), ("checkov", checkov)):
        started = time.monotonic()
        if not linter(template):
            failed.append(name)
        print(f"{name}: {time.monotonic() - started:.1f} s", flush=True)
    return failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "templates",
        nargs="*",
        type=Path,
        default=[DEFAULT_TEMPLATE],
        metavar="TEMPLATE",
        help="a packaged template (default: build/prod/sam.json)",
    )
    args = parser.parse_args()
    missing = [template for template in args.templates if not template.is_file()]
    if missing:
        for template in missing:
            print(f"{template}: no such template; run `make package STAGE=prod` first")
        return 2
    failures = []
    for template in args.templates:
        for target, kind in lint_targets(template):
            print(f"== {target} ({kind})", flush=True)
            failures += [f"{target}: {name} failed" for name in lint(target)]
    if failures:
        print("\n".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
