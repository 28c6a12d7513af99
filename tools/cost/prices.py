"""AWS list prices, as recorded in prices.json: the one place a price is written."""

import json
from dataclasses import dataclass
from pathlib import Path

PRICES_PATH = Path(__file__).with_name("prices.json")


@dataclass(frozen=True)
class Price:
    usd: float
    per: int
    unit: str
    source: str
    as_of: str
    first_tier_up_to: float | None = None
    note: str = ""

    def label(self) -> str:
        digits = f"{self.usd:.10f}".rstrip("0")
        decimals = max(2, len(digits.partition(".")[2]))
        per = "1M " if self.per == 1_000_000 else ""
        return f"${self.usd:.{decimals}f} / {per}{self.unit}"


@dataclass(frozen=True)
class Allowance:
    quantity: float
    unit: str
    term: str
    source: str
    as_of: str


@dataclass(frozen=True)
class PriceList:
    region: str
    as_of: str
    prices: dict[str, Price]
    free_tier: dict[str, Allowance]


def load_prices(path: Path = PRICES_PATH) -> PriceList:
    data = json.loads(path.read_text())
    return PriceList(
        region=data["region"],
        as_of=data["as_of"],
        prices={name: Price(**entry) for name, entry in data["prices"].items()},
        free_tier={name: Allowance(**entry) for name, entry in data["free_tier"].items()},
    )
