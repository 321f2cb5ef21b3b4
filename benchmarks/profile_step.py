"""Where a training step's time goes: TensorFlow's profiler on the engine's real step, by op type.

Prints numbers; asserts nothing. Builds the case's default `TrainingSession` (as
benchmarks/throughput.py: ring8 mlp, digits 8x8 dcgan, digits resized to 28x28 dcgan; no
histograms or samples while training, as `ganstudio train`, so `train_step` runs with only the
scalars' bookkeeping around it), warms it up, then traces `--steps` steps with
`tf.profiler` and sums the host op events of the trace by op type. The table gives each type's
share of the summed op time (ops of one step overlap on several threads, so the sum can exceed
the wall time). The matmul and convolution kernels hold all of the step's analytic FLOPs
(benchmarks/vs_pytorch.py's count: dense and convolution layers, forward and backward): with
their share s of the op time, the step spends about s of its wall time in them, so they run
at (FLOPs / wall) / s, beside the measured float32 matmul peak (both cores). The FLOP rate of
the step is then the kernels' own rate times s: what bounds it below the peak is the product
of the two.

    python benchmarks/profile_step.py                      # 28x28, 10 steps
    python benchmarks/profile_step.py --case ring8 --steps 200 --precision mixed_bfloat16
"""

from __future__ import annotations

import argparse
import collections
import glob
import os
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# op types whose work is the analytic FLOPs (the rest is memory-bound bookkeeping)
COMPUTE = ("MatMul", "BatchMatMul", "Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter",
           "_FusedConv2D", "_FusedMatMul", "_MklMatMul", "_MklConv2D", "_MklFusedMatMul",
           "_MklNativeConv2D", "_MklNativeConv2DBackpropInput", "_MklNativeConv2DBackpropFilter",
           "_MklNativeFusedConv2D", "_MklNativeFusedMatMul", "_MklConv2DBackpropInput",
           "_MklConv2DBackpropFilter", "_MklNativeConv2DBackpropFilterWithBias",
           "_MklConv2DBackpropFilterWithBias", "_MklFusedConv2D")
# events that hold other ops (the executor's), not ops themselves
CONTAINERS = ("Process",)


def op_times(logdir: str) -> collections.Counter:
    """Summed durations (seconds) of the host op events in the trace under `logdir`, by type."""
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    totals: collections.Counter = collections.Counter()
    for path in glob.glob(os.path.join(logdir, "**", "*.xplane.pb"), recursive=True):
        space = xplane_pb2.XSpace()
        with open(path, "rb") as fh:
            space.ParseFromString(fh.read())
        for plane in space.planes:
            if not plane.name.startswith("/host:CPU"):
                continue
            names = {k: m.name for k, m in plane.event_metadata.items()}
            for line in plane.lines:
                if "TraceMe" in line.name or "python" in line.name.lower():
                    continue
                for event in line.events:
                    name = names.get(event.metadata_id, "")
                    if ":" not in name:  # TF ops are "name:Type"; other events are not ops
                        continue
                    kind = name.rsplit(":", 1)[1]
                    if kind in CONTAINERS:
                        continue
                    totals[kind] += event.duration_ps * 1e-12
    return totals


def main() -> None:
    """Profiles one case and prints the breakdown."""
    from throughput import CASES
    from vs_pytorch import forward_flops, matmul_peak

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", default="28x28", choices=list(CASES))
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--precision", default="float32")
    parser.add_argument("--top", type=int, default=14)
    args = parser.parse_args()

    import tensorflow as tf

    from ganstudio.config import RunConfig
    from ganstudio.core.session import TrainingSession

    cfg = RunConfig().with_changes(**CASES[args.case], train={
        "steps": 10**7, "checkpoint_every": 0, "eval_every": 0, "precision": args.precision})
    session = TrainingSession(cfg, scalar_hz=0, image_hz=0)
    session.prepare()
    session.run(steps=3)
    recipe = session.recipe
    batch = cfg.train.batch
    f_g = forward_flops(recipe.generator, batch)
    f_d = forward_flops(recipe.discriminator, batch // max(1, cfg.net.pack))
    step_flops = 4 * f_g + 11 * f_d  # as benchmarks/vs_pytorch.py counts a step
    peak = matmul_peak()
    logdir = tempfile.mkdtemp(prefix="ganstudio-profile-")
    tf.profiler.experimental.start(logdir)
    t0 = time.perf_counter()
    session.run(steps=args.steps)
    wall = time.perf_counter() - t0
    tf.profiler.experimental.stop()
    totals = op_times(logdir)
    op_total = sum(totals.values())
    compute = sum(t for name, t in totals.items() if name in COMPUTE)
    flops = step_flops * args.steps
    print(f"{args.case} ({session.net_config.name}, batch {batch}, {args.precision}): "
          f"{args.steps} steps in {wall:.2f} s ({args.steps / wall:.2f} steps/s); analytic "
          f"{step_flops / 1e9:.1f} GFLOP a step -> {flops / wall / 1e9:.0f} GFLOP/s of wall "
          f"time; float32 matmul peak {peak:.0f} GFLOP/s")
    share = compute / max(op_total, 1e-9)
    kernels = flops / wall / max(share, 1e-9) / 1e9
    print(f"summed op time {op_total:.2f} s ({op_total / wall:.2f}x the wall time); matmul and "
          f"convolution kernels {compute:.2f} s = {100 * share:.0f}% of it, so they run the "
          f"FLOPs at about {kernels:.0f} GFLOP/s ({100 * kernels / peak:.0f}% of the peak); the "
          f"step: {100 * flops / wall / 1e9 / peak:.0f}% of the peak = "
          f"{100 * kernels / peak:.0f}% x {100 * share:.0f}%\n")
    print("| op type | seconds | share of op time |")
    print("|---|---:|---:|")
    for name, seconds in totals.most_common(args.top):
        print(f"| {name} | {seconds:.3f} | {100 * seconds / op_total:.1f}% |")


if __name__ == "__main__":
    main()
