"""信息处理费 (国办函〔2020〕109号) at every band boundary, computed independently here.

按件计收: the n-th request of one applicant in a calendar month: 1–10 free, 11–30 100元 each,
then each further band of 10 requests adds 100元 a request (31–40 200元, 41–50 300元, …).
按量计收: each page at its own band's rate (“…的部分”): 1–30 free, 31–100 10元, 101–200 20元,
201 and up 40元.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from disclosure.fees import bands, by_method, page_fee, request_fee


def expected_request_fee(nth: int) -> int:
    if nth <= 10:
        return 0
    if nth <= 30:
        return 100
    band = (nth - 31) // 10  # 31–40 → 0, 41–50 → 1, …
    return 200 + 100 * band


def page_rate(page: int) -> int:
    if page <= 30:
        return 0
    if page <= 100:
        return 10
    if page <= 200:
        return 20
    return 40


def expected_page_fee(pages: int) -> int:
    return sum(page_rate(p) for p in range(1, pages + 1))


@pytest.mark.parametrize(
    "nth, yuan",
    [
        (1, 0),
        (10, 0),
        (11, 100),
        (30, 100),
        (31, 200),
        (40, 200),
        (41, 300),
        (50, 300),
        (51, 400),
        (60, 400),
        (61, 500),
        (70, 500),
        (71, 600),
        (101, 900),
    ],
)
def test_request_fee_at_the_boundaries(nth, yuan):
    assert request_fee(nth) == yuan == expected_request_fee(nth)


@pytest.mark.parametrize("nth", [0, -1])
def test_request_fee_counts_from_one(nth):
    with pytest.raises(ValueError):
        request_fee(nth)


@pytest.mark.parametrize(
    "pages, yuan",
    [
        (0, 0),
        (1, 0),
        (30, 0),
        (31, 10),
        (100, 700),  # 70 pages × 10
        (101, 720),
        (200, 2700),  # 700 + 100 × 20
        (201, 2740),
        (1000, 2700 + 800 * 40),
    ],
)
def test_page_fee_at_the_boundaries(pages, yuan):
    assert page_fee(pages) == yuan == expected_page_fee(pages)


@given(st.integers(1, 500))
def test_request_fee_matches_the_rule(nth):
    assert request_fee(nth) == expected_request_fee(nth)


@given(st.integers(0, 1500))
def test_page_fee_matches_the_rule(pages):
    assert page_fee(pages) == expected_page_fee(pages)


@given(st.integers(0, 1500))
def test_one_more_page_costs_its_own_band_rate(pages):
    assert page_fee(pages + 1) - page_fee(pages) == page_rate(pages + 1)


@given(st.integers(1, 500))
def test_request_fee_never_falls(nth):
    assert request_fee(nth + 1) >= request_fee(nth)


def test_bands_fixture_has_no_gaps_or_overlaps():
    assert {band.method for band in bands()} == {"request", "page"}
    for method in ("request", "page"):
        listed = by_method(method)
        assert listed[0].low == 1
        for before, after in zip(listed, listed[1:], strict=False):
            assert before.high is not None and after.low == before.high + 1
    assert by_method("page")[-1].high is None
    assert [band.label for band in by_method("page")] == [
        "1—30页",
        "31—100页",
        "101—200页",
        "201页及以上",
    ]
    assert by_method("request")[1].label == "11—30件"
