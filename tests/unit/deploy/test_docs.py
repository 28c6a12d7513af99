"""docs/*.md's deploy commands do what they say when run as written."""

import re

import pytest

from tools import PROJECT_DIR

DOCS = sorted((PROJECT_DIR / "docs").glob("*.md"))


def deploy_commands(text: str) -> list[str]:
    """Each `aws cloudformation deploy` command, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", text)
    return re.findall(r"^aws cloudformation deploy .*$", joined, flags=re.MULTILINE)


@pytest.mark.parametrize("doc", DOCS, ids=lambda path: path.name)
def test_every_cloudformation_deploy_may_put_its_template_in_s3(doc):
    """It refuses a template over 51,200 bytes without --s3-bucket: the REST variants' are."""
    for command in deploy_commands(doc.read_text()):
        assert "--s3-bucket" in command.split(), command


def test_the_docs_deploy_the_stack_both_ways():
    commands = [c for doc in DOCS for c in deploy_commands(doc.read_text())]
    assert len(commands) == 2
