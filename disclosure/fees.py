"""信息处理费 bands (国办函〔2020〕109号), read from fixtures/foi_fees.csv."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

from django.conf import settings


@dataclass(frozen=True)
class Band:
    method: str  # "request": per request in a calendar month; "page": per page
    low: int
    high: int | None  # None: open-ended
    yuan_each: int

    @property
    def label(self) -> str:
        unit = "件" if self.method == "request" else "页"
        if self.high is None:
            return f"{self.low}{unit}及以上"
        return f"{self.low}—{self.high}{unit}"


@cache
def bands() -> tuple[Band, ...]:
    """Return the fee bands in the fixture's order."""
    with open(settings.FIXTURES_DIR / "foi_fees.csv", encoding="utf-8") as handle:
        return tuple(
            Band(
                method=row["method"],
                low=int(row["from"]),
                high=int(row["to"]) if row["to"] else None,
                yuan_each=int(row["yuan_each"]),
            )
            for row in csv.DictReader(handle)
        )


def by_method(method: str) -> list[Band]:
    """Return the bands of one method ("request" or "page")."""
    return [band for band in bands() if band.method == method]


def request_fee(nth: int) -> int:
    """Return the fee in 元 for an applicant's ``nth`` request in a calendar month.

    Past the listed bands each further band of 10 requests adds 100元 a request (31–40: 200,
    41–50: 300, 51–60: 400, …), as the 办法 says; the fixture lists only the first bands.
    """
    if nth < 1:
        raise ValueError("nth counts from 1")
    listed = by_method("request")
    for band in listed:
        if band.low <= nth and (band.high is None or nth <= band.high):
            return band.yuan_each
    last = listed[-1]
    return last.yuan_each + 100 * ((nth - last.high - 1) // 10 + 1)


def page_fee(pages: int) -> int:
    """Return the fee in 元 for ``pages`` pages: each page is charged at its own band's rate."""
    total = 0
    for band in by_method("page"):
        high = pages if band.high is None else min(band.high, pages)
        if high >= band.low:
            total += (high - band.low + 1) * band.yuan_each
    return total
