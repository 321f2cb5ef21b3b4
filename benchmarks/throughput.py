"""Training throughput: steps per second with XLA (jit) on and off, per dataset and net.

Prints a table; asserts nothing. Each row trains a warm-up (compilation excluded) and then
times `--steps` generator updates through the real `TrainingSession` (telemetry on, at its
normal rates), so the numbers are what the CLI and the studio get.

    python benchmarks/throughput.py                 # ring8 mlp, digits dcgan, 28x28 dcgan
    python benchmarks/throughput.py --steps 300 --only digits
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

CASES = {
    "ring8": {"data": {"name": "ring8"}},
    "digits": {"data": {"name": "digits"}},
    # 28x28 data that works offline: the digits resized to MNIST's size
    "28x28": {"data": {"name": "digits", "image_size": 28}},
}


def measure(case: str, jit: str, steps: int, batch: int | None) -> dict:
    """Trains one case and returns steps/s (after warm-up) and the device."""
    from ganstudio.config import RunConfig
    from ganstudio.core.session import TrainingSession

    changes = dict(CASES[case])
    train = {"jit": jit, "steps": steps + 30, "checkpoint_every": 0, "eval_every": 0}
    if batch:
        train["batch"] = batch
    cfg = RunConfig().with_changes(**changes, train=train)
    session = TrainingSession(cfg)
    session.prepare()
    session.run(steps=30)  # compile and warm up
    start = session.step
    t0 = time.perf_counter()
    session.run(steps=steps)
    seconds = time.perf_counter() - t0
    return {"case": case, "jit": jit, "net": session.net_config.name,
            "batch": cfg.train.batch, "steps_per_sec": (session.step - start) / seconds,
            "device": session.device,
            "params_g": session.param_counts["generator"],
            "params_d": session.param_counts["discriminator"]}


def main() -> None:
    """Runs the cases and prints the table and the jit on/off ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=400, help="timed steps per row")
    parser.add_argument("--batch", type=int, help="batch size (default: the config's)")
    parser.add_argument("--only", nargs="*", choices=list(CASES), help="cases to run")
    args = parser.parse_args()
    rows = []
    for case in args.only or list(CASES):
        for jit in ("off", "on"):
            rows.append(measure(case, jit, args.steps, args.batch))
            r = rows[-1]
            print(f"{r['case']:<7} {r['net']:<6} jit {jit:<3}  batch {r['batch']:<4} "
                  f"{r['steps_per_sec']:8.1f} steps/s   ({r['device']})", flush=True)
    print("\n| data | net | G params | D params | batch | jit off steps/s | jit on steps/s "
          "| on/off |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for off, on in zip(rows[::2], rows[1::2], strict=True):
        print(f"| {off['case']} | {off['net']} | {off['params_g']:,} | {off['params_d']:,} | "
              f"{off['batch']} | {off['steps_per_sec']:.1f} | {on['steps_per_sec']:.1f} | "
              f"{on['steps_per_sec'] / off['steps_per_sec']:.2f} |")


if __name__ == "__main__":
    main()
