"""tools.deploy.lint's translation: SAM to CloudFormation offline, as the transform deploys it.

The packaged template's translation is pinned in
tests/integration/deploy/package/test_build.py, which builds it; these cover what a package
from Chalice does not show, on small templates.
"""

import json

import pytest

from tools.deploy import lint

ROLE = "arn:aws:iam::123456789012:role/todo"


def sam_function(**properties):
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Transform": lint.SAM_TRANSFORM,
        "Resources": {
            "Handler": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "Runtime": "python3.13",
                    "Handler": "app.app",
                    "CodeUri": "./deployment.zip",
                    **properties,
                },
            }
        },
    }


def test_local_code_is_translated_as_uploaded_to_the_artifact_bucket(monkeypatch):
    # No region anywhere: the translation does not depend on the caller's AWS settings.
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)

    translated = lint.translate(sam_function(Role=ROLE))

    function = translated["Resources"]["Handler"]
    assert function["Type"] == "AWS::Lambda::Function"
    assert function["Properties"]["Code"] == {
        "S3Bucket": lint.ARTIFACT_BUCKET,
        "S3Key": "deployment.zip",
    }


def test_the_translation_leaves_the_template_it_was_given_as_it_was():
    template = sam_function(Role=ROLE)
    before = json.dumps(template)
    lint.translate(template)
    assert json.dumps(template) == before


def test_a_managed_policy_unknown_offline_fails_asking_for_its_arn():
    with pytest.raises(SystemExit, match="by its ARN"):
        lint.translate(sam_function(Policies=["NoSuchManagedPolicy"]))


def test_a_template_the_transform_refuses_fails_with_the_transforms_reasons():
    with pytest.raises(SystemExit, match=r"the SAM transform failed:\n.*Handler"):
        lint.translate(sam_function(Role=ROLE, Events="not a map"))


def test_a_plain_cloudformation_template_is_linted_as_it_is(tmp_path):
    template = tmp_path / "template.json"
    template.write_text(json.dumps({"Resources": {"Logs": {"Type": "AWS::Logs::LogGroup"}}}))

    assert lint.lint_targets(template) == [(template, "CloudFormation")]
    assert not (tmp_path / lint.TRANSLATED).exists()


@pytest.mark.parametrize("transform", [lint.SAM_TRANSFORM, [lint.SAM_TRANSFORM]])
def test_a_sam_template_is_known_by_its_transform_alone_or_in_a_list(transform):
    assert lint.is_sam({"Transform": transform, "Resources": {}})
