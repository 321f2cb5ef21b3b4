"""The unconditional GAN recipe: the seeds' alternating game as a keras.Model.

Each `train_step` runs k discriminator updates (each on its own minibatch) and then one
generator update, the algorithm of seed 003 ("fix G, train D; fix D, train G").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from ganstudio.core import replicas
from ganstudio.core.data.base import IMAGES, POINTS, Dataset
from ganstudio.core.distribute import critic_chains
from ganstudio.core.line1d import LINE_SAMPLES, LineProbe
from ganstudio.core.nets.blocks import Pack
from ganstudio.core.objectives import (
    CRITIC,
    PROBABILITY,
    GameSpec,
    R1Penalty,
    build_game,
)
from ganstudio.core.panels import Histograms, Samples
from ganstudio.core.precision import descend
from ganstudio.core.recipes.base import (
    Evaluator,
    ExportSpec,
    InputSpec,
    Recipe,
    RecipeContext,
    TwoPlayerRecipe,
)

SCALARS = ("d_loss", "g_loss", "value", "d_real", "d_fake", "grad_norm_d", "grad_norm_g")
FIELD_RESOLUTION = 64


def seeded_latents(n: int, latent_dim: int, seed: int = 0) -> np.ndarray:
    """The project's latent convention: `default_rng(seed).standard_normal((n, latent))`."""
    return np.random.default_rng(seed).standard_normal((n, latent_dim)).astype(np.float32)


def jsd_scalars(objective, scalars: dict[str, float]) -> dict[str, float]:
    """The JSD lower bound from V for probability discriminators, else the Wasserstein
    estimate (the critic's gap), from a step's `value`."""
    from ganstudio.core.metrics.theory import jsd_lower_bound

    if "value" not in scalars:
        return {}
    if objective.output == PROBABILITY:
        return {"jsd": jsd_lower_bound(scalars["value"])}
    return {"wasserstein": scalars["value"]}


def mean_d(objective, scalars: dict[str, float]) -> float | None:
    """Mean D output over real and fake for the stop rule, for probability discriminators."""
    if objective.output != PROBABILITY:
        return None  # critics have no 0.5 equilibrium: only the metric's plateau counts
    return 0.5 * (scalars.get("d_real", 0.5) + scalars.get("d_fake", 0.5))


def check_packing(batch: int, pack: int) -> None:
    """Refuses a batch that PacGAN packs of `pack` cannot split evenly on every replica.

    Args:
        batch: The global batch (`train.batch`).
        pack: The packing degree m.

    Raises:
        ConfigError: naming the rows each replica would get.
    """
    from ganstudio.errors import ConfigError

    count = tf.distribute.get_strategy().num_replicas_in_sync  # 1 outside a strategy's scope
    if batch % (count * pack):
        where = f" on each of {count} replicas" if count > 1 else ""
        raise ConfigError(f"train.batch: {batch} does not split into packs of net.pack "
                          f"({pack}){where}.",
                          f"Pick a batch size divisible by {count * pack}.")


class LatentEvaluator(Evaluator):
    """The unconditional figures (`metrics.evaluate.LiveEvaluator`) of a z -> x recipe."""

    def __init__(self, dataset: Dataset, latent_dim: int, n: int | None, seed: int,
                 status: Callable[[str], Any] | None = None) -> None:
        from ganstudio.core.metrics.evaluate import LiveEvaluator

        self.live = LiveEvaluator(dataset, n=n, seed=seed, status=status)
        self.latent_dim = latent_dim
        self.main_metric = self.live.main_metric
        self.main_mode = self.live.main_mode
        self.baseline = dict(self.live.baseline)
        self.names = tuple(self.live.names)
        self.better = dict(self.live.better)
        self.n = int(self.live.n)

    def __call__(self, recipe: Recipe) -> dict[str, float]:
        return self.live(lambda z: recipe.generate({"z": z}), self.latent_dim)


class GANRecipe(TwoPlayerRecipe):
    """Generator + discriminator trained adversarially with a custom `train_step`.

    Args:
        generator: z [N, latent] -> example in the network's range.
        discriminator: (packed) example -> one logit / critic value.
        game: The objective with its constraints and penalties.
        latent_dim: Size of z.
        batch: Examples per player update (the pipeline yields `d_steps * batch`).
        d_steps: k, discriminator updates per generator update.
        pack: PacGAN packing degree m (`batch` must be a multiple of it).
        ema: Decay of a moving average of G's weights (0: off) used for samples and export.
        seed: Seeds the recipe's `keras.random.SeedGenerator`.

    The snapshot holds `SCALARS` every step, and from `views` D's outputs on a fixed real and
    fake batch and samples from a fixed z; the export is the generator (its EMA if enabled).
    """

    family = "gan"
    scalar_keys = SCALARS
    replica_shares = ("d_loss", "g_loss", "value")
    watched_scalars = ("d_loss", "g_loss", "grad_norm_d", "grad_norm_g")
    step_modes = ("d", "g")

    def __init__(self, generator, discriminator, game: GameSpec, latent_dim: int, batch: int,
                 d_steps: int = 1, pack: int = 1, ema: float = 0.0, seed: int = 0, **kwargs):
        super().__init__(name="gan", **kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.game = game
        self.objective = game.objective
        self.critic_output = game.objective.output == CRITIC
        self.latent_dim = int(latent_dim)
        self.batch = int(batch)
        self.d_steps = int(d_steps)
        self.packer = Pack(pack)
        self.pack_m = int(pack)
        self.ema_decay = float(ema)
        self.seed_generator = keras.random.SeedGenerator(seed, name="z_seed")
        self.trackers = {k: keras.metrics.Mean(name=k) for k in SCALARS}
        self.ema_generator = None
        if ema > 0:
            self.ema_generator = keras.models.clone_model(generator)
            self.ema_generator.set_weights(generator.get_weights())
        self._single_steps: dict = {}
        # R1 from the D loss's own forward on the real batch (one forward of D fewer per D
        # update, and R1 is then taken at exactly the D whose logits the loss uses, as
        # StyleGAN2's own code does; see `R1Penalty.with_logits`)
        self._shared_r1 = next((p for p in game.penalties if isinstance(p, R1Penalty)), None)
        self.context: RecipeContext | None = None
        self.net_config = None
        self.g_chains = 1  # pieces of D's pass in G's update (`distribute.critic_chains`)

    @classmethod
    def create(cls, context: RecipeContext) -> GANRecipe:
        """Builds G and D sized from the data, the game, both optimizers, and compiles."""
        from ganstudio.core.nets import build_nets, resolve_net_config

        cfg = context.config
        ds = context.dataset
        net_cfg = resolve_net_config(cfg.net, ds.kind, cfg.objective)
        check_packing(cfg.train.batch, net_cfg.pack)
        nets = build_nets(net_cfg, ds.shape)
        obj = cfg.objective
        recipe = cls(nets.generator, nets.discriminator, build_game(obj),
                     latent_dim=net_cfg.latent_dim, batch=cfg.train.batch, d_steps=obj.d_steps,
                     pack=net_cfg.pack, ema=obj.ema, seed=cfg.train.seed)
        recipe.context = context
        recipe.net_config = net_cfg
        recipe.g_chains = critic_chains(nets.discriminator, cfg.train.batch, net_cfg.pack,
                                        context.jit)
        recipe.compile_players(context)
        return recipe

    # -- keras plumbing ----------------------------------------------------------------------

    def build_state(self) -> None:
        """Creates every variable (optimizer slots included) so checkpoints can be restored."""
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)

    def call(self, z, training=False):
        return self.generator(z, training=training)

    @property
    def steps(self) -> int:
        """Generator updates so far (continues across resume)."""
        return int(self.g_optimizer.iterations.numpy())

    def sampler(self) -> keras.Model:
        """The generator used for samples and export: the EMA copy when enabled."""
        return self.ema_generator if self.ema_generator is not None else self.generator

    def state_variables(self) -> list:
        """All variables that define the training state, in a stable order."""
        out = list(self.generator.variables) + list(self.discriminator.variables)
        if self.ema_generator is not None:
            out += list(self.ema_generator.variables)
        out.append(self.seed_generator.state)
        out += list(self.d_optimizer.variables) + list(self.g_optimizer.variables)
        return out

    # -- data ----------------------------------------------------------------------------------

    def training_arrays(self) -> dict[str, np.ndarray]:
        """`x`: the examples in the network's range."""
        ctx = self.context
        return {"x": ctx.normalizer.to_net(ctx.dataset.x)}

    @property
    def pipeline_batch(self) -> int:
        """k minibatches of `batch` examples: one per D update."""
        return self.batch * self.d_steps

    # -- the game ----------------------------------------------------------------------------

    def critic(self, x, training=True):
        """D on (packed) examples: one logit or critic value per pack of m."""
        return self.discriminator(self.packer(x), training=training)

    def _z(self, n):
        return replicas.normal((n, self.latent_dim), seed=self.seed_generator)

    def _d_update(self, real):
        fake = self.generator(self._z(ops.shape(real)[0]), training=True)
        shared = self._shared_r1
        with tf.GradientTape() as tape:
            if shared is not None:
                real_logits, r1 = shared.with_logits(self.critic, real)
            else:
                real_logits = self.critic(real)
            fake_logits = self.critic(fake)
            d_loss = self.objective.d_loss(real_logits, fake_logits)
            total = d_loss
            for penalty in self.game.penalties:
                if penalty is shared:
                    total = total + r1
                else:
                    total = total + penalty(self.critic, real, fake, self.seed_generator)
        variables = self.discriminator.trainable_variables
        grads = descend(self.d_optimizer, tape, total, variables)
        for constraint in self.game.constraints:
            constraint.apply(variables)
        return {
            "d_loss": total,
            "value": self.objective.value(real_logits, fake_logits),
            "d_real": ops.mean(self.objective.d_output(real_logits)),
            "d_fake": ops.mean(self.objective.d_output(fake_logits)),
            "grad_norm_d": replicas.gradient_norm(grads),
        }

    def _critic_in_chains(self, x):
        """D on `x` as `critic`, cut into `g_chains` pieces of whole packs that run side by
        side (one pass when the rows do not cut so: a Step G button's short batch)."""
        rows = x.shape[0]
        if self.g_chains == 1 or rows is None or rows % (self.g_chains * self.pack_m):
            return self.critic(x)
        pieces = ops.split(x, self.g_chains, axis=0)
        return ops.concatenate([self.critic(piece) for piece in pieces], axis=0)

    def _g_update(self, n):
        z = self._z(n)
        with tf.GradientTape() as tape:
            fake_logits = self._critic_in_chains(self.generator(z, training=True))
            g_loss = self.objective.g_loss(fake_logits)
        variables = self.generator.trainable_variables
        grads = descend(self.g_optimizer, tape, g_loss, variables)
        if self.ema_generator is not None:
            decay = self.ema_decay
            for avg, w in zip(self.ema_generator.variables, self.generator.variables, strict=True):
                avg.assign(decay * avg + (1.0 - decay) * w)
        return {"g_loss": g_loss, "grad_norm_g": replicas.gradient_norm(grads)}

    def train_step(self, data):
        real = data["x"] if isinstance(data, dict) else (
            data[0] if isinstance(data, (tuple, list)) else data)
        # this replica's rows, k minibatches of `batch` on one device (of `batch / replicas`
        # under a strategy); D update i takes every k-th row from row i, so that the k
        # minibatches are the same rows of the global batch however many replicas share it
        k = self.d_steps
        logs = {}
        for i in range(k):
            logs.update(self._d_update(real[i::k]))
        logs.update(self._g_update(ops.shape(real)[0] // k))
        return self.step_logs(logs)

    def single_update(self, mode: str, batch: dict[str, np.ndarray]) -> dict[str, float]:
        """One update of D only (`"d"`) or G only (`"g"`), outside `fit` (for Step buttons).

        Args:
            mode: `"d"` or `"g"`.
            batch: `{"x": real examples in the network's range}`, at least `batch` of them.

        Returns:
            The update's scalars as floats.
        """
        if mode not in self._single_steps:
            if mode == "d":
                fn = self.single_step(self._d_update)
            else:
                fn = self.single_step(lambda x: self._g_update(ops.shape(x)[0]))
            self._single_steps[mode] = fn
        out = self._single_steps[mode](tf.constant(batch["x"][: self.batch], tf.float32))
        return {k: float(v) for k, v in out.items()}

    def derived_scalars(self, scalars: dict[str, float]) -> dict[str, float]:
        """`jsd` (probability D) or `wasserstein` (critics) from the step's `value`."""
        return jsd_scalars(self.objective, scalars)

    def equilibrium(self, scalars: dict[str, float]) -> float | None:
        """Mean D(x) over real and fake: 0.5 at the seeds' equilibrium (probability D only)."""
        return mean_d(self.objective, scalars)

    # -- what the views see --------------------------------------------------------------------

    def prepare_views(self, rng: np.random.Generator) -> None:
        """Fixes a real probe batch, the probe and sample latents, and for 2D data a grid."""
        ctx = self.context
        train = ctx.config.train
        x_net = self.training_arrays()["x"]
        m = self.pack_m
        probe = max(m, (min(train.probe_size, len(x_net) * m) // m) * m)
        idx = rng.choice(len(x_net), size=probe, replace=probe > len(x_net))
        self._real_probe = x_net[idx]
        self._z_probe = rng.standard_normal((probe, self.latent_dim)).astype(np.float32)
        n_samples = train.n_samples if ctx.dataset.kind == IMAGES else max(train.n_samples, 512)
        self.z_fixed = rng.standard_normal((n_samples, self.latent_dim)).astype(np.float32)
        self._grid = self._line = None
        if ctx.dataset.kind == POINTS and ctx.dataset.shape == (2,):
            self._grid, self._extent = field_grid(ctx.dataset.x, ctx.normalizer)
            self._real_points = ctx.dataset.x[idx[: min(len(idx), 1000)]]
        elif ctx.dataset.kind == POINTS and ctx.dataset.shape == (1,):
            self._line = LineProbe.for_dataset(ctx.dataset)
            self._grid = ctx.normalizer.to_net(self._line.x[:, None])
            extra = rng.standard_normal((max(0, LINE_SAMPLES - n_samples), self.latent_dim))
            self._z_line = np.concatenate([self.z_fixed, extra.astype(np.float32)])

    def views(self) -> dict[str, Any]:
        """`d_hist`: D on the real probe and on fakes; `samples`: G(z_fixed), and for 2D
        data D's surface over a grid and G's push; for 1D data the densities, D(x) and D*(x)
        over the line and G's push."""
        out = self.probe(self._real_probe, self._z_probe, self.z_fixed)
        to_data = self.context.normalizer.to_data
        hist = Histograms({"real": out["d_real"].numpy(), "fake": out["d_fake"].numpy()},
                          critic=self.critic_output)
        points = to_data(out["samples"].numpy())
        extra: dict[str, Any] = {}
        if self._line is not None:  # z_line starts with z_fixed: the first pushes are theirs
            f = self.field(self._grid, self._z_line)
            extra = {"push": f["push"].numpy()[: len(points)], "line": self._line.panel(
                f["surface"].numpy(), to_data(f["samples"].numpy()), self.critic_output)}
        elif self._grid is not None:
            f = self.field(self._grid, self.z_fixed)
            extra = {"surface": f["surface"].numpy().reshape(FIELD_RESOLUTION, FIELD_RESOLUTION),
                     "push": f["push"].numpy(), "extent": self._extent,
                     "real_points": self._real_points}
        samples = Samples(points, self.context.dataset.kind, **extra)
        return {"samples": samples, "d_hist": hist}

    @tf.function
    def probe(self, real, z_probe, z_samples):
        """D's outputs on a fixed real batch and on G(z_probe), and samples G(z_samples).

        Returns a dict of tensors: `d_real` and `d_fake` (one per pack of m), `samples`.
        """
        fake = self.generator(z_probe, training=False)
        return {
            "d_real": ops.reshape(self.objective.d_output(self.critic(real, training=False)), (-1,)),
            "d_fake": ops.reshape(self.objective.d_output(self.critic(fake, training=False)), (-1,)),
            "samples": self.sampler()(z_samples, training=False),
        }

    @tf.function
    def field(self, grid, z_samples):
        """For 2D (or 1D) data: D's output over a grid of points, and where G's loss pushes
        samples.

        A single point is scored by packing m copies of it. The push is −∂L_G/∂x at each sample
        x = G(z): the direction the generator's gradient moves its samples.

        Returns a dict: `surface` [len(grid)], `push` [len(z_samples), dims] and the
        `samples` G(z_samples) it pushes.
        """
        tiled = ops.repeat(grid, self.pack_m, axis=0)
        surface = ops.reshape(self.objective.d_output(self.critic(tiled, training=False)), (-1,))
        fake = self.sampler()(z_samples, training=False)
        with tf.GradientTape() as tape:
            tape.watch(fake)
            g_loss = self.objective.g_loss(self.critic(fake, training=False))
        push = -tape.gradient(g_loss, fake) * ops.cast(ops.shape(fake)[0], fake.dtype)
        return {"surface": surface, "push": push, "samples": fake}

    # -- generation and export -------------------------------------------------------------------

    def _to_data(self, x):
        n = self.context.normalizer
        offset = np.asarray(n.offset, np.float32)
        return x * n.scale + (offset if len(offset) > 1 else offset[0])

    def generate(self, inputs: dict[str, np.ndarray]) -> np.ndarray:
        """G(z) with the current (EMA) weights, in the dataset's units."""
        z = np.asarray(inputs["z"], np.float32).reshape(-1, self.latent_dim)
        out = np.asarray(self.sampler()(z, training=False))
        return self.context.normalizer.to_data(out)

    def export_specs(self) -> list[ExportSpec]:
        """`serving_default(z)` -> samples in the dataset's units."""
        z = InputSpec("z", "float32", (self.latent_dim,), "latent vectors, N(0, I)")
        return [ExportSpec("serving_default", (z,),
                           lambda z: self._to_data(self.sampler()(z, training=False)),
                           "samples in the dataset's units")]

    def export_layers(self) -> list:
        """The generator used for samples (its EMA copy when enabled)."""
        return [self.sampler()]

    def example_inputs(self, n: int, seed: int = 0) -> dict[str, np.ndarray]:
        """`z` by the project's latent convention."""
        return {"z": seeded_latents(n, self.latent_dim, seed)}

    def describe(self) -> dict[str, Any]:
        """The resolved net config, and the chains D's pass in G's update runs in."""
        return {"net": dict(vars(self.net_config)) if self.net_config is not None else {},
                "critic_chains": self.g_chains}

    def param_counts(self) -> dict[str, int]:
        """Parameters of G and D."""
        return {"generator": int(self.generator.count_params()),
                "discriminator": int(self.discriminator.count_params())}

    def make_evaluator(self, dataset: Dataset, n: int | None, seed: int,
                       status: Callable[[str], Any] | None = None) -> Evaluator:
        """The unconditional figures (modes, HQ, reverse KL; FD, KID, ... for images)."""
        return LatentEvaluator(dataset, self.latent_dim, n, seed, status)

    def quality_report(self, dataset: Dataset, seed: int,
                       status: Callable[[str], Any] | None = None) -> tuple[dict[str, Any], str]:
        """`metrics.evaluate.evaluate_generator` on the sampler, and its table."""
        from ganstudio.core.metrics.evaluate import evaluate_generator, format_table

        result = evaluate_generator(dataset, lambda z: self.generate({"z": z}), self.latent_dim,
                                    seed=seed, status=status)
        return result, format_table(result)


def field_grid(points: np.ndarray, normalizer) -> tuple[np.ndarray, tuple[float, ...]]:
    """A FIELD_RESOLUTION² grid over 2D points (15% margin), in the network's range, and its
    extent (xmin, xmax, ymin, ymax) in data units; rows = y, columns = x."""
    lo = points.min(axis=0)
    hi = points.max(axis=0)
    pad = 0.15 * (hi - lo).max()
    lo, hi = lo - pad, hi + pad
    xs = np.linspace(lo[0], hi[0], FIELD_RESOLUTION, dtype=np.float32)
    ys = np.linspace(lo[1], hi[1], FIELD_RESOLUTION, dtype=np.float32)
    gx, gy = np.meshgrid(xs, ys)
    grid = np.stack([gx.ravel(), gy.ravel()], axis=1)
    return normalizer.to_net(grid), (float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1]))
