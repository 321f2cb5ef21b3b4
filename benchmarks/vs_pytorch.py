"""The engine against a bare Keras loop and a plain PyTorch loop on the same nets and losses.

Prints numbers; asserts nothing. For each case (the engine's defaults for the data: ring8 mlp,
digits 8x8 dcgan, digits resized to 28x28 dcgan) three runners train the same architecture
with the same game (non-saturating loss, R1 on real data, EMA of G, PacGAN packing 2,
spectral norm in the dcgan D, batch norm in the dcgan G, Adam β = (0.5, 0.999), batch 512):

    A  engine   `TrainingSession.run` as the CLI runs it: `fit` with the telemetry callback,
                live views at their normal rates (scalars 10 Hz, histograms and samples 2 Hz,
                at most 2% of the time), steps per call left to auto (measured, then traced,
                before timing); checkpoints and quality evaluations off.
    B  keras    the same Keras models built by the engine, one hand-written `tf.function` step
                (D update with R1 from the loss's own forward, G update, EMA), no `fit`, no
                callbacks, the engine's tf.data pipeline and optimizers (Adam in one kernel
                per variable, `core.optimizers.FusedAdam`), as the engine's own step.
    C  pytorch  the same layers in `torch.nn` (trainable parameter counts checked equal), a
                plain loop (`autograd.grad(create_graph=True)` for R1, D frozen in G's update),
                `torch.optim.Adam` as it comes (a loop over the parameters on a CPU;
                `--torch-adam fused` gives it PyTorch's one kernel per parameter instead).

Blocks run A B C A B C ... (`--rounds` of each, the same number of steps per block, whole
calls of the engine's k); a block's rate is timed from the end of its first step (the engine's
first call) to the end of its last, so set-up is excluded.
The table gives the medians and the medians of the per-round ratios (engine/keras,
engine/pytorch) with the lowest and highest round's ratio, which show how much the machine
moved during the run. FLOPs are analytic (dense and convolution layers only, 2 per
multiply-add): F_G and F_D are one forward of G on a batch and of D on its packed batch; a
step counts 4·F_G + 11·F_D (D update: G forward, D forward + backward on real and fake, R1's
input gradient and its backward ≈ 3 passes of D; G update: G forward + backward, D forward +
input backward).
The peak is a 2048² float32 matmul in TensorFlow, measured in the same run.

For the mlp (ring8), whose FLOPs are all dense products, the run then times each product's
forward shape alone ([rows, in] x [in, out]; calls of 8 and of 64 different inputs, whose
difference leaves out a call's own cost) in TensorFlow and in PyTorch, and prints each
framework's kernel bound: the steps/s of a step that were nothing but its products at those
rates, and the share of it each runner reaches. What one framework's kernels do at these small
shapes bounds the ratio between the two more than any loop does.

PyTorch is optional (`pip install -e ".[bench]"`); without it the script runs A and B and
says so. XLA is off (as the engine on CPU). Each case runs in its own process, as `ganstudio
train` does: TensorFlow fixes its threads per operation once per process, and the engine picks
them for its nets (`core.distribute.kernel_threads`: one for the mlp on a CPU, TensorFlow's
default for the dcgan); the bare Keras loop runs in that process, with the same threads.

    python benchmarks/vs_pytorch.py                     # all three cases, ~4 minutes on 2 cores
    python benchmarks/vs_pytorch.py --cases ring8 --rounds 7 --block-seconds 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

CASES = {
    "ring8": {"data": {"name": "ring8"}},
    "digits": {"data": {"name": "digits"}},
    "28x28": {"data": {"name": "digits", "image_size": 28}},
}
TORCH_ADAM = {"default": {}, "foreach": {"foreach": True}, "fused": {"fused": True}}
WARMUP = 5  # steps per runner before timing (tracing included), then a calibration
MIN_STEPS = 8  # steps per timed block at least (the first one is not timed)


def have_torch() -> bool:
    """Whether torch is installed, without importing it: TensorFlow must be imported first
    (torch first, then TensorFlow, crashed with a segmentation fault in one process)."""
    import importlib.util

    return importlib.util.find_spec("torch") is not None


# -- analytic FLOPs --------------------------------------------------------------------------------


def forward_flops(model, batch: int) -> int:
    """2 · multiply-adds of the dense and convolution layers of one forward on `batch` inputs."""
    import keras

    layers = list(model._flatten_layers(include_self=False, recursive=True))
    spectral = keras.layers.SpectralNormalization
    wrapped = {id(layer.layer) for layer in layers if isinstance(layer, spectral)}
    total = 0
    for layer in layers:
        if id(layer) in wrapped:
            continue  # counted through its spectral-norm wrapper, which has the shapes
        core = layer.layer if isinstance(layer, spectral) else layer
        if isinstance(core, keras.layers.Dense):
            k = core.kernel.shape
            total += 2 * k[0] * k[1] * batch
        elif isinstance(core, keras.layers.Conv2DTranspose):
            kh, kw, cout, cin = core.kernel.shape
            h, w = layer.input.shape[1:3]
            total += 2 * kh * kw * cin * cout * h * w * batch
        elif isinstance(core, keras.layers.Conv2D):
            kh, kw, cin, cout = core.kernel.shape
            h, w = layer.output.shape[1:3]
            total += 2 * kh * kw * cin * cout * h * w * batch
    return int(total)


def matmul_peak(seconds: float = 2.0, n: int = 2048) -> float:
    """float32 GFLOP/s of a square matmul in TensorFlow (best of a few timed runs)."""
    import tensorflow as tf

    a = tf.random.normal((n, n))
    b = tf.random.normal((n, n))
    f = tf.function(lambda a, b: tf.matmul(a, b))
    f(a, b).numpy()
    best = 0.0
    t_end = time.perf_counter() + seconds
    while time.perf_counter() < t_end:
        t0 = time.perf_counter()
        for _ in range(5):
            out = f(a, b)
        out.numpy()
        best = max(best, 5 * 2 * n**3 / (time.perf_counter() - t0) / 1e9)
    return best


def dense_shapes(model, batch: int) -> list[tuple[int, int, int]]:
    """(rows, inputs, outputs) of each dense layer's product in one forward on `batch` inputs."""
    import keras

    shapes = []
    for layer in model._flatten_layers(include_self=False, recursive=True):
        if isinstance(layer, keras.layers.Dense):
            k = layer.kernel.shape
            shapes.append((batch, int(k[0]), int(k[1])))
    return shapes


def kernel_bound(g_shapes, d_shapes, rates: dict) -> float:
    """Steps/s if a step were only its dense products at `rates` (GFLOP/s by shape): 4 passes
    of each G layer and 11 of each D layer (the FLOP count's passes), each timed as its
    forward product."""
    seconds = sum(4 * 2 * m * k * n / (rates[(m, k, n)] * 1e9) for m, k, n in g_shapes)
    seconds += sum(11 * 2 * m * k * n / (rates[(m, k, n)] * 1e9) for m, k, n in d_shapes)
    return 1.0 / seconds


def marginal_rate(best_seconds, flops: int, copies: int = 8, more: int = 8) -> float:
    """GFLOP/s of one product of `flops` from the best times of calls of `copies` products and
    of `more` times as many: their difference leaves out what a call costs once (a
    `tf.function` call, the wait for its result), which at the thin shapes outweighs the
    products of eight copies (a TensorFlow call returning eight products costs ~0.3 ms here).

    Args:
        best_seconds: Maps a number of products to the best seconds of a call making them.
        flops: 2 · multiply-adds of one product.
        copies: Products in the smaller call.
        more: How many times as many the larger call makes.
    """
    few, many = best_seconds(copies), best_seconds(copies * more)
    return (more - 1) * copies * flops / max(many - few, 1e-9) / 1e9


def tf_matmul_rate(m: int, k: int, n: int, seconds: float = 1.0) -> float:
    """float32 GFLOP/s of TensorFlow's [m, k] x [k, n] product inside a graph (`marginal_rate`;
    each call multiplies different inputs, so that no two products are the same op)."""
    import tensorflow as tf

    def best_seconds(copies: int) -> float:
        xs = [tf.random.normal((m, k)) for _ in range(copies)]
        w = tf.random.normal((k, n))
        f = tf.function(lambda xs, w: [tf.matmul(x, w) for x in xs])
        f(xs, w)[0].numpy()
        best = float("inf")
        t_end = time.perf_counter() + seconds
        while time.perf_counter() < t_end:
            t0 = time.perf_counter()
            f(xs, w)[-1].numpy()
            best = min(best, time.perf_counter() - t0)
        return best

    return marginal_rate(best_seconds, 2 * m * k * n)


# -- A: the engine ---------------------------------------------------------------------------------


class EngineRunner:
    """`TrainingSession.run(steps=n)`; rates from the telemetry callback's own batch ends.

    `train.steps_per_execution` is left to auto, as in a CLI run: `warm` runs the steps its
    measurement takes and, when it chose k > 1 steps a call, the first calls of k (tracing
    them), so that the timed blocks run as the bulk of a long run does.
    """

    name = "engine"

    def __init__(self, case: str) -> None:
        import ganstudio.core.callbacks as callbacks
        from ganstudio.config import RunConfig
        from ganstudio.core.session import TrainingSession

        marks: list[tuple[float, int]] = []
        self.marks = marks
        base = callbacks.TelemetryCallback

        class Timed(base):
            def on_train_batch_end(self, batch, logs=None):
                super().on_train_batch_end(batch, logs)
                marks.append((time.perf_counter(), self.session.step))

        callbacks.TelemetryCallback = Timed  # session.run imports it at call time
        train = {"steps": 10_000_000, "checkpoint_every": 0, "eval_every": 0, "jit": "off"}
        self.config = RunConfig().with_changes(**CASES[case], train=train)
        self.session = TrainingSession(self.config, own_process=True)  # threads as the CLI's
        self.session.prepare()

    def warm(self) -> int:
        """Runs auto's measurement (and traces its calls of k); returns k (1: one a call)."""
        from ganstudio.core.callbacks import AUTO_TUNE_CALLS

        self.session.run(steps=AUTO_TUNE_CALLS + 2)
        k = self.session.auto_per_call or 1
        if k > 1:
            self.session.run(steps=3 * k)
        return k

    def block(self, steps: int) -> float:
        self.marks.clear()
        self.session.run(steps=steps)
        (t0, s0), (t1, s1) = self.marks[0], self.marks[-1]
        return (s1 - s0) / (t1 - t0)


# -- B: a bare Keras loop --------------------------------------------------------------------------


class KerasRunner:
    """The engine's Keras models and optimizers, one plain `tf.function` step."""

    name = "keras"

    def __init__(self, config) -> None:
        import keras
        import tensorflow as tf
        from keras import ops

        from ganstudio.core.session import TrainingSession

        session = TrainingSession(config)
        session.prepare()
        recipe = session.recipe
        g, d = recipe.generator, recipe.discriminator
        ema = recipe.ema_generator
        decay = recipe.ema_decay
        pack = recipe.packer
        gamma = config.objective.r1_gamma
        latent = recipe.latent_dim
        opt_d, opt_g = recipe.d_optimizer, recipe.g_optimizer
        seed = keras.random.SeedGenerator(config.train.seed)
        self.g, self.d = g, d

        @tf.function(jit_compile=False)
        def step(real):
            n = ops.shape(real)[0]
            fake = g(keras.random.normal((n, latent), seed=seed), training=True)
            with tf.GradientTape() as tape:
                with tf.GradientTape() as inner:
                    inner.watch(real)
                    real_logits = d(pack(real), training=True)
                    real_sum = ops.sum(real_logits)
                fake_logits = d(pack(fake), training=True)
                grad = inner.gradient(real_sum, real)
                r1 = 0.5 * gamma * ops.mean(ops.sum(ops.square(grad),
                                                    axis=list(range(1, len(real.shape)))))
                d_loss = (ops.mean(ops.softplus(-real_logits))
                          + ops.mean(ops.softplus(fake_logits)) + r1)
            grads = tape.gradient(d_loss, d.trainable_variables)
            opt_d.apply(grads, d.trainable_variables)
            with tf.GradientTape() as tape:
                fake_logits = d(pack(g(keras.random.normal((n, latent), seed=seed),
                                       training=True)), training=True)
                g_loss = ops.mean(ops.softplus(-fake_logits))
            grads = tape.gradient(g_loss, g.trainable_variables)
            opt_g.apply(grads, g.trainable_variables)
            if ema is not None:
                for avg, w in zip(ema.variables, g.variables, strict=True):
                    avg.assign(decay * avg + (1.0 - decay) * w)
            return d_loss, g_loss

        self.step = step
        self.batches = iter(session.pipeline)

    def block(self, steps: int) -> float:
        t0 = None
        for i in range(steps):
            out = self.step(next(self.batches)["x"])
            if i == 0:
                out[0].numpy()
                t0 = time.perf_counter()
        out[0].numpy()
        return (steps - 1) / (time.perf_counter() - t0)


# -- C: a plain PyTorch loop ---------------------------------------------------------------------


def _filters_at(filters: int, level: int) -> int:
    return filters * min(2**level, 8)  # as ganstudio.core.nets.conv (not imported: it loads TF)


def _plan(size: int) -> tuple[int, int]:
    start, n = size, 0  # as ganstudio.core.nets.conv.plan_resolutions
    while start % 2 == 0 and start > 7:
        start //= 2
        n += 1
    return start, n


def torch_nets(data_shape, latent: int, net: dict):
    """G and D in torch.nn, layer for layer as the engine's default mlp or dcgan (NCHW)."""
    from torch import nn
    from torch.nn.utils.parametrizations import spectral_norm

    m = net["pack"]
    if net["name"] == "mlp":
        act = {"relu": nn.ReLU, "leaky_relu": lambda: nn.LeakyReLU(0.2)}[net["activation"]]
        assert net["g_norm"] == "none" and net["d_norm"] == "none", "only the default mlp"
        g_layers, d_layers, width = [], [], net["width"]
        for i in range(net["depth"]):
            g_layers += [nn.Linear(latent if i == 0 else width, width), act()]
            d_layers += [nn.Linear(data_shape[0] * m if i == 0 else width, width), act()]
        g = nn.Sequential(*g_layers, nn.Linear(width, data_shape[0]))
        d = nn.Sequential(*d_layers, nn.Linear(width, 1))
        return g, d
    assert net["g_norm"] == "batch" and net["d_norm"] == "spectral", "only the default dcgan"
    size, _, channels = data_shape
    start, n = _plan(size)
    f = net["filters"]
    top = _filters_at(f, n)
    g_layers = [nn.Linear(latent, start * start * top, bias=False),
                nn.Unflatten(1, (top, start, start)), nn.BatchNorm2d(top, 1e-3, 0.1), nn.ReLU()]
    cin = top
    for level in range(n - 1, -1, -1):
        cout = _filters_at(f, level)
        g_layers += [nn.ConvTranspose2d(cin, cout, 4, 2, 1, bias=False),
                     nn.BatchNorm2d(cout, 1e-3, 0.1), nn.ReLU()]
        cin = cout
    g_layers += [nn.Conv2d(cin, channels, 3, padding=1), nn.Tanh()]
    d_layers, cin = [], channels * m
    for level in range(n):
        cout = _filters_at(f, level)
        d_layers += [spectral_norm(nn.Conv2d(cin, cout, 4, 2, 1)), nn.LeakyReLU(0.2)]
        cin = cout
    d_layers += [spectral_norm(nn.Conv2d(cin, top, 3, padding=1)), nn.LeakyReLU(0.2),
                 nn.Flatten(), spectral_norm(nn.Linear(start * start * top, 1))]
    return nn.Sequential(*g_layers), nn.Sequential(*d_layers)


def torch_matmul_rate(torch, m: int, k: int, n: int, seconds: float = 1.0) -> float:
    """float32 GFLOP/s of torch's [m, k] x [k, n] product in an eager loop, as
    `tf_matmul_rate` (each product's own dispatch stays in, as in PyTorch's loop)."""

    def best_seconds(copies: int) -> float:
        xs = [torch.randn(m, k) for _ in range(copies)]
        w = torch.randn(k, n)
        best = float("inf")
        t_end = time.perf_counter() + seconds
        with torch.no_grad():
            while time.perf_counter() < t_end:
                t0 = time.perf_counter()
                for x in xs:
                    x @ w
                best = min(best, time.perf_counter() - t0)
        return best

    return marginal_rate(best_seconds, 2 * m * k * n)


def torch_worker(conn, spec: dict) -> None:
    """The PyTorch loop, in its own process (no TensorFlow in it): builds the nets, sends their
    trainable parameter counts, then runs a block of n steps per request and sends its rate."""
    import copy

    import numpy as np
    import torch
    import torch.nn.functional as F

    torch.manual_seed(spec["seed"])
    x = np.asarray(spec["x"], np.float32)
    if x.ndim == 4:
        x = x.transpose(0, 3, 1, 2)  # NHWC -> NCHW
    data = torch.from_numpy(np.ascontiguousarray(x))
    latent, net, obj, batch = spec["latent"], spec["net"], spec["objective"], spec["batch"]
    g, d = torch_nets(spec["shape"], latent, net)
    g.train()
    d.train()
    ema = copy.deepcopy(g)
    for p in ema.parameters():
        p.requires_grad_(False)
    betas = (obj["beta1"], obj["beta2"])
    impl = TORCH_ADAM[spec["adam"]]
    opt_d = torch.optim.Adam(d.parameters(), lr=obj["lr_d"], betas=betas, **impl)
    opt_g = torch.optim.Adam(g.parameters(), lr=obj["lr_g"], betas=betas, **impl)
    gamma, decay, m = obj["r1_gamma"], obj["ema"], net["pack"]
    ema_t = [t for t in list(ema.parameters()) + list(ema.buffers()) if t.is_floating_point()]
    g_t = [t for t in list(g.parameters()) + list(g.buffers()) if t.is_floating_point()]
    d_params = list(d.parameters())

    def packed(v):
        return v.reshape(v.shape[0] // m, -1, *v.shape[2:])

    def step():
        real = data[torch.randint(len(data), (batch,))].requires_grad_(True)
        with torch.no_grad():
            fake = g(torch.randn(batch, latent))
        real_logits = d(packed(real))
        fake_logits = d(packed(fake))
        (grad,) = torch.autograd.grad(real_logits.sum(), real, create_graph=True)
        r1 = 0.5 * gamma * grad.square().flatten(1).sum(1).mean()
        d_loss = F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean() + r1
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_d.step()
        for p in d_params:
            p.requires_grad_(False)
        g_loss = F.softplus(-d(packed(g(torch.randn(batch, latent))))).mean()
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        opt_g.step()
        for p in d_params:
            p.requires_grad_(True)
        with torch.no_grad():
            torch._foreach_lerp_(ema_t, g_t, 1.0 - decay)

    conn.send({"G": sum(p.numel() for p in g.parameters()),
               "D": sum(p.numel() for p in d.parameters()),
               "version": torch.__version__, "threads": torch.get_num_threads()})
    while (steps := conn.recv()) is not None:
        if isinstance(steps, list):  # dense product shapes: their rates in GFLOP/s
            conn.send([torch_matmul_rate(torch, *shape) for shape in steps])
            continue
        t0 = None
        for i in range(steps):
            step()
            if i == 0:
                t0 = time.perf_counter()
        conn.send((steps - 1) / (time.perf_counter() - t0))


class TorchRunner:
    """The same nets, losses, R1, EMA and Adam in a plain PyTorch loop, in a child process
    (TensorFlow and torch in one process crashed: triton's import after TensorFlow's)."""

    name = "pytorch"

    def __init__(self, config, session, adam: str = "default") -> None:
        import multiprocessing as mp

        recipe = session.recipe
        obj = config.objective
        spec = {"x": recipe.training_arrays()["x"], "shape": tuple(session.dataset.shape),
                "latent": recipe.latent_dim, "net": dict(vars(recipe.net_config)),
                "objective": {k: getattr(obj, k) for k in
                              ("lr_d", "lr_g", "beta1", "beta2", "r1_gamma", "ema")},
                "batch": config.train.batch, "seed": config.train.seed, "adam": adam}
        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=torch_worker, args=(child, spec), daemon=True)
        self.process.start()
        self.info = self.conn.recv()

    def block(self, steps: int) -> float:
        self.conn.send(steps)
        return self.conn.recv()

    def matmul_rates(self, shapes: list) -> list[float]:
        self.conn.send([list(shape) for shape in shapes])
        return self.conn.recv()

    def close(self) -> None:
        self.conn.send(None)
        self.process.join(timeout=30)


def trainable(keras_model) -> int:
    return int(sum(int(v.numpy().size) for v in keras_model.trainable_variables))


# -- the run -----------------------------------------------------------------------------------------


def run_case(case: str, rounds: int, block_seconds: float, use_torch: bool,
             torch_adam: str = "default") -> dict:
    engine = EngineRunner(case)
    keras_runner = KerasRunner(engine.config)
    runners = [engine, keras_runner]
    recipe = engine.session.recipe
    counts = {"G": trainable(recipe.generator), "D": trainable(recipe.discriminator)}
    if use_torch:
        torch_runner = TorchRunner(engine.config, engine.session, torch_adam)
        t_counts = {k: torch_runner.info[k] for k in ("G", "D")}
        if t_counts != counts:
            raise SystemExit(f"{case}: trainable parameters differ: keras {counts}, "
                             f"torch {t_counts}")
        runners.append(torch_runner)
        print(f"  {case}: PyTorch {torch_runner.info['version']} in a child process, "
                  f"{torch_runner.info['threads']} threads", flush=True)
    batch = engine.config.train.batch
    m = recipe.net_config.pack
    f_g = forward_flops(recipe.generator, batch)
    f_d = forward_flops(recipe.discriminator, batch // m)
    flops = 4 * f_g + 11 * f_d
    for r in runners:  # trace, compile and warm up
        r.block(WARMUP)
    per_call = engine.warm()
    rate = keras_runner.block(WARMUP)
    steps = max(MIN_STEPS, int(block_seconds * rate))
    steps = -(-steps // per_call) * per_call  # whole calls of the engine's k steps
    print(f"  {case}: engine steps per call (auto) {per_call}, {steps} steps a block",
          flush=True)
    rates: dict[str, list[float]] = {r.name: [] for r in runners}
    for i in range(rounds):
        for r in runners:
            rates[r.name].append(r.block(steps))
        print(f"  {case} round {i + 1}/{rounds}: "
              + "  ".join(f"{k} {v[-1]:.1f}" for k, v in rates.items()), flush=True)
    kernels = None
    if recipe.net_config.name == "mlp":  # all of its FLOPs are dense products
        g_shapes = dense_shapes(recipe.generator, batch)
        d_shapes = dense_shapes(recipe.discriminator, batch // m)
        shapes = sorted(set(g_shapes + d_shapes))
        kernels = {"keras": dict(zip(shapes, [tf_matmul_rate(*s) for s in shapes],
                                     strict=True))}
        if use_torch:
            kernels["pytorch"] = dict(zip(shapes, torch_runner.matmul_rates(shapes),
                                          strict=True))
        kernels = {k: {"rates": v, "bound": kernel_bound(g_shapes, d_shapes, v)}
                   for k, v in kernels.items()}
    for r in runners:
        if hasattr(r, "close"):
            r.close()
    per_round = {f"engine/{k}": [a / b for a, b in zip(rates["engine"], v, strict=True)]
                 for k, v in rates.items() if k != "engine"}
    return {"case": case, "net": recipe.net_config.name, "counts": counts, "flops": flops,
            "f_g": f_g, "f_d": f_d, "steps": steps,
            "median": {k: statistics.median(v) for k, v in rates.items()},
            "ratios": {k: statistics.median(v) for k, v in per_round.items()},
            "ratio_range": {k: [min(v), max(v)] for k, v in per_round.items()},
            "kernels": kernels}


CHILD_MARK = "vs_pytorch result: "


def case_in_child(case: str, args: argparse.Namespace) -> dict:
    """`run_case` in a fresh process, as `ganstudio train` runs: TensorFlow fixes its threads
    per operation once per process, and the engine picks them for the case's nets
    (`core.distribute.kernel_threads`); the bare Keras loop runs in the same process."""
    import json
    import subprocess

    cmd = [sys.executable, os.path.abspath(__file__), "--child", "--cases", case,
           "--rounds", str(args.rounds), "--block-seconds", str(args.block_seconds),
           "--torch-adam", args.torch_adam]
    if args.no_torch:
        cmd.append("--no-torch")
    result = None
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True) as child:
        for line in child.stdout:
            if line.startswith(CHILD_MARK):
                result = json.loads(line[len(CHILD_MARK):])
            else:
                print(line, end="", flush=True)
    if result is None:
        raise SystemExit(f"{case}: the child process ended without a result "
                         f"(exit status {child.returncode})")
    if result["kernels"]:
        for k in result["kernels"].values():
            k["rates"] = {tuple(shape): rate for shape, rate in k["rates"]}
    return result


def ratio_cell(result: dict, key: str) -> str:
    """A ratio's median over the rounds with its lowest and highest round: `1.45 (1.30-1.60)`."""
    low, high = result["ratio_range"][key]
    return f"{result['ratios'][key]:.2f} ({low:.2f}–{high:.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="*", choices=list(CASES), default=list(CASES))
    parser.add_argument("--rounds", type=int, default=5, help="A B C rounds per case")
    parser.add_argument("--block-seconds", type=float, default=2.5,
                        help="about how long one block runs (steps fixed from a calibration)")
    parser.add_argument("--no-torch", action="store_true", help="skip PyTorch even if installed")
    parser.add_argument("--torch-adam", choices=list(TORCH_ADAM), default="default",
                        help="PyTorch's Adam: its default (a loop over the parameters on a "
                             "CPU), foreach (multi-tensor) or fused (one kernel per parameter, "
                             "as the engine's FusedAdam)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:  # one case, in the fresh process `case_in_child` started
        import json

        import tensorflow as tf

        result = run_case(args.cases[0], args.rounds, args.block_seconds,
                          not args.no_torch and have_torch(), args.torch_adam)
        print(f"  {args.cases[0]}: TF threads per operation "
              f"{tf.config.threading.get_intra_op_parallelism_threads() or 'default'}")
        if result["kernels"]:
            for k in result["kernels"].values():
                k["rates"] = [[list(shape), rate] for shape, rate in k["rates"].items()]
        print(CHILD_MARK + json.dumps(result), flush=True)
        return
    use_torch = not args.no_torch and have_torch()
    if not use_torch and not args.no_torch:
        print("PyTorch is not installed: running the engine and the bare Keras loop only "
              "(pip install -e '.[bench]' for the PyTorch column).")
    import tensorflow as tf

    print(f"TensorFlow {tf.__version__}; {os.cpu_count()} CPUs; each case in its own process")
    if use_torch:
        print(f"PyTorch's Adam: {args.torch_adam} (--torch-adam)")
    peak = matmul_peak()
    print(f"TF float32 matmul peak (2048²): {peak:.0f} GFLOP/s", flush=True)
    results = [case_in_child(c, args) for c in args.cases]
    cols = ["engine", "keras"] + (["pytorch"] if use_torch else [])
    print(f"\nsteps/s, medians of {args.rounds} alternated blocks; ratios: medians of the "
          "per-round ratios (their lowest and highest in brackets)")
    head = ("| case | net | G params | D params | GFLOP/step | steps/block | "
            + " | ".join(cols) + " | engine/keras |" + (" engine/pytorch |" if use_torch else "")
            + " engine GFLOP/s | % of peak |")
    print(head)
    print("|---|---|" + "---:|" * (head.count("|") - 3))
    for r in results:
        med = r["median"]
        gflops = r["flops"] / 1e9
        row = (f"| {r['case']} | {r['net']} | {r['counts']['G']:,} | {r['counts']['D']:,} | "
               f"{gflops:.3g} | {r['steps']} | "
               + " | ".join(f"{med[c]:.1f}" for c in cols)
               + f" | {ratio_cell(r, 'engine/keras')} |"
               + (f" {ratio_cell(r, 'engine/pytorch')} |" if use_torch else "")
               + f" {gflops * med['engine']:.1f} | {100 * gflops * med['engine'] / peak:.0f}% |")
        print(row, flush=True)
    kernel_rows = [r for r in results if r["kernels"]]
    if kernel_rows:
        print("\nthe dense products alone (float32 GFLOP/s of each forward shape, rows x in x out; "
              "bound: steps/s of a step that were only its products, 4 passes of G and 11 of D; "
              "share: the runner's steps/s over its framework's bound)")
        print("| case | runner | GFLOP/s by shape | kernel bound, steps/s | share |")
        print("|---|---|---|---:|---:|")
        for r in kernel_rows:
            for name, k in r["kernels"].items():
                runner = "engine" if name == "keras" else name
                rates = ", ".join(f"{'×'.join(map(str, s))}: {v:.0f}"
                                  for s, v in k["rates"].items())
                print(f"| {r['case']} | {runner} | {rates} | {k['bound']:.1f} | "
                      f"{100 * r['median'][runner] / k['bound']:.0f}% |")


if __name__ == "__main__":
    main()
    # One full run (three cases, PyTorch child processes) hung in native code at interpreter
    # shutdown after printing everything; nothing is left to clean up here.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
