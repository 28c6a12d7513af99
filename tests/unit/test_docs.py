"""README.md and docs/*.md against what they describe: figures come from commands.

Each generated block is what its command writes now; each figure in prose that a command or
a constant gives is held to it; each path, module, `make` target and link they name exists.
docs/development.md says the rule. A failure here is fixed in the doc (or by `make docs`),
never by rewriting the doc from a test.
"""

import importlib
import json
import re
from pathlib import Path

import pytest

from bench import cold_section, warm, zipsize
from chalicelib import telemetry
from chalicelib.validation import DEFAULT_PAGE_SIZE
from tools import PROJECT_DIR, docs
from tools.cost import estimate, usage
from tools.cost.prices import PRICES_PATH
from tools.deploy.rehearsal import calls
from tools.deploy.stage import load_stage

TEXTS = {path: path.read_text(encoding="utf-8") for path in docs.DOCS}
PAGES = {path.name: text for path, text in TEXTS.items()}
# Code: fenced blocks and inline spans, where commands and paths are written.
CODE = re.compile(r"^```.*?^```|`[^`\n]+`", re.S | re.M)
FENCED = re.compile(r"^```.*?^```", re.S | re.M)


def prose(text: str) -> str:
    """The doc without its generated blocks: what people wrote."""
    return re.sub(
        r"^<!-- (?P<name>[^/][^>]*?) -->\n.*?^<!-- /(?P=name) -->$", "", text, flags=re.S | re.M
    )


# ----- Generated blocks -----


def test_each_fast_block_is_what_make_docs_writes_now():
    checked, stale = set(), []
    for path, text in TEXTS.items():
        made = docs.fast_bodies(path)
        for name, body in docs.blocks(text):
            if name in made:
                checked.add(name)
                if made[name] != body:
                    stale.append(f"{path.name}: {name}")
    assert {"make cost", "make cost: per million", "make docs: modules of chalicelib"} <= checked
    assert stale == [], "stale generated blocks: run make docs"


def test_every_block_names_a_command_that_writes_it():
    names = {name for text in TEXTS.values() for name, _ in docs.blocks(text)}
    unknown = {name for name in names if name not in docs.SLOW and docs.generated(name) is None}
    assert unknown == set()
    assert "rehearsal-figures" in names


def test_a_benchmarks_block_says_which_run_made_it():
    stamp = re.compile(
        r"^`make bench[\w-]*( BENCH_ARGS=\"[^\"]*\")?` on \d{4}-\d{2}-\d{2}, code at "
    )
    bench_blocks = {
        name: body
        for name, body in docs.blocks(PAGES["performance.md"])
        if name.startswith("make bench")
    }
    assert set(bench_blocks) == {name for name in docs.SLOW if name.startswith("make bench")}
    unstamped = [name for name, body in bench_blocks.items() if not stamp.match(body)]
    assert unstamped == []


def test_replacing_a_block_keeps_its_markers_and_everything_around_it():
    text = "before\n<!-- make cost -->\nold\n<!-- /make cost -->\nafter\n"
    assert docs.replace(text, {"make cost": "new\n"}) == text.replace("old", "new")
    with pytest.raises(SystemExit):
        docs.replace(text, {"make bench": "new\n"})


# ----- Figures in prose -----


def test_the_budgets_are_the_benchmarks_own():
    budgets = PAGES["performance.md"].split("## The budgets, and one rule")[1].split("\n\n")[1]
    stated = [
        f"under {zipsize.BUDGET_BYTES // 1_000_000} MB",
        f"within {round((cold_section.COLD_START_BUDGET - 1) * 100)}%",
        f"at most {warm.OWN_TIME_BUDGET:g}\N{MULTIPLICATION SIGN}",
        f"at most {warm.WHOLE_REQUEST_BUDGET:g}\N{MULTIPLICATION SIGN}",
    ]
    assert [figure for figure in stated if figure not in budgets] == []


def input_defaults(text: str) -> dict[str, str]:
    """The Inputs table of docs/cost.md: variable -> its default, as written."""
    section = text.split("## Inputs")[1].split("\n## ")[0]
    return dict(re.findall(r"^\| `(\w+)`(?:, `\w+`)? \| (.+?) \|", section, flags=re.M))


def test_make_costs_defaults_and_constants_are_the_models_own():
    text = PAGES["cost.md"]
    stage = estimate.DEFAULT_STAGE
    prod = load_stage(stage).runtime
    expected = {
        "STAGE": f"`{stage}`",
        "REQUESTS": f"{estimate.DEFAULT_REQUESTS:,}",
        "MIX": f"`{estimate.DEFAULT_MIX}`",
        "MEMORY_MB": f"the stage's ({stage}: {prod.memory_mb}, `{prod.architecture}`)",
        "DURATION_MS": f"{estimate.DEFAULT_DURATION_MS:g}",
        "AUTHORIZER_MS": f"{estimate.DEFAULT_AUTHORIZER_MS:g}",
        "REQUESTS_PER_TOKEN_WINDOW": f"{estimate.DEFAULT_REQUESTS_PER_TOKEN_WINDOW:g}",
        "PAGE_ITEMS": f"{usage.DEFAULT_PAGE_ITEMS}",
    }
    assert {name: input_defaults(text)[name] for name in expected} == expected
    constants = [
        f"{estimate.AUTHORIZER_CACHE_SECONDS} s",
        f"(0\N{EN DASH}{DEFAULT_PAGE_SIZE + 1})",
        f"{usage.HEADER_BYTES} bytes of headers",
        f"{usage.MONTH_SECONDS // 3600}-hour month",
        f"{usage.SAMPLING_RATE:.0%} of the rest".replace("%", " %"),
        f"{usage.HTTP_METERING_BYTES // 1000} KB",
    ]
    words = " ".join(text.split())
    assert [constant for constant in constants if constant not in words] == []


def test_the_free_tier_is_the_price_lists():
    allowances = json.loads(PRICES_PATH.read_text())["free_tier"]

    def quantity(name: str) -> float:
        return float(allowances[name]["quantity"])

    stated = [
        f"Lambda's {quantity('lambda_requests') / 1e6:g}M requests",
        f"{quantity('lambda_gb_seconds'):,.0f} GB-s",
        f"API Gateway's {quantity('api_rest_requests') / 1e6:g}M requests",
        f"{quantity('logs_ingestion'):g} GB of CloudWatch Logs",
        f"{quantity('xray_traces_recorded'):,.0f} X-Ray traces",
        f"{quantity('data_transfer_out'):g} GB of free data transfer",
    ]
    words = " ".join(PAGES["cost.md"].split())
    assert [phrase for phrase in stated if phrase not in words] == []


def test_the_service_roles_policy_is_the_size_docs_deploy_md_says():
    """IAM counts a policy's characters without white space: 6,144 managed, 10,240 inline."""
    size = len(json.dumps(calls.docs_document(calls.SERVICE_ROLE), separators=(",", ":")))
    said = re.search(r"At about ([\d,]+)\s+characters", PAGES["deploy.md"])
    assert said is not None
    assert abs(int(said[1].replace(",", "")) - size) <= size / 20
    assert 6_144 < size < 10_240


def test_the_metrics_docs_operations_md_counts_are_the_ones_telemetry_writes():
    text = PAGES["operations.md"]
    listed = text.split("is one of the API's error codes (")[1].split(")")[0]
    assert set(re.findall(r"`(\w+)`", listed)) == telemetry.ERROR_CODES
    per_request = len(telemetry.REQUEST_METRICS.metrics)
    codes = len(telemetry.ERROR_CODES) + 1  # and Other
    assert f"at most {per_request} + {codes} (`Errors` by code) = {per_request + codes}" in text


def test_every_dollar_amount_people_wrote_is_a_list_price():
    prices = json.loads(PRICES_PATH.read_text())["prices"].values()
    listed = {price["usd"] for price in prices} | {0}
    amounts = [
        (path.name, amount)
        for path, text in TEXTS.items()
        for amount in re.findall(r"\$(\d[\d,]*(?:\.\d+)?)", prose(text))
    ]
    assert amounts, "the docs quote list prices"
    assert [(name, a) for name, a in amounts if float(a.replace(",", "")) not in listed] == []


def pins() -> dict[str, str]:
    found = {}
    for requirements in PROJECT_DIR.glob("requirements*.txt"):
        for name, version in re.findall(
            r"^([\w-]+)(?:\[\w+\])?==([\w.]+)", requirements.read_text(), re.M
        ):
            found[name.lower()] = version
    return found


def test_a_version_named_beside_a_package_is_its_pin():
    pinned = pins()
    named = [
        (path.name, name, version)
        for path, text in TEXTS.items()
        for name, version in re.findall(r"\b([A-Za-z][\w-]*) (\d+\.\d+(?:\.\d+)?)\b", prose(text))
        if name.lower() in pinned
    ]
    assert any(name == "Chalice" for _, name, _ in named)
    unpinned = [
        (doc, name, version)
        for doc, name, version in named
        if not pinned[name.lower()].startswith(version)
    ]
    assert unpinned == []


# ----- Names -----

PATH = re.compile(
    r"(?<![\w/.$-])((?:tools|tests|chalicelib|bench|web|docs|\.chalice)/[\w./*<>-]*"
    r"|app\.py|requirements[\w-]*\.txt)"
)
# Made by a command, not kept in git: a deploy's record of what it made.
MADE = (".chalice/deployed/",)


def named_paths(text: str) -> set[str]:
    return {
        found.rstrip(".,:;)")
        for found in PATH.findall(text)
        # A placeholder (<stage>) stands for many.
        if not found.startswith(MADE) and "<" not in found
    }


def exists(path: str) -> bool:
    return any(PROJECT_DIR.glob(path)) if "*" in path else (PROJECT_DIR / path).exists()


def test_every_path_the_docs_name_exists():
    named = {(doc.name, path) for doc, text in TEXTS.items() for path in named_paths(text)}
    assert ("README.md", "tools/local/") in named
    assert sorted((doc, path) for doc, path in named if not exists(path)) == []


def resolves(dotted: str) -> bool:
    """Whether tools.x.y (or chalicelib…, bench…) is a module, or an attribute of one."""
    parts = dotted.split(".")
    for length in range(len(parts), 0, -1):
        base = PROJECT_DIR.joinpath(*parts[:length])
        if base.with_suffix(".py").exists() or (base / "__init__.py").exists():
            found: object = importlib.import_module(".".join(parts[:length]))
            for attribute in parts[length:]:
                if not hasattr(found, attribute):
                    return False
                found = getattr(found, attribute)
            return True
    return False


def test_every_module_the_docs_name_exists():
    dotted = re.compile(r"(?<![\w/.-])((?:tools|chalicelib|bench)(?:\.\w+)+)")
    named = {(doc.name, name) for doc, text in TEXTS.items() for name in dotted.findall(text)}
    assert ("deploy.md", "tools.deploy.provision") in named
    assert sorted((doc, name) for doc, name in named if not resolves(name)) == []


def make_targets() -> set[str]:
    return set(re.findall(r"^([a-z][\w-]*):(?!=)", (PROJECT_DIR / "Makefile").read_text(), re.M))


def test_every_make_target_the_docs_name_exists():
    command = re.compile(r"(?:^|[\s(`$|;&])make(?:\s+-\w+)*\s+([a-z][\w-]*)(?![\w=])", re.M)
    named = {
        (doc.name, target)
        for doc, text in TEXTS.items()
        for span in CODE.findall(text)
        for target in command.findall(span)
    }
    assert ("README.md", "run") in named
    assert sorted((doc, t) for doc, t in named if t not in make_targets()) == []


def slug(heading: str) -> str:
    """GitHub's anchor of a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    return {slug(h) for h in re.findall(r"^#+ (.+)$", FENCED.sub("", path.read_text()), re.M)}


def test_every_link_between_the_docs_reaches_its_file_and_heading():
    links = [
        (doc, target)
        for doc, text in TEXTS.items()
        for target in re.findall(r"\]\(([^)\s]+)\)", FENCED.sub("", text))
        if not re.match(r"[a-z]+:", target)
    ]
    assert links
    broken = []
    for doc, target in links:
        file, _, anchor = target.partition("#")
        linked = (doc.parent / file).resolve() if file else doc
        if not linked.exists() or (anchor and anchor not in anchors(linked)):
            broken.append(f"{doc.name}: {target}")
    assert broken == []
