"""Deployment: what takes a stage of .chalice/config.json to AWS, on either path.

- `stage`: the stages as the commands outside Chalice read them, and the deploy check;
- `iam` and `policy`: the functions' least-privilege policies, from what the code calls;
- `table`, `user_pool` and `provision`: what `make provision` creates before `chalice deploy`;
- `package`: the CloudFormation path, `chalice package` and everything it adds;
- `lint`: cfn-lint and checkov over the packaged templates, as CloudFormation deploys them.
"""
