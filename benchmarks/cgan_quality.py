"""The conditional families' quality (`cgan`, and `stackgan` with `--family stackgan`): their
defaults and each discriminator design, per dataset.

Each run is `RunConfig.for_family("cgan")` (the defaults a user's first run gets) on a dataset,
with a design (`cgan.d_design`) and optional `--set` changes, then the family's final
evaluation (`metrics.conditional.evaluate_conditional` plus D's mismatch ROC-AUC): label
agreement on digits, attributes read back on shapes, FD per condition. Prints a Markdown table
and the wall time of each run; asserts nothing.

    python benchmarks/cgan_quality.py                                 # defaults, both datasets
    python benchmarks/cgan_quality.py --designs joint separate projection --datasets digits
    python benchmarks/cgan_quality.py --datasets shapes --set data.holdout="large yellow triangle"
    python benchmarks/cgan_quality.py --datasets shapes --steps 3000 --json runs.json
    python benchmarks/cgan_quality.py --family stackgan --datasets shapes --set data.image_size=64

With `stackgan` the figures are those of the final (stage II) images, with
`fd_stage1_bicubic`: the same FD for stage I's images enlarged bicubically, which stage II must
beat.

Split runs over processes with `TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1`, one
design each, and merge the JSON files with `--table A.json B.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

FIGURES = {
    "digits": ("label_agreement", "label_agreement_worst", "fd", "mismatch_auc"),
    "shapes": ("all_acc", "colour_acc", "position_acc", "size_acc", "shape_acc",
               "heldout_all_acc", "fd", "fd_stage1_bicubic", "mismatch_auc"),
}


def run_one(dataset: str, design: str, steps: int | None, settings: list[str],
            seed: int, family: str = "cgan") -> dict[str, Any]:
    """Trains one conditional model with the family's defaults and returns its figures."""
    from ganstudio.config import RunConfig
    from ganstudio.core.session import TrainingSession

    cfg = RunConfig.for_family(family).with_changes(
        data={"name": dataset}, **{family: {"d_design": design}},
        train={"seed": seed, "eval_every": 0, "checkpoint_every": 0,
               **({"steps": steps} if steps else {})})
    for assignment in settings:
        cfg = cfg.with_setting(assignment)
    session = TrainingSession(cfg)
    t0 = time.perf_counter()
    result = session.run()
    seconds = time.perf_counter() - t0
    quality, _ = session.recipe.quality_report(session.dataset, seed)
    figures = {k: float(v) for k, v in quality.items()
               if isinstance(v, (int, float)) and not isinstance(v, bool)}
    return {"dataset": dataset, "family": family, "design": design, "steps": result.steps,
            "seed": seed,
            "settings": settings, "train_seconds": round(seconds, 1),
            "worst_class": quality.get("worst_class"), "figures": figures}


def table(rows: list[dict[str, Any]]) -> str:
    """A Markdown table per dataset: one row per run."""
    lines = []
    for dataset in sorted({r["dataset"] for r in rows}):
        names = [n for n in FIGURES.get(dataset, ("fd",))
                 if any(n in r["figures"] for r in rows if r["dataset"] == dataset)]
        lines.append(f"\n{dataset}\n")
        lines.append("| family | design | steps | settings | minutes | " + " | ".join(names)
                     + " |")
        lines.append("|---|---|---:|---|---:|" + "---:|" * len(names))
        for r in rows:
            if r["dataset"] != dataset:
                continue
            cells = []
            for n in names:
                v = r["figures"].get(n)
                cells.append("—" if v is None else (f"{100 * v:.1f}%" if n.endswith(
                    ("acc", "agreement", "worst")) else f"{v:.3f}"))
            lines.append(f"| {r.get('family', 'cgan')} | {r['design']} | {r['steps']} | {' '.join(r['settings']) or '—'} | "
                         f"{r['train_seconds'] / 60:.1f} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description="Quality of the conditional families' defaults.")
    parser.add_argument("--family", default="cgan", choices=["cgan", "stackgan"])
    parser.add_argument("--datasets", nargs="+", default=None,
                        help="default: digits and shapes (cgan), shapes (stackgan)")
    parser.add_argument("--designs", nargs="+", default=["projection"],
                        choices=["joint", "separate", "projection"])
    parser.add_argument("--steps", type=int, default=None,
                        help="steps of every run (default: the family's)")
    parser.add_argument("--set", dest="settings", action="append", default=[],
                        metavar="SECTION.FIELD=VALUE", help="a change to every run")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="also write the rows here")
    parser.add_argument("--table", nargs="+", metavar="JSON",
                        help="only print the table of these earlier --json files")
    args = parser.parse_args()
    if args.table:
        rows = []
        for path in args.table:
            with open(path, encoding="utf-8") as fh:
                rows += json.load(fh)
        print(table(rows))
        return 0
    rows = []
    datasets = args.datasets or (["shapes"] if args.family == "stackgan" else ["digits",
                                                                              "shapes"])
    for dataset in datasets:
        for design in args.designs:
            row = run_one(dataset, design, args.steps, args.settings, args.seed, args.family)
            print(json.dumps(row), flush=True)
            rows.append(row)
            if args.json:
                with open(args.json, "w", encoding="utf-8") as fh:
                    json.dump(rows, fh, indent=1)
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
