"""The unconditional GAN recipe: the seeds' alternating game as a keras.Model.

Each `train_step` runs k discriminator updates (each on its own minibatch) and then one
generator update, the algorithm of seed 003 ("fix G, train D; fix D, train G").
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from ganstudio.core.nets.blocks import Pack
from ganstudio.core.objectives import GameSpec

SCALARS = ("d_loss", "g_loss", "value", "d_real", "d_fake", "grad_norm_d", "grad_norm_g")


class GANRecipe(keras.Model):
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

    The snapshot holds `SCALARS` every step, and from `probe` D's outputs on a fixed real and
    fake batch and samples from a fixed z; the export is the generator (its EMA if enabled).
    """

    family = "gan"
    exports = ("generator",)
    scalar_keys = SCALARS

    def __init__(self, generator, discriminator, game: GameSpec, latent_dim: int, batch: int,
                 d_steps: int = 1, pack: int = 1, ema: float = 0.0, seed: int = 0, **kwargs):
        super().__init__(name="gan", **kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.game = game
        self.objective = game.objective
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

    # -- keras plumbing ----------------------------------------------------------------------

    @property
    def metrics(self):
        return list(self.trackers.values())

    def compile(self, d_optimizer, g_optimizer, jit_compile="auto"):
        """Sets the two optimizers; `jit_compile` as in `keras.Model.compile`."""
        super().compile(jit_compile=jit_compile)
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer

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

    # -- the game ----------------------------------------------------------------------------

    def critic(self, x, training=True):
        """D on (packed) examples: one logit or critic value per pack of m."""
        return self.discriminator(self.packer(x), training=training)

    def _z(self, n):
        return keras.random.normal((n, self.latent_dim), seed=self.seed_generator)

    def _d_update(self, real):
        fake = self.generator(self._z(ops.shape(real)[0]), training=True)
        with tf.GradientTape() as tape:
            real_logits = self.critic(real)
            fake_logits = self.critic(fake)
            d_loss = self.objective.d_loss(real_logits, fake_logits)
            total = d_loss
            for penalty in self.game.penalties:
                total = total + penalty(self.critic, real, fake, self.seed_generator)
        variables = self.discriminator.trainable_variables
        grads = tape.gradient(total, variables)
        self.d_optimizer.apply(grads, variables)
        for constraint in self.game.constraints:
            constraint.apply(variables)
        return {
            "d_loss": total,
            "value": self.objective.value(real_logits, fake_logits),
            "d_real": ops.mean(self.objective.d_output(real_logits)),
            "d_fake": ops.mean(self.objective.d_output(fake_logits)),
            "grad_norm_d": tf.linalg.global_norm(grads),
        }

    def _g_update(self, n):
        z = self._z(n)
        with tf.GradientTape() as tape:
            fake_logits = self.critic(self.generator(z, training=True))
            g_loss = self.objective.g_loss(fake_logits)
        variables = self.generator.trainable_variables
        grads = tape.gradient(g_loss, variables)
        self.g_optimizer.apply(grads, variables)
        if self.ema_generator is not None:
            decay = self.ema_decay
            for avg, w in zip(self.ema_generator.variables, self.generator.variables, strict=True):
                avg.assign(decay * avg + (1.0 - decay) * w)
        return {"g_loss": g_loss, "grad_norm_g": tf.linalg.global_norm(grads)}

    def train_step(self, data):
        real = data[0] if isinstance(data, (tuple, list)) else data
        logs = {}
        for i in range(self.d_steps):
            logs.update(self._d_update(real[i * self.batch:(i + 1) * self.batch]))
        logs.update(self._g_update(self.batch))
        for key, tracker in self.trackers.items():
            tracker.update_state(logs[key])
        return logs

    def single_update(self, mode: str, real: np.ndarray) -> dict[str, float]:
        """One update of D only (`"d"`) or G only (`"g"`), outside `fit` (for Step buttons).

        Args:
            mode: `"d"` or `"g"`.
            real: A real batch in the network's range, of `batch` examples.

        Returns:
            The update's scalars as floats.
        """
        if mode not in self._single_steps:
            if mode == "d":
                fn = tf.function(self._d_update, jit_compile=bool(self.jit_compile))
            else:
                fn = tf.function(lambda _: self._g_update(self.batch),
                                 jit_compile=bool(self.jit_compile))
            self._single_steps[mode] = fn
        out = self._single_steps[mode](tf.constant(real[: self.batch], tf.float32))
        return {k: float(v) for k, v in out.items()}

    # -- what the views see --------------------------------------------------------------------

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
        """For 2D data: D's output over a grid of points, and where G's loss pushes samples.

        A single point is scored by packing m copies of it. The push is −∂L_G/∂x at each sample
        x = G(z): the direction the generator's gradient moves its samples.

        Returns a dict: `surface` [len(grid)] and `push` [len(z_samples), 2].
        """
        tiled = ops.repeat(grid, self.pack_m, axis=0)
        surface = ops.reshape(self.objective.d_output(self.critic(tiled, training=False)), (-1,))
        fake = self.sampler()(z_samples, training=False)
        with tf.GradientTape() as tape:
            tape.watch(fake)
            g_loss = self.objective.g_loss(self.critic(fake, training=False))
        push = -tape.gradient(g_loss, fake) * ops.cast(ops.shape(fake)[0], fake.dtype)
        return {"surface": surface, "push": push}
