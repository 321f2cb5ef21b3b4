"""CycleGAN (Zhu et al. 2017; seed 002's second way of unpaired translation).

Two translators, G: A → B and F: B → A, each against the discriminator of its target domain,
D_B and D_A, and tied to their inputs by cycle consistency: a round trip A → B → A (and
B → A → B) should return the input.

    a ─ G ─> G(a) ─ F ─> F(G(a)) ≈ a          D_B: real b against G(a)
    b ─ F ─> F(b) ─ G ─> G(F(b)) ≈ b          D_A: real a against F(b)

The losses, as in the paper (LSGAN; means over the batch and, for the PatchGAN's map, over its
patches; ‖·‖₁ the mean absolute difference per value, `translation.l1_distance`):

    L_G   = E[(D_B(G(a)) − 1)²] + E[(D_A(F(b)) − 1)²]                     (adversarial)
          + λ (‖F(G(a)) − a‖₁ + ‖G(F(b)) − b‖₁)                          (cycle, λ = 10)
          + λ_id·λ (‖G(b) − b‖₁ + ‖F(a) − a‖₁)                           (identity, λ_id)
    L_D_B = ½ E[(D_B(b) − 1)²] + ½ E[D_B(b̃)²],   b̃ from the history pool of G's outputs
    L_D_A = ½ E[(D_A(a) − 1)²] + ½ E[D_A(ã)²]

G and F share one Adam optimizer and D_A and D_B another (lr 2e-4, β₁ 0.5), the rates constant
for the first half of the run and falling linearly to 0 over the second (`HoldThenLinear`).
Each D learns from a history of 50 generated examples (`HistoryPool`): once the pool is full,
each new fake is, with probability ½, swapped for a random older one, which D sees instead
(Shrivastava et al. 2017), so D does not chase only G's latest outputs. The identity terms (for
domains of the same shape) keep a translator from changing what already looks like its target
domain; the paper adds them (λ_id = 0.5) for painting → photo only, and they are off by default
here: they fight mappings that change every pixel, such as digits2inverted's (`CycleGANConfig`
has the measurement). D's losses are the project's `objectives.LeastSquares` (its ½ is the
paper's halving of D's objective); the translators' adversarial term has no ½, as in the paper.

A step updates G and F, then D_A and D_B on real examples and pooled fakes from the same
forward pass. Step buttons: `g` (G and F), `d` (both Ds, through the pools).
"""

from __future__ import annotations

from typing import Any

import keras
import tensorflow as tf
from keras import ops

from ganstudio.core.data.base import IMAGES
from ganstudio.core.objectives import LeastSquares
from ganstudio.core.recipes.base import RecipeContext
from ganstudio.core.recipes.translation import A_TO_B, TranslationRecipe, l1_distance
from ganstudio.errors import ConfigError


def pool_query(images, count, fakes, coins, slots):
    """The history pool's rule on one batch, as a pure tensor function (a loop over the batch,
    in order, so it runs inside a compiled `train_step`).

    For each fake in turn: while the pool holds fewer than `size` examples, the fake is stored
    in the next free slot and returned; once it is full, a fake whose coin is above ½ is
    swapped for the example in its slot (the older one is returned, the fake stored), any
    other fake is returned as it is.

    Args:
        images: The pool [size, ...].
        count: How many slots are filled (int32 scalar).
        fakes: New generated examples [N, ...].
        coins: One uniform draw in [0, 1) per fake [N].
        slots: One slot index in [0, size) per fake [N] (used once the pool is full).

    Returns:
        (the new pool, the new count, what D sees [N, ...]).
    """
    size = images.shape[0]
    n = tf.shape(fakes)[0]
    shown = tf.TensorArray(fakes.dtype, size=n, element_shape=fakes.shape[1:])

    def body(i, pool, filled, shown):
        fake = fakes[i]
        filling = filled < size
        swap = tf.logical_and(tf.logical_not(filling), coins[i] > 0.5)
        slot = tf.where(filling, filled, slots[i])
        older = tf.gather(pool, slot)
        stored = tf.where(tf.logical_or(filling, swap), fake, older)
        pool = tf.tensor_scatter_nd_update(pool, tf.reshape(slot, (1, 1)), stored[None])
        return (i + 1, pool, filled + tf.cast(filling, filled.dtype),
                shown.write(i, tf.where(swap, older, fake)))

    _, images, count, shown = tf.while_loop(lambda i, *_: i < n, body,
                                            (tf.constant(0), images, count, shown))
    return images, count, shown.stack()


class HistoryPool(keras.layers.Layer):
    """A buffer of `size` earlier generated examples that D is shown in place of some new ones
    (`pool_query`), kept in variables so it lives in the compiled step and in checkpoints.

    Args:
        size: Examples kept (0: no pool; D sees the new fakes).
        shape: One example's shape.
        seed: Seed of its coins and slots.

    Example:

    >>> pool = HistoryPool(50, (8, 8, 1))                   # doctest: +SKIP
    >>> seen = pool(fakes)  # the first 50: the fakes; then each one with prob. ½ an older one
    """

    def __init__(self, size: int, shape: tuple[int, ...], seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.size = int(size)
        self.example_shape = tuple(int(s) for s in shape)
        self.seed_generator = keras.random.SeedGenerator(seed, name="pool_seed")
        self.images = self.add_weight(shape=(max(self.size, 1), *self.example_shape),
                                      initializer="zeros", trainable=False, name="images")
        self.count = self.add_weight(shape=(), initializer="zeros", dtype="int32",
                                     trainable=False, name="count")
        self.built = True

    def call(self, fakes):
        if self.size == 0:
            return fakes
        n = ops.shape(fakes)[0]
        coins = keras.random.uniform((n,), seed=self.seed_generator)
        slots = keras.random.randint((n,), 0, self.size, seed=self.seed_generator)
        images, count, shown = pool_query(self.images.value, self.count.value, fakes, coins,
                                          slots)
        self.images.assign(images)
        self.count.assign(count)
        return ops.reshape(shown, ops.shape(fakes))

    def state(self) -> list:
        """Its variables: the pool, the count and the seed's state."""
        return [self.images, self.count, self.seed_generator.state]


class CycleGANRecipe(TranslationRecipe):
    """G: A → B, F: B → A, D_A and D_B, two Adam optimizers, two history pools (module
    docstring).

    Args:
        context: The run's context (two domains).
        g: A's examples -> B's (network ranges).
        f: B's examples -> A's.
        d_a: A's examples -> logits (a patch map for images, one per point).
        d_b: B's examples -> logits.
        options: The `cyclegan` config section.
        seed: Seeds the recipe's and the pools' random draws.
    """

    family = "cyclegan"
    scalar_keys = ("g_loss", "g_adv", "cycle", "identity", "d_loss", "d_a_loss", "d_b_loss",
                   "d_real", "d_fake", "grad_norm_g", "grad_norm_d")
    headline_scalars = ("g_adv", "cycle", "identity", "d_loss")

    def __init__(self, context: RecipeContext, g, f, d_a, d_b, options, seed: int = 0,
                 **kwargs):
        super().__init__(context, seed, **kwargs)
        self.g, self.f, self.d_a, self.d_b = g, f, d_a, d_b
        self.objective = LeastSquares()
        self.cycle_weight = float(options.cycle_weight)
        same = self.domain["a"].shape == self.domain["b"].shape
        self.identity_share = float(options.identity_weight) if same else 0.0
        self.pool_size = int(options.pool_size)
        self.pool_a = HistoryPool(self.pool_size, self.domain["a"].shape, seed + 11,
                                  name="pool_a")
        self.pool_b = HistoryPool(self.pool_size, self.domain["b"].shape, seed + 12,
                                  name="pool_b")
        self.options = options

    @classmethod
    def create(cls, context: RecipeContext) -> CycleGANRecipe:
        """Builds G, F, D_A and D_B sized from the data, the two optimizers, and compiles.

        Raises:
            ConfigError: images the nets cannot take (not square, outside 8..128 pixels).
        """
        from ganstudio.core.nets.translation import build_domain_discriminator, build_translator

        cfg = context.config
        opts = cfg.cyclegan
        ds = context.dataset
        if ds.domain_b is None:
            raise ConfigError(f"cyclegan translates between two domains; {ds.name!r} is one.")
        kind, sa, sb = ds.kind, ds.shape, ds.domain_b.shape
        net = cfg.net
        recipe = cls(context,
                     build_translator(kind, sa, sb, net, opts.res_blocks, name="G"),
                     build_translator(kind, sb, sa, net, opts.res_blocks, name="F"),
                     build_domain_discriminator(kind, sa, net, name="D_A"),
                     build_domain_discriminator(kind, sb, net, name="D_B"),
                     opts, seed=cfg.train.seed)
        recipe.compile(jit_compile=context.jit)
        recipe.make_optimizers(opts, recipe.translator_variables(),
                               recipe.discriminator_variables())
        return recipe

    def translator_variables(self) -> list:
        """G's and F's trainable variables (one optimizer)."""
        return list(self.g.trainable_variables) + list(self.f.trainable_variables)

    def discriminator_variables(self) -> list:
        """D_A's and D_B's trainable variables (the other optimizer)."""
        return list(self.d_a.trainable_variables) + list(self.d_b.trainable_variables)

    # -- the family's side of the contract -------------------------------------------------------

    def translate_net(self, x_net, direction: str, training: bool = False):
        """G for `a_to_b`, F for `b_to_a`."""
        return (self.g if direction == A_TO_B else self.f)(x_net, training=training)

    def d_scores(self, x_net, domain: str):
        """D_A or D_B on examples of its domain: the LSGAN score (1 real, 0 fake) per example,
        the mean over a PatchGAN's map."""
        out = (self.d_a if domain == "a" else self.d_b)(x_net, training=False)
        return ops.mean(ops.reshape(out, (ops.shape(out)[0], -1)), axis=1)

    @property
    def steps(self) -> int:
        """Updates of G and F so far (a D-only Step does not count; continues across resume)."""
        return int(self.g_optimizer.iterations.numpy())

    def state_variables(self) -> list:
        """G, F, D_A, D_B, both pools, the seed, both optimizers: a stable order."""
        out = [v for net in (self.g, self.f, self.d_a, self.d_b) for v in net.variables]
        out += self.pool_a.state() + self.pool_b.state()
        out.append(self.seed_generator.state)
        out += list(self.g_optimizer.variables) + list(self.d_optimizer.variables)
        return out

    def objective_text(self) -> str:
        """`CycleGAN (LSGAN, λ=10, pool 50)`, with `identity 0.5·λ` where the identity terms
        are on."""
        identity = f", identity {self.identity_share:g}·λ" if self.identity_share else ""
        return f"CycleGAN (LSGAN, λ={self.cycle_weight:g}{identity}, pool {self.pool_size})"

    # -- the losses ------------------------------------------------------------------------------

    def generator_terms(self, a, b, training: bool = False) -> dict[str, Any]:
        """The translators' loss and its terms on a batch of each domain (network ranges).

        Returns:
            `g_loss`, `g_adv`, `cycle` (the two L1 round trips, summed, unweighted),
            `identity` (likewise; 0 without identity terms), and the translations `fake_b`
            = G(a), `fake_a` = F(b), `rec_a` = F(G(a)), `rec_b` = G(F(b)).
        """
        fake_b = self.g(a, training=training)
        fake_a = self.f(b, training=training)
        rec_a = self.f(fake_b, training=training)
        rec_b = self.g(fake_a, training=training)
        obj = self.objective
        adv = 2.0 * (obj.g_loss(self.d_b(fake_b, training=False))
                     + obj.g_loss(self.d_a(fake_a, training=False)))  # E[(D(·) − 1)²]
        cycle = l1_distance(rec_a, a) + l1_distance(rec_b, b)
        identity = ops.zeros(())
        if self.identity_share > 0:
            identity = l1_distance(self.g(b, training=training), b) \
                + l1_distance(self.f(a, training=training), a)
        g_loss = adv + self.cycle_weight * cycle \
            + self.identity_share * self.cycle_weight * identity
        return {"g_loss": g_loss, "g_adv": adv, "cycle": cycle, "identity": identity,
                "fake_a": fake_a, "fake_b": fake_b, "rec_a": rec_a, "rec_b": rec_b}

    def discriminator_terms(self, a, b, seen_a, seen_b) -> dict[str, Any]:
        """D_A's and D_B's LSGAN losses on real examples and the fakes they are shown."""
        obj = self.objective
        real_a, fake_a = self.d_a(a, training=True), self.d_a(seen_a, training=True)
        real_b, fake_b = self.d_b(b, training=True), self.d_b(seen_b, training=True)
        d_a_loss, d_b_loss = obj.d_loss(real_a, fake_a), obj.d_loss(real_b, fake_b)
        return {"d_loss": d_a_loss + d_b_loss, "d_a_loss": d_a_loss, "d_b_loss": d_b_loss,
                "d_real": 0.5 * (ops.mean(real_a) + ops.mean(real_b)),
                "d_fake": 0.5 * (ops.mean(fake_a) + ops.mean(fake_b))}

    def _update(self, a, b, update_g: bool, update_d: bool) -> dict[str, Any]:
        """G and F on L_G, then D_A and D_B on their losses with the pools' fakes (from the
        same forward pass, before G's update)."""
        return self.update_with_two_ds(
            a, b, update_g, update_d, ("g_loss", "g_adv", "cycle", "identity"),
            self.translator_variables, lambda fa, fb: (self.pool_a(fa), self.pool_b(fb)))

    def update(self, a, b, mode: str) -> dict[str, Any]:
        """`both`: G and F, then D_A and D_B; `g`: G and F only; `d`: D_A and D_B only
        (shown this batch's fakes through the pools)."""
        return self._update(a, b, mode in ("both", "g"), mode in ("both", "d"))

    # -- what the run's files record ---------------------------------------------------------

    def export_layers(self) -> list:
        """The two translators."""
        return [self.g, self.f]

    def describe(self) -> dict[str, Any]:
        """The domains, the translators' plan (images) and the loss weights."""
        from ganstudio.core.nets.translation import translator_plan

        out = super().describe()
        if self.kind == IMAGES:
            out["translator"] = translator_plan(self.domain["a"].shape, self.options.res_blocks)
        out.update({"cycle_weight": self.cycle_weight, "identity_share": self.identity_share,
                    "pool_size": self.pool_size})
        return out

    def param_counts(self) -> dict[str, int]:
        """Parameters of G (a → b), F (b → a), D_A and D_B."""
        return {"G": int(self.g.count_params()), "F": int(self.f.count_params()),
                "D_A": int(self.d_a.count_params()), "D_B": int(self.d_b.count_params())}
