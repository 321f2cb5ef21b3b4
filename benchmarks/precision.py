"""Training speed by precision (`train.precision`): float32, mixed_bfloat16, mixed_float16.

Prints numbers; asserts nothing. For each case (the engine's defaults for the data: ring8 mlp,
digits 8x8 dcgan, digits resized to 28x28 dcgan, as in benchmarks/throughput.py) it builds one
real `TrainingSession` per precision (telemetry on at its normal rates, checkpoints and
evaluations off), warms each up (tracing excluded), then runs blocks of about
`--block-seconds` each in turn (float32, bfloat16, float16, float32, ...) for `--rounds`
rounds. float16 runs only with a GPU (the engine refuses it on a CPU, where TensorFlow has no
fast float16 kernels: `core.precision.check_device`). The table gives each precision's median steps/s and the median of its per-round ratio
to float32 (paired, so a slow spell of this shared machine hits both sides of a ratio). The
matmul line is a 2048² product in each dtype, for what the hardware offers.

    python benchmarks/precision.py                              # ~6 minutes on 2 cores
    python benchmarks/precision.py --cases 28x28 --rounds 3 --jit on
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

CASES = {
    "ring8": {"data": {"name": "ring8"}},
    "digits": {"data": {"name": "digits"}},
    "28x28": {"data": {"name": "digits", "image_size": 28}},
}
PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")
WARMUP = 10


def matmul_rate(dtype: str, n: int = 2048, seconds: float = 1.5) -> float:
    """GFLOP/s of an n x n matmul in `dtype`."""
    import tensorflow as tf

    a = tf.cast(tf.random.normal((n, n)), dtype)
    b = tf.cast(tf.random.normal((n, n)), dtype)
    product = tf.function(tf.linalg.matmul)
    product(a, b).numpy()
    count, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        out = product(a, b)
        count += 1
    out.numpy()
    return 2 * n**3 * count / (time.perf_counter() - t0) / 1e9


class Runner:
    """One case at one precision: a prepared, warmed-up session that runs timed blocks."""

    def __init__(self, case: str, precision: str, jit: str) -> None:
        from ganstudio.config import RunConfig
        from ganstudio.core.session import TrainingSession

        cfg = RunConfig().with_changes(**CASES[case], train={
            "precision": precision, "jit": jit, "steps": 10**7, "checkpoint_every": 0,
            "eval_every": 0})
        self.precision = precision
        self.session = TrainingSession(cfg)
        self.session.prepare()
        self.session.run(steps=WARMUP)
        t0 = time.perf_counter()
        self.session.run(steps=WARMUP)
        self.per_step = (time.perf_counter() - t0) / WARMUP
        self.net = self.session.net_config.name

    def block(self, seconds: float) -> float:
        """Runs about `seconds` of steps; returns steps/s."""
        steps = max(5, int(seconds / max(self.per_step, 1e-4)))
        start, t0 = self.session.step, time.perf_counter()
        self.session.run(steps=steps)
        rate = (self.session.step - start) / (time.perf_counter() - t0)
        self.per_step = 1.0 / rate
        return rate


def run_case(case: str, rounds: int, block_seconds: float, jit: str,
             precisions: tuple[str, ...]) -> list[dict]:
    """The paired blocks of one case; one row per precision."""
    runners = [Runner(case, p, jit) for p in precisions]
    rates: dict[str, list[float]] = {p: [] for p in precisions}
    for _ in range(rounds):
        for runner in runners:
            rates[runner.precision].append(runner.block(block_seconds))
    base = rates[precisions[0]]
    return [{"case": case, "net": runners[0].net, "precision": p,
             "median": statistics.median(rates[p]),
             "ratio": statistics.median(r / b for r, b in zip(rates[p], base, strict=True))}
            for p in precisions]


def main() -> None:
    """Runs the cases and prints the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="*", choices=list(CASES), help="cases to run")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--block-seconds", type=float, default=6.0)
    parser.add_argument("--jit", default="off", choices=("off", "on"))
    parser.add_argument("--precisions", nargs="*", choices=PRECISIONS, default=list(PRECISIONS))
    args = parser.parse_args()
    precisions = tuple(["float32"] + [p for p in args.precisions if p != "float32"])
    from ganstudio.core.session import device_name

    if device_name().startswith("CPU") and "mixed_float16" in precisions:
        print("no GPU: mixed_float16 left out (refused on a CPU)")
        precisions = tuple(p for p in precisions if p != "mixed_float16")
    print(f"device: {device_name()}; jit {args.jit}; matmul 2048²: " + ", ".join(
        f"{d} {matmul_rate(d):.0f} GFLOP/s" for d in ("float32", "bfloat16", "float16")),
        flush=True)
    print("\n| data | net | precision | steps/s (median) | × float32 (paired median) |")
    print("|---|---|---|---:|---:|")
    for case in args.cases or list(CASES):
        for row in run_case(case, args.rounds, args.block_seconds, args.jit, precisions):
            print(f"| {row['case']} | {row['net']} | {row['precision']} | "
                  f"{row['median']:.1f} | {row['ratio']:.2f} |", flush=True)


if __name__ == "__main__":
    main()
