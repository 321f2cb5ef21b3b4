"""Mode coverage on the VEEGAN / PacGAN 2D mixtures, beside the published tables.

The papers' protocol: train on the 8-Gaussian ring (σ = 0.01) and the 5x5 grid (σ = 0.05),
draw 2,500 samples, and count the modes captured (a mode with at least one sample within 3σ),
the share of high-quality samples (within 3σ of some mode) and the reverse KL of the
high-quality samples' spread over the modes against the uniform spread; report the mean over
seeds (5 in the papers).

Each setting is the *current* `RunConfig()` defaults plus a small delta (an objective, or one
trick), so the table follows the defaults as they are tuned. Prints a Markdown table; asserts
nothing.

    python benchmarks/quality.py                       # everything: 2 datasets x 15 settings x 5 seeds
    python benchmarks/quality.py --quick               # 1 seed, 1,000 steps, 2 settings
    python benchmarks/quality.py --only pack4,ema --seeds 3 --steps 3000 --datasets ring8

References:
    Srivastava et al., "VEEGAN: Reducing Mode Collapse in GANs using Implicit Variational
    Learning", NeurIPS 2017, Table 1.
    Lin et al., "PacGAN: The power of two samples in generative adversarial networks",
    NeurIPS 2018, Table 1.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from typing import Any

from ganstudio.config import TrainConfig
from ganstudio.core.presets import PRESETS

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

N_SAMPLES = 2500
SAMPLE_SEED_OFFSET = 101  # as `ganstudio train` does for its quick quality figures


def _longer(objective: str, latent: int, steps: int,
            batch: int | None = None) -> tuple[str, dict[str, dict[str, Any]]]:
    """A setting that trains longer with a small latent (see docs/quality.md: thinner trails)."""
    train: dict[str, Any] = {"steps": steps, **({"batch": batch} if batch else {})}
    what = f"{objective}, latent {latent}" + (f", batch {batch}" if batch else "")
    return (f"{what}, trained {steps // TrainConfig().steps}x longer",
            {"objective": {"name": objective}, "net": {"latent_dim": latent}, "train": train})


# name -> (what it is, the delta applied to the current defaults)
SETTINGS: dict[str, tuple[str, dict[str, dict[str, Any]]]] = {
    "defaults": ("the defaults: non-saturating, pack 2, R1 0.02, EMA 0.99, lr 1e-3", {}),
    "plain": ("a plain GAN: no packing, no R1, no EMA, lr 2e-4, width 128, batch 256",
              {"net": {"pack": 1, "width": 128},
               "objective": {"r1_gamma": 0.0, "ema": 0.0, "lr_d": 2e-4, "lr_g": 2e-4},
               "train": {"batch": 256}}),
    "minimax": ("minimax (saturating) loss", {"objective": {"name": "minimax"}}),
    "wgan-gp": ("WGAN-GP, λ = 10, k = 5, lr 1e-4, β = (0.5, 0.9), no R1",
                {"objective": {"name": "wgan-gp", "d_steps": 5, "lr_d": 1e-4, "lr_g": 1e-4,
                               "beta2": 0.9, "r1_gamma": 0.0}}),
    "lsgan": ("least squares", {"objective": {"name": "lsgan"}}),
    "hinge": ("hinge", {"objective": {"name": "hinge"}}),
    "wgan": ("WGAN, clipping, RMSprop 5e-5, k = 5, no R1",
             {"objective": {"name": "wgan", "lr_d": 5e-5, "lr_g": 5e-5, "d_steps": 5,
                            "r1_gamma": 0.0}}),
    "pack1": ("no packing (m = 1)", {"net": {"pack": 1}}),
    "pack4": ("PacGAN, m = 4", {"net": {"pack": 4}}),
    "minibatch_std": ("+ minibatch standard deviation in D", {"net": {"minibatch_std": True}}),
    "spectral": ("+ spectral normalization in D", {"net": {"d_norm": "spectral"}}),
    "no_r1": ("without the R1 penalty", {"objective": {"r1_gamma": 0.0}}),
    "r1_1": ("R1 penalty γ = 1", {"objective": {"r1_gamma": 1.0}}),
    "no_ema": ("without the EMA of G's weights", {"objective": {"ema": 0.0}}),
    "ema999": ("EMA of G's weights 0.999", {"objective": {"ema": 0.999}}),
    "cosine": ("+ cosine learning-rate decay to 1%", {"objective": {"lr_decay": "cosine"}}),
    "linear": ("+ linear learning-rate decay to 1%", {"objective": {"lr_decay": "linear"}}),
    "ttur": ("separate learning rates: D 2e-3, G 5e-4", {"objective": {"lr_d": 2e-3,
                                                                       "lr_g": 5e-4}}),
    "hinge_15k": ("hinge, trained 3x longer", {"objective": {"name": "hinge"},
                                               "train": {"steps": 15000}}),
    "hinge_z4_30k": _longer("hinge", latent=4, steps=30000),
    "minimax_z4_30k": _longer("minimax", latent=4, steps=30000),
    "minimax_z2_20k": _longer("minimax", latent=2, steps=20000),
    "minimax_z2_b1024_20k": _longer("minimax", latent=2, steps=20000, batch=1024),
    "minimax_z2_b1024_30k": _longer("minimax", latent=2, steps=30000, batch=1024),
}
# the `--preset fast-best` of the CLI (its settings, read from the preset table)
SETTINGS["fast_best"] = (f"preset fast-best: {PRESETS['fast-best'].settings_text()}",
                         PRESETS["fast-best"].changes)
# the same in bfloat16 (`--precision mixed_bfloat16`: fast on CPUs with AMX/AVX-512 bfloat16)
SETTINGS["fast_best_bf16"] = ("preset fast-best, --precision mixed_bfloat16",
                              {**PRESETS["fast-best"].changes,
                               "train": {**PRESETS["fast-best"].changes["train"],
                                         "precision": "mixed_bfloat16"}})
# ... stopped at 7,000 steps, to fit in a minute of this CPU
SETTINGS["fast_best_bf16_7k"] = ("preset fast-best, --precision mixed_bfloat16, 7,000 steps",
                                 {**SETTINGS["fast_best_bf16"][1],
                                  "train": {**SETTINGS["fast_best_bf16"][1]["train"],
                                            "steps": 7000}})
# ... with MLPs of width 128 (each step ~2x cheaper), for 13,000 steps, no evaluations while
# training (the figures come from the samples drawn after it)
SETTINGS["fast_best_bf16_w128"] = ("preset fast-best, --precision mixed_bfloat16, width 128, "
                                   "13,000 steps",
                                   {**SETTINGS["fast_best_bf16"][1],
                                    "net": {**SETTINGS["fast_best_bf16"][1]["net"], "width": 128},
                                    "train": {**SETTINGS["fast_best_bf16"][1]["train"],
                                              "steps": 13000, "eval_every": 0}})
# ... and the hinge loss
SETTINGS["fast_best_bf16_w128_hinge"] = (
    "preset fast-best, --precision mixed_bfloat16, width 128, 13,000 steps, hinge loss",
    {**SETTINGS["fast_best_bf16_w128"][1],
     "objective": {**SETTINGS["fast_best_bf16_w128"][1]["objective"], "name": "hinge"}})
# ... with 16,000 steps: the batch pipeline of 2026-11-30 evening draws other batches than the
# shuffle buffer did, and 13,000 steps then gave 94.4 ± 2.3% (one seed at 90%)
SETTINGS["fast_best_bf16_w128_hinge_16k"] = (
    "preset fast-best, --precision mixed_bfloat16, width 128, 16,000 steps, hinge loss",
    {**SETTINGS["fast_best_bf16_w128_hinge"][1],
     "train": {**SETTINGS["fast_best_bf16_w128_hinge"][1]["train"], "steps": 16000}})
DEFAULT_SETTINGS = [name for name in SETTINGS if name != "wgan"]
QUICK_SETTINGS = ["defaults", "plain"]
DATASETS = ("ring8", "grid25")

# Published: (modes captured, high-quality %); means over 5 seeds (VEEGAN: 2,500 samples).
PUBLISHED: dict[str, list[tuple[str, float, float]]] = {
    "ring8": [
        ("VEEGAN T1: GAN", 1.0, 99.3),
        ("VEEGAN T1: Unrolled GAN", 7.6, 35.6),
        ("VEEGAN T1: VEEGAN", 8.0, 52.9),
        ("PacGAN T1: GAN", 6.3, 98.2),
        ("PacGAN T1: PacGAN4", 7.8, 95.9),
    ],
    "grid25": [
        ("VEEGAN T1: GAN", 3.3, 0.5),
        ("VEEGAN T1: Unrolled GAN", 23.6, 16.0),
        ("VEEGAN T1: VEEGAN", 24.6, 40.0),
        ("PacGAN T1: GAN", 17.3, 94.8),
        ("PacGAN T1: PacGAN4", 24.8, 93.6),
    ],
}
# Our goal for the best setting (mean of 5 seeds): (modes, min HQ %, max reverse KL).
GOALS = {"ring8": (8, 98.0, 0.02), "grid25": (25, 95.0, 0.02)}


def _mean_std(values: list[float]) -> tuple[float, float]:
    """Mean and population std; inf when any value is inf (reverse KL with no HQ sample)."""
    import numpy as np

    x = np.asarray(values, np.float64)
    if x.size == 0:
        return float("nan"), float("nan")
    if np.isinf(x).any():
        return float("inf"), float("nan")
    return float(x.mean()), float(x.std())


def _pm(values: list[float], scale: float = 1.0, digits: int = 1) -> str:
    mean, std = _mean_std([v * scale for v in values])
    if mean != mean:
        return "—"
    if mean == float("inf"):
        return "inf"
    text = f"{mean:.{digits}f}"
    return text + (f" ± {std:.{digits}f}" if len(values) > 1 else "")


def run_one(dataset, setting: str, seed: int, steps: int | None) -> dict[str, Any]:
    """Trains one setting with one seed and scores 2,500 samples (no files written).

    `steps`, when given, overrides the setting's (or the defaults') number of steps.
    """
    from ganstudio.config import RunConfig
    from ganstudio.core.metrics import mode_stats
    from ganstudio.core.session import TrainingSession

    delta = SETTINGS[setting][1]
    train = {"seed": seed, **({"steps": steps} if steps else {})}
    changes = {section: dict(values) for section, values in delta.items()}
    changes["data"] = {**changes.get("data", {}), "name": dataset.name}
    changes["train"] = {**changes.get("train", {}), **train}
    cfg = RunConfig().with_changes(**changes)
    # every run of this process trains points, as each `ganstudio train` of a row does: the
    # first fixes TensorFlow's threads per operation as the CLI's would (`kernel_threads`)
    session = TrainingSession(cfg, dataset=dataset, own_process=True)
    session.prepare()
    t0 = time.perf_counter()
    result = session.run()
    seconds = time.perf_counter() - t0
    samples = session.sample(N_SAMPLES, seed=seed + SAMPLE_SEED_OFFSET)
    stats = mode_stats(samples, dataset.modes, dataset.sigma)
    return {"dataset": dataset.name, "setting": setting, "seed": seed, "steps": result.steps,
            "seconds": seconds, "steps_per_sec": result.steps / seconds if seconds else 0.0,
            "modes": stats.modes_captured, "n_modes": stats.n_modes,
            "hq": stats.high_quality, "reverse_kl": stats.reverse_kl}


def markdown(rows: list[dict[str, Any]], datasets: list[str], settings: list[str]) -> str:
    """The results table (means ± std over seeds) beside the published rows."""
    out = []
    for name in datasets:
        mine = [r for r in rows if r["dataset"] == name]
        if not mine:
            continue
        n_modes = mine[0]["n_modes"]
        seeds = len({r["seed"] for r in mine})
        out.append(f"\n### {name}: {n_modes} modes, {N_SAMPLES:,} samples\n")
        out.append("| setting | steps | seeds | modes | high quality % | reverse KL | steps/s |")
        out.append("|---|---|---|---|---|---|---|")
        best = None
        for setting in settings:
            runs = [r for r in mine if r["setting"] == setting]
            if not runs:
                continue
            modes = [r["modes"] for r in runs]
            hq = [r["hq"] for r in runs]
            rkl = [r["reverse_kl"] for r in runs]
            sps = [r["steps_per_sec"] for r in runs]
            steps = "/".join(f"{n:,}" for n in sorted({r["steps"] for r in runs}))
            out.append(f"| {setting} ({SETTINGS[setting][0]}) | {steps} | {len(runs)} | "
                       f"{_pm(modes)} | "
                       f"{_pm(hq, 100)} | {_pm(rkl, digits=3)} | {_pm(sps, digits=0)} |")
            score = (_mean_std(modes)[0], _mean_std(hq)[0], -_mean_std(rkl)[0])
            if best is None or score > best[0]:
                best = (score, setting, len(runs))
        for label, modes, hq in PUBLISHED[name]:
            out.append(f"| *{label}* (published) | — | — | {modes:g} | {hq:g} | — | — |")
        if best is not None:
            goal_modes, goal_hq, goal_rkl = GOALS[name]
            (modes, hq, neg_rkl), setting, seeds = best
            met = modes >= goal_modes and 100 * hq >= goal_hq and -neg_rkl < goal_rkl
            out.append(f"\nBest here: **{setting}** — {modes:.1f} modes, {100 * hq:.1f}% HQ, "
                       f"reverse KL {-neg_rkl:.3f}; goal ({goal_modes} modes, ≥{goal_hq:g}% "
                       f"HQ, reverse KL < {goal_rkl:g}, mean of 5 seeds): "
                       f"{'met' if met else 'not met'}"
                       + ("" if seeds >= 5 else f" (only {seeds} seed(s) here)") + ".")
    return "\n".join(out)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=5, help="seeds per setting (default 5)")
    parser.add_argument("--first-seed", type=int, default=0,
                        help="first seed (default 0); with --seeds, splits a setting's seeds "
                        "over processes")
    parser.add_argument("--steps", type=int,
                        help="generator updates per run, for every setting (default: the "
                        "setting's own, else the config default)")
    parser.add_argument("--only", help=f"comma-separated settings (of: {', '.join(SETTINGS)})")
    parser.add_argument("--datasets", default=",".join(DATASETS),
                        help="comma-separated: ring8, grid25 (default both)")
    parser.add_argument("--quick", action="store_true",
                        help=f"1 seed, 1,000 steps, settings {', '.join(QUICK_SETTINGS)}")
    parser.add_argument("--json", help="also write every run's figures to this file (updated "
                        "after each run)")
    parser.add_argument("--table", nargs="+", metavar="JSON",
                        help="print the table from earlier --json files, without training")
    args = parser.parse_args(argv)
    if args.quick:
        args.seeds = 1
        args.steps = args.steps or 1000
        args.only = args.only or ",".join(QUICK_SETTINGS)
    args.settings = args.only.split(",") if args.only else list(DEFAULT_SETTINGS)
    unknown = [s for s in args.settings if s not in SETTINGS]
    if unknown:
        parser.error(f"unknown setting(s) {', '.join(unknown)}; choose from "
                     f"{', '.join(SETTINGS)}")
    args.dataset_names = args.datasets.split(",")
    bad = [d for d in args.dataset_names if d not in DATASETS]
    if bad:
        parser.error(f"unknown dataset(s) {', '.join(bad)}; choose from {', '.join(DATASETS)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.table:
        rows = []
        for path in args.table:
            with open(path, encoding="utf-8") as fh:
                rows.extend(json.load(fh))
        names = [d for d in DATASETS if any(r["dataset"] == d for r in rows)]
        settings = [s for s in SETTINGS if any(r["setting"] == s for r in rows)]
        print(markdown(rows, names, settings))
        return 0
    from ganstudio.config import DataConfig, RunConfig
    from ganstudio.core.data.registry import load_dataset
    from ganstudio.core.session import device_name

    defaults = RunConfig()
    steps = args.steps or defaults.train.steps
    total_runs = len(args.dataset_names) * len(args.settings) * args.seeds
    print(f"# Mode coverage (VEEGAN/PacGAN protocol) on {device_name()}\n")
    print(f"{total_runs} runs of {steps:,} steps (unless a setting says otherwise); defaults: objective "
          f"{defaults.objective.name}, lr D/G {defaults.objective.lr_d:g}/"
          f"{defaults.objective.lr_g:g}, batch {defaults.train.batch}, net {defaults.net.name} "
          f"depth {defaults.net.depth} width {defaults.net.width}, pack {defaults.net.pack}, "
          f"ema {defaults.objective.ema:g}", flush=True)
    rows: list[dict[str, Any]] = []
    t_start = time.perf_counter()
    for name in args.dataset_names:
        dataset = load_dataset(DataConfig(name=name))
        for setting in args.settings:
            for seed in range(args.first_seed, args.first_seed + args.seeds):
                row = run_one(dataset, setting, seed, args.steps)
                rows.append(row)
                print(f"  {name:6s} {setting:14s} seed {seed}: {row['modes']}/{row['n_modes']} "
                      f"modes, {100 * row['hq']:5.1f}% HQ, reverse KL {row['reverse_kl']:.3f} "
                      f"({row['seconds']:.0f} s, {row['steps_per_sec']:.0f} steps/s)",
                      file=sys.stderr, flush=True)
                if args.json:
                    with open(args.json, "w", encoding="utf-8") as fh:
                        json.dump(rows, fh, indent=2)
    elapsed = time.perf_counter() - t_start
    print(markdown(rows, args.dataset_names, args.settings))
    mean_sps = statistics.fmean(r["steps_per_sec"] for r in rows) if rows else 0.0
    full_runs = len(DATASETS) * len(DEFAULT_SETTINGS) * 5
    full_steps = defaults.train.steps  # the full run uses the configured default steps
    per_run = elapsed / max(len(rows), 1)
    mean_steps = statistics.fmean(r["steps"] for r in rows) if rows else steps
    overhead = max(per_run - mean_steps / mean_sps, 0.0) if mean_sps else 0.0
    estimate = full_runs * (full_steps / mean_sps + overhead) if mean_sps else float("nan")
    print(f"\n{len(rows)} runs in {elapsed:.0f} s ({mean_sps:.0f} steps/s mean). The full "
          f"benchmark ({full_runs} runs of {full_steps:,} steps) would take about "
          f"{estimate / 3600:.1f} h here, estimated from this run's mean speed (settings differ: "
          f"wgan-gp and r1 take extra gradients, wgan takes 5 critic steps).")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(rows, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
