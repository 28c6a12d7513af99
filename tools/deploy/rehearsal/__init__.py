"""`make rehearse`: both deploy paths, run end to end against an AWS emulator on loopback.

MiniStack (requirements-emulator.txt) runs on 127.0.0.1 with IAM enforced, in an account
of its own, and runs the Lambda functions as local processes behind its API Gateway. The
rehearsal runs what a user runs and asks the deployed API what a client would:

- `emulator`: the emulator's virtualenvs, its start and stop, and the environment that
  points every AWS client at it (and nowhere else);
- `bridges`: the few places where the emulator falls short of AWS, bridged inside it;
- `tap`: records every AWS call the user's commands make (sitecustomize, in their processes);
- `calls`: those calls as IAM actions, and the deployer's least-privilege policies;
- `account`: what the emulated account holds, to check what a destroy keeps;
- `client`: the requests a client makes through the emulated gateway, and their answers;
- `chalice_path` and `stack_path`: the two deploy paths, stage by stage, variant by variant;
- `run`: the command, its report and its figures.
"""
