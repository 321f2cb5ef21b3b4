"""What the studio's live views cost the training: one session, blocks with and without them.

Prints numbers; asserts nothing. For each case (ring8 mlp, digits 8x8 dcgan, digits resized to
28x28 dcgan: the engine's defaults, as benchmarks/vs_pytorch.py builds them) one
`TrainingSession` trains alternated blocks (A B A B ...) of the same number of steps:

    views     the studio's rates: scalars at 10 Hz, and histograms of D(x), samples from the
              fixed z (and for 2D data D's surface) at 2 Hz, at most 2% of the time
              (`callbacks.HEAVY_SHARE`);
    scalars   `ganstudio train`'s: the same scalars, no histograms or samples while training
              (`image_hz=None`; the terminal shows scalars only).

The rate of a block is timed from its first step's end to its last's (the telemetry callback's
own batch ends), so each block's set-up is left out; the table gives the medians and the median
of the per-round ratios scalars / views, with the lowest and highest round. Each case runs in a
process of its own (TensorFlow fixes its threads per operation once per process, and the engine
picks them for the case's nets, as `ganstudio train` does).

    python benchmarks/views_cost.py                         # ~3 minutes on 2 cores
    python benchmarks/views_cost.py --cases ring8 --rounds 9
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from vs_pytorch import CASES, MIN_STEPS, EngineRunner  # noqa: E402

MODES = {"views": 2.0, "scalars": None}  # image_hz of each mode
CHILD_MARK = "views_cost result: "


def run_case(case: str, rounds: int, block_seconds: float) -> dict:
    """Alternated blocks of one session with and without the heavy views."""
    engine = EngineRunner(case)
    session = engine.session
    per_call = engine.warm()
    rate = engine.block(max(MIN_STEPS, 3 * per_call))
    steps = max(MIN_STEPS, int(block_seconds * rate))
    steps = -(-steps // per_call) * per_call  # whole calls of the engine's k steps
    print(f"  {case}: steps per call (auto) {per_call}, {steps} steps a block", flush=True)
    rates: dict[str, list[float]] = {mode: [] for mode in MODES}
    for i in range(rounds):
        for mode, hz in MODES.items():
            session.image_hz = hz  # each run's callback reads it
            rates[mode].append(engine.block(steps))
        print(f"  {case} round {i + 1}/{rounds}: "
              + "  ".join(f"{k} {v[-1]:.2f}" for k, v in rates.items()), flush=True)
    ratios = [b / a for a, b in zip(rates["views"], rates["scalars"], strict=True)]
    return {"case": case, "steps": steps,
            "median": {k: statistics.median(v) for k, v in rates.items()},
            "ratio": statistics.median(ratios), "range": [min(ratios), max(ratios)]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="*", choices=list(CASES), default=list(CASES))
    parser.add_argument("--rounds", type=int, default=7, help="A B rounds per case")
    parser.add_argument("--block-seconds", type=float, default=3.0,
                        help="about how long one block runs (steps fixed from a calibration)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = run_case(args.cases[0], args.rounds, args.block_seconds)
        print(CHILD_MARK + json.dumps(result), flush=True)
        os._exit(0)  # as vs_pytorch: do not wait on TensorFlow's shutdown
    results = []
    for case in args.cases:
        cmd = [sys.executable, os.path.abspath(__file__), "--child", "--cases", case,
               "--rounds", str(args.rounds), "--block-seconds", str(args.block_seconds)]
        with subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True) as child:
            for line in child.stdout:
                if line.startswith(CHILD_MARK):
                    results.append(json.loads(line[len(CHILD_MARK):]))
                else:
                    print(line, end="", flush=True)
    print(f"\nsteps/s, medians of {args.rounds} alternated blocks; scalars / views: the median "
          "of the per-round ratios (the lowest and highest round in brackets)")
    print("| case | steps/block | with the studio's views | scalars only (CLI) "
          "| scalars / views |")
    print("|---|---:|---:|---:|---:|")
    for r in results:
        low, high = r["range"]
        print(f"| {r['case']} | {r['steps']} | {r['median']['views']:.2f} "
              f"| {r['median']['scalars']:.2f} | {r['ratio']:.3f} ({low:.3f}–{high:.3f}) |")


if __name__ == "__main__":
    main()
