"""How the large answer turns its timings into rows: the arithmetic, with no timing.

``_measure`` is replaced by fixed figures, so each assertion pins what the
rows make of them: the paired ratio at each size, and the growth between
the smallest and the largest size whatever order the sizes are given in.
"""

from __future__ import annotations

import dataclasses

import pytest

from benchmarks import large_answer
from benchmarks._harness import Scale, Timings, to_json

# 100,000 numbers: the machine switches to a fast state mid-run, so ours'
# median (106) comes from slow rounds and the floor's (62) from fast ones.
BIG = Timings(
    {
        "ours": [106.0, 106.0, 106.0, 106.0, 78.0, 78.0, 78.0],
        "floor": [87.0, 87.0, 87.0, 62.0, 62.0, 62.0, 62.0],
    }
)
SMALL = Timings({"ours": [1.2, 1.2, 1.2], "floor": [1.0, 1.0, 1.0]})
# numbers: body bytes, timings, ours' peak bytes, the floor's peak bytes
FIGURES = {
    100_000: (12_000_000, BIG, 74_000_000, 71_000_000),
    1_000: (120_000, SMALL, 740_000, 700_000),
}


@pytest.fixture
def case(monkeypatch: pytest.MonkeyPatch) -> large_answer.Case:
    monkeypatch.setattr(large_answer, "_measure", lambda numbers, repeats: FIGURES[numbers])
    scale = dataclasses.replace(Scale.full(), large_sizes=(100_000, 1_000))  # not in order
    return large_answer.run(scale)


def test_the_time_target_is_the_median_of_the_rounds_own_ratios(case: large_answer.Case) -> None:
    decode = case.rows[0]
    assert decode.ratio == pytest.approx(78 / 62)  # not 106 / 62, the medians' ratio
    assert decode.met is True
    assert [line["time ratio"] for line in case.details] == ["1.20x", "1.26x"]  # 1,000 first


def test_time_growth_is_the_paired_ratio_at_the_largest_over_the_smallest(
    case: large_answer.Case,
) -> None:
    growth = case.rows[2]
    assert growth.case == "large: time ratio to ET, 100,000 over 1,000"
    assert (growth.ours, growth.baseline) == (pytest.approx(78 / 62), pytest.approx(1.2))
    assert growth.ratio == pytest.approx(78 / 62 / 1.2)
    assert growth.met is True
    # taken from the medians it would read 1.42x and miss: kept beside it
    assert growth.ratio_of_medians == pytest.approx(106 / 62 / 1.2)


def test_memory_rows_and_the_json_keep_every_size(case: large_answer.Case) -> None:
    peak, memory_growth = case.rows[1], case.rows[3]
    assert peak.ratio == pytest.approx(74 / 12)
    assert memory_growth.ratio == pytest.approx((74_000_000 / 740_000) / (71_000_000 / 700_000))
    samples = to_json([case], {})["cases"][0]["samples"]
    assert samples["100,000"] == BIG.samples and samples["1,000"] == SMALL.samples
