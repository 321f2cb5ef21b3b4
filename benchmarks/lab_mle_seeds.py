"""The `mle-vs-gan` theory lab over several seeds: is maximum likelihood the lower forward KL
within each family on every seed, and how much do the GANs' fits vary?

Runs the full default lab (`ganstudio lab mle-vs-gan`) once per seed and prints, per seed and
fit, KL(P_data‖P), KL(P‖P_data), JSD (nats) and the modes covered, then for each family
(Gaussian, k-mixture, and the MLP GAN against the maximum-likelihood k-mixture, which is not
one family) the number of seeds on which the maximum-likelihood fit has the lower
KL(P_data‖P). Prints a table; asserts nothing.

    python benchmarks/lab_mle_seeds.py                 # seeds 0..4
    python benchmarks/lab_mle_seeds.py --seeds 0,3     # or a range: --seeds 5-9
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

FITS = ("gaussian", "gan_gaussian", "mixture_k", "gan_mixture_k", "gan")
FAMILIES = {"gaussian": "Gaussian family (ML vs Gaussian-G GAN)",
            "mixture_k": "k-mixture family (ML vs equal-weight mixture-G GAN)",
            "flexible": "MLP GAN vs ML k-mixture (not one family)"}


def parse_seeds(text: str) -> list[int]:
    """`"0-2,7"` -> `[0, 1, 2, 7]`.

    Args:
        text: Comma-separated seeds or inclusive ranges `a-b`.

    Returns:
        The seeds, in the order given.
    """
    seeds: list[int] = []
    for part in text.split(","):
        first, _, last = part.strip().partition("-")
        seeds.extend(range(int(first), int(last or first) + 1))
    return seeds


def main() -> None:
    """Runs the lab for each seed and prints the table and the counts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0-4",
                        help="seeds: comma-separated, ranges a-b allowed (default 0-4)")
    args = parser.parse_args()
    seeds = parse_seeds(args.seeds)

    from ganstudio.core.lab import run_lab

    print("| seed | fit | KL(P_data‖P) | KL(P‖P_data) | JSD | modes covered | wall s |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    ml_lower = {family: 0 for family in FAMILIES}
    started = time.perf_counter()
    for seed in seeds:
        result = run_lab("mle-vs-gan", seed=seed)
        modes = len(result["data"]["centers"])
        for i, name in enumerate(FITS):
            fit = result["fits"][name]
            wall = f"{result['wall_seconds']:.1f}" if i == 0 else ""
            print(f"| {seed} | {name} | {fit['kl_data_model']:.3f} | "
                  f"{fit['kl_model_data']:.3f} | {fit['jsd']:.3f} | "
                  f"{fit['modes_covered']}/{modes} | {wall} |", flush=True)
        for family in FAMILIES:
            ml_lower[family] += result["summary"][family]["ml_lower_forward_kl"]
    print()
    for family, what in FAMILIES.items():
        print(f"ML has the lower KL(P_data‖P) on {ml_lower[family]} of {len(seeds)} seeds: "
              f"{what}")
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
