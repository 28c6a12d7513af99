"""Prints a stage's monthly cost: `python -m tools.cost [--stage prod] [--api http] …`."""

import argparse
import math
from collections.abc import Sequence

from chalicelib.validation import DEFAULT_PAGE_SIZE
from tools.cost.estimate import (
    APIS,
    ARCHITECTURES,
    AUTHORIZER_CACHE_SECONDS,
    AUTHORIZERS,
    DEFAULT_MIX,
    DEFAULT_REQUESTS,
    DEFAULT_STAGE,
    Estimate,
    Inputs,
    estimate,
    inputs_for,
    number,
    parse_mix,
)
from tools.cost.prices import PRICES_PATH, PriceList, load_prices
from tools.cost.usage import BYTES_PER_GB, BYTES_PER_KB, HEADER_BYTES
from tools.deploy.stage import load_stage


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tools.cost", description="A stage's monthly cost (make cost)."
    )
    add = parser.add_argument
    add("--stage", default=DEFAULT_STAGE, help="a stage of .chalice/config.json (default prod)")
    add("--requests", type=number(int, 1, 1e13), help=f"a month (default {DEFAULT_REQUESTS:,})")
    add("--memory-mb", type=number(int, 128, 10240), help="both functions (default: the stage's)")
    add("--duration-ms", type=number(float, 0.001, 900_000), help="API handler, billed, per run")
    add("--authorizer-ms", type=number(float, 0.001, 900_000), help="authorizer, billed, per run")
    add("--arch", choices=ARCHITECTURES, help="both functions (default: the stage's)")
    add("--api", choices=APIS, help="one gateway (default: both, side by side)")
    add("--authorizer", choices=AUTHORIZERS, help="the HTTP API's (default: from the stage)")
    add("--free-tier", choices=("0", "1"), help="1: credit the monthly free tiers (default 0)")
    add("--response-kb", type=number(float, 0, 10_000), help="every response, headers included")
    add("--mix", type=parse_mix, help=f"operations' weights (default {DEFAULT_MIX})")
    add("--requests-per-token-window", type=number(float, 1, math.inf), help="authorizer cache")
    add("--page-items", type=number(int, 0, DEFAULT_PAGE_SIZE + 1), help="todos a list reads")
    add("--transfer-free-gb", type=number(float, 0, math.inf), help="free data transfer to use")
    return parser


def _inputs(args: argparse.Namespace, prices: PriceList, parser: argparse.ArgumentParser) -> Inputs:
    if args.api == "rest" and args.authorizer == "jwt":
        parser.error("--authorizer jwt: REST APIs have no JWT authorizer; use --api http")
    free_transfer = prices.free_tier["data_transfer_out"].quantity
    if args.transfer_free_gb is not None and args.transfer_free_gb > free_transfer:
        parser.error(f"--transfer-free-gb: the free tier gives at most {free_transfer:g} GB")
    return inputs_for(
        load_stage(args.stage),
        requests=args.requests,
        memory_mb=args.memory_mb,
        architecture=args.arch,
        duration_ms=args.duration_ms,
        authorizer_ms=args.authorizer_ms,
        mix=args.mix,
        free_tier=None if args.free_tier is None else args.free_tier == "1",
        response_kb=args.response_kb,
        requests_per_token_window=args.requests_per_token_window,
        page_items=args.page_items,
        transfer_free_gb=args.transfer_free_gb,
        authorizer=args.authorizer,
    )


# ----- Output -----


def _quantity(value: float) -> str:
    return f"{value:,.{0 if value >= 100 else 2}f}"


def _money(value: float) -> str:
    return f"${value:,.2f}"


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows if len(row) > i) for i in range(len(rows[0]))]
    lines = []
    for first, *rest in rows:
        # A section's title row has one cell: zip stops there.
        cells = [c.rjust(w) for c, w in zip(rest, widths[1:], strict=False)]
        lines.append("  ".join([first.ljust(widths[0]), *cells]).rstrip())
    return "\n".join(lines)


def _rows(estimates: list[Estimate]) -> list[list[str]]:
    show_free = any(item.free for e in estimates for item in e.items)
    header = ["line item", "unit price"]
    for e in estimates:
        header += [f"{e.api.upper()} quantity", *(["free"] * show_free), f"{e.api.upper()} cost"]
    rows = [header]
    for original, title in ((True, "The original example's lines"), (False, "What this API adds")):
        rows.append([f"{title}:"])
        rows += _item_rows(estimates, original, show_free)
        rows.append(_total_row("  subtotal", [e.total(original) for e in estimates], show_free))
    rows.append(_total_row("Total a month", [e.total() for e in estimates], show_free))
    per_million = [e.per_million() for e in estimates]
    rows.append(_total_row("Per million requests", per_million, show_free))
    return rows


def _merged(names_per_estimate: list[list[str]]) -> list[str]:
    """Every estimate's names, in order; one only some have goes before the next shared one."""
    merged: list[str] = []
    for names in names_per_estimate:
        for at, name in enumerate(names):
            if name not in merged:
                following = next((n for n in names[at + 1 :] if n in merged), None)
                merged.insert(merged.index(following) if following else len(merged), name)
    return merged


def _item_rows(estimates: list[Estimate], original: bool, show_free: bool) -> list[list[str]]:
    names = _merged([[i.name for i in e.items if i.original == original] for e in estimates])
    rows = []
    for name in names:
        found = [next((i for i in e.items if i.name == name), None) for e in estimates]
        price = next(i.price for i in found if i is not None)
        row = [f"  {name}", price.label()]
        for item in found:
            if item is None:
                row += ["-", *(["-"] * show_free), "-"]
            else:
                free = [_quantity(item.free) if item.free else ""] * show_free
                row += [_quantity(item.quantity), *free, _money(item.cost)]
        rows.append(row)
    return rows


def _total_row(name: str, totals: list[float], show_free: bool) -> list[str]:
    row = [name, ""]
    for total in totals:
        row += ["", *([""] * show_free), _money(total)]
    return row


def _assumptions(inputs: Inputs, estimates: list[Estimate], prices: PriceList) -> list[str]:
    mix = ", ".join(f"{name} {share:.0%}" for name, share in inputs.mix.items())
    average = estimates[0].per_request
    response = (
        f"the code's JSON + {HEADER_BYTES} B of headers"
        if inputs.response_kb is None
        else "as given"
    )
    free_tier = "applied, API handler first" if inputs.free_tier else "not applied (FREE_TIER=1)"
    return [
        f"{inputs.stage.app_name}, stage {inputs.stage.name}: {inputs.memory_mb} MB "
        f"{inputs.architecture} (both functions), X-Ray "
        f"{'on' if inputs.stage.runtime.xray else 'off'}",
        f"Prices: {prices.region}, as of {prices.as_of} (tools/cost/{PRICES_PATH.name})",
        f"Traffic: {inputs.requests:,} requests a month; mix {mix}",
        f"Billed per run: API handler {inputs.duration_ms:g} ms, authorizer "
        f"{inputs.authorizer_ms:g} ms",
        "Authorizer: "
        + ", ".join(f"{e.api.upper()} {_authorizer_label(e.authorizer)}" for e in estimates)
        + f"; a Lambda one runs once per {inputs.requests_per_token_window:g} requests "
        f"(its answer is cached {AUTHORIZER_CACHE_SECONDS} s per token)",
        f"Per request: {average.read_units:.3g} RRU, {average.write_units:.3g} WRU (a list "
        f"reads {inputs.page_items} todos); response {average.response_bytes / BYTES_PER_KB:.2f} "
        f"KB ({response})",
        "Logs per request: "
        + ", ".join(f"{e.api.upper()} {_log_bytes(inputs, e):,} B" for e in estimates)
        + " (API handler's lines and Lambda's, the authorizer's share, the access log)",
        f"Free tier: {free_tier}; of the account's free data transfer: "
        f"{inputs.transfer_free_gb:g} GB (TRANSFER_FREE_GB)",
    ]


def _authorizer_label(authorizer: str) -> str:
    return "Lambda" if authorizer == "lambda" else "JWT (no Lambda)"


def _log_bytes(inputs: Inputs, estimate: Estimate) -> int:
    logged = sum(i.quantity for i in estimate.items if i.name.startswith("CloudWatch Logs"))
    return round(logged * BYTES_PER_GB / inputs.requests)


def _notes(estimates: list[Estimate]) -> list[str]:
    return [
        f"Note: {item.name} passes {item.price.first_tier_up_to:,.0f} {item.price.unit}, "
        "where a lower price tier begins: the cost above is an upper bound"
        for e in estimates
        for item in e.items
        if item.price.first_tier_up_to is not None and item.quantity > item.price.first_tier_up_to
    ]


def report(inputs: Inputs, prices: PriceList, apis: Sequence[str]) -> str:
    estimates = [estimate(inputs, prices, api) for api in apis]
    return "\n".join(
        [
            *_assumptions(inputs, estimates, prices),
            "",
            _table(_rows(estimates)),
            *_notes(estimates),
        ]
    )


def printed(argv: Sequence[str] | None = None) -> str:
    """What the command prints for these arguments."""
    parser = _parser()
    args = parser.parse_args(argv)
    prices = load_prices()
    inputs = _inputs(args, prices, parser)
    return report(inputs, prices, [args.api] if args.api else APIS)


def main(argv: Sequence[str] | None = None) -> None:
    print(printed(argv))


if __name__ == "__main__":
    main()
