"""``python -m benchmarks [--quick] [--json PATH] [--case NAME ...] [--check]``.

Runs the cases in order and prints one table. ``--quick`` uses small sizes
and gives no verdict (CI runs it so the suite cannot rot); ``--check``
exits 1 when a full run misses a target; ``--json`` writes every figure.
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys
import time
from collections.abc import Sequence
from datetime import datetime, timezone

from benchmarks._harness import Case, Scale, render_table, to_json

CASES = ("envelope", "pipeline_overhead", "round_trips", "batching", "large_answer")
"""Case modules, in the order they run."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description="Measure ttnc_pipeline against its baselines."
    )
    parser.add_argument(
        "--quick", action="store_true", help="small sizes, no verdict (default: full run)"
    )
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument(
        "--case",
        action="append",
        choices=CASES,
        help="run only this case (repeatable; default: all)",
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if a full run misses a target")
    return parser


def _details(case: Case) -> str:
    if not case.details:
        return ""
    keys = list(case.details[0])
    cells = [[str(item[key]) for key in keys] for item in case.details]
    widths = [max(len(key), *(len(row[i]) for row in cells)) for i, key in enumerate(keys)]
    lines = ["  ".join(key.rjust(width) for key, width in zip(keys, widths, strict=True))]
    lines += ["  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    return f"\n{case.name}:\n" + "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the suite; return the exit status."""
    args = _parser().parse_args(argv)
    scale = Scale.quick_run() if args.quick else Scale.full()
    names = args.case or list(CASES)
    started = time.perf_counter()
    cases: list[Case] = []
    for name in names:
        module = importlib.import_module(f"benchmarks.{name}")
        print(f"running {name} ...", file=sys.stderr, flush=True)
        cases.append(module.run(scale))
    rows = [row for case in cases for row in case.rows]
    mode = "quick (small sizes, no verdict)" if scale.quick else "full"
    print(f"ttnc_pipeline benchmarks, {mode}: Python {platform.python_version()}")
    print(render_table(rows))
    print(
        "ratio: the median of the rounds' own ratios (ours against the baseline in the same "
        "round);\ngrowth and memory rows: the figures shown, divided. The JSON also has each "
        "ratio of the medians, and every round."
    )
    for case in cases:
        print(_details(case), end="")
    print("\n")
    for case in cases:
        for note in case.notes:
            print(f"- {case.name}: {note}")
    elapsed = time.perf_counter() - started
    print(f"({elapsed:.1f} s)")
    if args.json:
        meta = {
            "mode": "quick" if scale.quick else "full",
            "python": platform.python_version(),
            "platform": platform.platform(),
            "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "seconds": round(elapsed, 2),
        }
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(to_json(cases, meta), out, indent=2)
            out.write("\n")
    missed = [row.case for row in rows if row.met is False]
    if args.check and missed:
        print(f"missed: {', '.join(missed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
