"""How the harness turns rounds into a ratio: pure arithmetic, no timing."""

from __future__ import annotations

import pytest

from benchmarks._harness import Row, Timings, interleaved, paired_ratio, round_order

# Seven rounds in which the machine switches from its usual speed to a fast
# one mid-run: ours' median lands among the slow rounds, the baseline's
# among the fast ones.
OURS = [106.0, 106.0, 106.0, 106.0, 78.0, 78.0, 78.0]
BASE = [87.0, 87.0, 87.0, 62.0, 62.0, 62.0, 62.0]


def _row(rounds: tuple[list[float], list[float]] | None, threshold: float = 1.3) -> Row:
    timings = Timings({"ours": OURS, "floor": BASE})
    return Row(
        "decode vs floor",
        timings["ours"],
        timings["floor"],
        "s",
        "within",
        threshold,
        "",
        "",
        rounds=rounds,
    ).judge(True)


def test_timings_are_medians_with_their_rounds_kept() -> None:
    timings = Timings({"ours": OURS, "floor": BASE})
    assert (timings["ours"], timings["floor"]) == (106.0, 62.0)
    assert timings.rounds("ours", "floor") == (OURS, BASE)


def test_a_speed_switch_mid_run_does_not_mix_speeds_in_the_ratio() -> None:
    row = _row(Timings({"ours": OURS, "floor": BASE}).rounds("ours", "floor"))
    # each round compares two runs made at one speed (but round 4, which straddles)
    assert row.ratio == pytest.approx(78 / 62)
    assert row.ratio_of_medians == pytest.approx(106 / 62)
    assert row.met is True


def test_timings_give_the_same_paired_ratio_as_a_row_of_their_rounds() -> None:
    timings = Timings({"ours": OURS, "floor": BASE})
    row = _row(timings.rounds("ours", "floor"))
    assert timings.ratio("ours", "floor") == row.ratio == pytest.approx(78 / 62)
    assert paired_ratio("faster", [2.0, 1.0, 4.0], [6.0, 5.0, 4.0]) == pytest.approx(3.0)


def test_without_rounds_the_ratio_is_that_of_the_medians() -> None:
    row = _row(None)
    assert row.ratio == row.ratio_of_medians == pytest.approx(106 / 62)
    assert row.met is False


def test_a_faster_row_takes_each_round_baseline_over_ours() -> None:
    row = Row("x", 1.0, 4.0, "s", "faster", 2, "", "", rounds=([1.0, 2.0, 1.0], [3.0, 8.0, 5.0]))
    assert row.ratio == pytest.approx(4.0)  # rounds: 3, 4, 5
    assert row.ratio_of_medians == pytest.approx(4.0)


def test_rounds_of_unequal_length_are_refused() -> None:
    with pytest.raises(ValueError):
        Row("x", 1.0, 1.0, "s", "within", 1.5, "", "", rounds=([1.0, 2.0], [1.0]))


def test_without_a_pivot_each_contender_runs_first_in_turn() -> None:
    orders = [round_order(["a", "b", "c"], n) for n in range(3)]
    assert orders == [["a", "b", "c"], ["b", "c", "a"], ["c", "a", "b"]]


def test_a_pivot_runs_next_to_both_of_two_others_in_every_round() -> None:
    for n in range(6):
        order = round_order(["ours", "classic", "floor"], n, "ours")
        assert order[1] == "ours" and sorted(order) == ["classic", "floor", "ours"]
    firsts = {round_order(["ours", "classic", "floor"], n, "ours")[0] for n in range(2)}
    assert firsts == {"classic", "floor"}


def test_interleaved_runs_the_rounds_in_that_order_and_keeps_each_round() -> None:
    ran: list[str] = []
    ticks = iter(range(1000))
    contenders = {name: (lambda name=name: ran.append(name)) for name in ("ours", "b", "c")}
    timings = interleaved(
        contenders, 4, warmup=False, clock=lambda: float(next(ticks)), pivot="ours"
    )
    assert ran == [name for n in range(4) for name in round_order(["ours", "b", "c"], n, "ours")]
    assert all(len(times) == 4 for times in timings.samples.values())
