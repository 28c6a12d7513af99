"""What each fresh process of the cold-start benchmark runs, given to `python -S -c`.

It is never imported: bench/coldstart.py passes this file's text as the `-c` program of a
new interpreter whose working directory is the unzipped package (as /var/task is in
Lambda). The first statement reads the clock; the process imports the handler named by
BENCH_HANDLER ("module.attribute"), calls it once with the JSON event in BENCH_EVENT and
a stand-in Lambda context, reads the clock again, and only then prints, as one JSON line,
the clock readings (CLOCK_MONOTONIC, which the parent shares on Linux), CPU time, peak
RSS, the handler's result, every module the process imported, and whether cryptography
or moto could have been imported at all (the Lambda runtime has neither).
"""

import time

_started_ns = time.monotonic_ns()

import os  # noqa: E402 - after the first clock reading; os is loaded at startup anyway

_module_name, _, _attribute = os.environ["BENCH_HANDLER"].rpartition(".")
# fromlist: the module itself, not its top-level package (chalicelib.authorizer).
_handler = getattr(__import__(_module_name, fromlist=[_attribute]), _attribute)
_imported_ns = time.monotonic_ns()

import json  # noqa: E402 - Chalice's runtime has imported it already


class _LambdaContext:
    """The attributes and method of Lambda's context object that handlers may read."""

    function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "bench")
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024")
    aws_request_id = "8f5e7c1a-0000-4000-8000-000000000001"
    log_group_name = "/aws/lambda/bench"
    log_stream_name = "2026/01/01/[$LATEST]0123456789abcdef"
    identity = None
    client_context = None

    def get_remaining_time_in_millis(self) -> int:
        return 20_000


_result = _handler(json.loads(os.environ["BENCH_EVENT"]), _LambdaContext())
_answered_ns = time.monotonic_ns()
# CPU time (user + system) the process had used: what Lambda's CPU share would stretch.
_cpu_ns = time.process_time_ns()

import importlib.util  # noqa: E402 - after the measurement
import sys  # noqa: E402


def _peak_rss_kib() -> int:
    # VmHWM, not getrusage's ru_maxrss: on Linux that one keeps the forking parent's peak
    # across exec, and the parent here holds moto.
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


print(
    json.dumps(
        {
            "started_ns": _started_ns,
            "imported_ns": _imported_ns,
            "answered_ns": _answered_ns,
            # Peak resident set of the process so far, KiB on Linux: what Lambda's REPORT
            # line calls Max Memory Used, for the first request.
            "peak_rss_kib": _peak_rss_kib(),
            "cpu_ns": _cpu_ns,
            "result": _result,
            "modules": sorted(sys.modules),
            "importable": {
                name: importlib.util.find_spec(name) is not None
                for name in ("cryptography", "moto", "boto3")
            },
        }
    )
)
