"""The benchmark suite still runs: ``python -m benchmarks --quick`` and its JSON.

Shape only, never timing: the machine running the tests may be slow or
busy, and quick mode gives no verdict anyway. The suite runs as a
subprocess from the repository root, as ``make bench-quick`` does, with
every ResourceWarning shown: a case closes every connection it opens.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

_ROOT = Path(__file__).resolve().parents[2]
_HEADER = ("case", "ours", "baseline", "ratio", "target", "met?")
_ROW_KEYS = {
    "case",
    "ours",
    "baseline",
    "unit",
    "direction",
    "threshold",
    "ratio",
    "ratio_of_medians",
    "rounds",
    "met",
    "target",
}


def _run_quick(tmp_path: Path, *cases: str) -> tuple[str, dict[str, Any]]:
    out = tmp_path / "bench.json"
    argv = [sys.executable, "-W", "always::ResourceWarning", "-m", "benchmarks", "--quick"]
    argv += ["--json", str(out)]
    for case in cases:
        argv += ["--case", case]
    done = subprocess.run(argv, cwd=_ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "ResourceWarning" not in done.stderr, done.stderr[-3000:]
    return done.stdout, json.loads(out.read_text(encoding="utf-8"))


def _check_shape(stdout: str, results: dict[str, Any], cases: list[str]) -> None:
    lines = stdout.splitlines()
    header = next(line for line in lines if line.startswith("case"))
    assert tuple(header.split()) == _HEADER
    assert results["mode"] == "quick"
    assert [case["name"] for case in results["cases"]] == cases
    for case in results["cases"]:
        assert case["rows"], case["name"]
        for row in case["rows"]:
            assert set(row) >= _ROW_KEYS
            assert row["met"] is None  # quick mode gives no verdict
            assert row["ours"] > 0 and row["baseline"] > 0 and row["ratio"] > 0
            assert row["case"] in stdout
            if row["rounds"] is not None:  # the ratio is the median of the rounds' own
                ours, base = row["rounds"]
                assert len(ours) == len(base) >= 1
                per_round = [
                    b / o if row["direction"] == "faster" else o / b
                    for o, b in zip(ours, base, strict=True)
                ]
                assert row["ratio"] == pytest.approx(statistics.median(per_round))


def test_one_in_process_case_prints_a_table_and_writes_json(tmp_path: Path) -> None:
    stdout, results = _run_quick(tmp_path, "envelope")
    _check_shape(stdout, results, ["envelope"])
    targets = {row["target"] for row in results["cases"][0]["rows"]}
    assert {">= 5x", "<= 1.3x"} <= targets


@pytest.mark.slow
def test_the_whole_quick_suite_runs(tmp_path: Path) -> None:
    stdout, results = _run_quick(tmp_path)
    names = ["envelope", "pipeline_overhead", "round_trips", "batching", "large_answer"]
    _check_shape(stdout, results, names)
    large = next(case for case in results["cases"] if case["name"] == "large_answer")
    assert len(large["details"]) >= 2  # the growth table: one line per size
    # time growth starts from the decode row's paired ratio; every size's rounds are kept
    decode, _, time_growth, _ = large["rows"]
    assert decode["case"].startswith("large: decode + all()")
    assert time_growth["ours"] == pytest.approx(decode["ratio"])
    sizes = [line["numbers"] for line in large["details"]]
    assert list(large["samples"]) == sizes
    assert large["samples"][sizes[-1]]["ours"] == decode["rounds"][0]


def test_the_large_answer_parts_print_a_line_per_round(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import large_answer_parts

    assert large_answer_parts.main(["--rounds", "2", "--numbers", "500"]) == 0
    header, *lines = capsys.readouterr().out.splitlines()
    assert header.startswith("ms: floor")
    assert len(lines) == 2 and all(line.endswith("x") and " = " in line for line in lines)
