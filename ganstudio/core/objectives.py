"""The adversarial objectives, one small class each, with their formulas as in the seeds.

Notation (seeds 000 and 003): D(x) = sigmoid(l(x)) is the discriminator's probability that x is
real, l its logit; for WGAN-style critics f(x) = l(x) is a linear score. Losses are pure
functions of logits (or critic values) and are *minimized*. Constraints (weight clipping) and
penalties (gradient penalty, R1) are separate parts that compose with any objective.

The value of the game, the quantity the seeds reason about, is

    V(G, D) = E_x~P_data[log D(x)] + E_z~p_z[log(1 − D(G(z)))]

and at the optimal discriminator D* = P_data / (P_data + P_G),
max_D V = −2·log 2 + 2·JSD(P_data ‖ P_G); with D = 0.5 everywhere V = −2·log 2.
"""

from __future__ import annotations

from dataclasses import dataclass

import tensorflow as tf
from keras import ops

from ganstudio.config import ObjectiveConfig
from ganstudio.core import replicas

PROBABILITY = "probability"  # D outputs a probability through a sigmoid
CRITIC = "critic"  # D outputs an unbounded linear score
SCORE = "score"  # D's raw output is a score aimed at 1 for real and 0 for fake (LSGAN)


def batch_mean(per_example: tf.Tensor) -> tf.Tensor:
    """Mean over the *global* batch, so losses scale right under `tf.distribute`.

    Inside a replica of a strategy (a `train_step` under `fit`) each replica divides its sum by
    the global batch size (its rows × replicas) and `optimizer.apply` sums the replicas'
    gradients, which gives the gradient of the global batch's mean (checked against one
    device in tests/unit/test_distribute.py). Outside a replica (one device, or the Step
    buttons' updates, which see the whole batch) this is a plain mean.
    """
    per_example = ops.reshape(per_example, (-1,))
    ctx = tf.distribute.get_replica_context()  # None in a cross-replica context
    count = ctx.num_replicas_in_sync if ctx is not None else 1
    global_batch = ops.cast(ops.shape(per_example)[0] * count, per_example.dtype)
    return ops.sum(per_example) / global_batch


def _log_sigmoid(x: tf.Tensor) -> tf.Tensor:
    return -ops.softplus(-x)


class Objective:
    """Base class: a pair of losses over logits, and how to read D's output.

    Attributes:
        name: Registry name.
        output: PROBABILITY, CRITIC or SCORE: how `d_output` maps raw outputs for display.
    """

    name = "base"
    output = PROBABILITY

    def d_loss(self, real_logits: tf.Tensor, fake_logits: tf.Tensor) -> tf.Tensor:
        """The discriminator's loss (minimized): its real term plus its fake term."""
        return self.d_real_loss(real_logits) + self.d_fake_loss(fake_logits)

    def d_real_loss(self, real_logits: tf.Tensor) -> tf.Tensor:
        """The term of D's loss that scores examples it must call real."""
        raise NotImplementedError

    def d_fake_loss(self, fake_logits: tf.Tensor) -> tf.Tensor:
        """The term of D's loss that scores examples it must call fake (generated ones, and in
        the conditional GAN real examples with a mismatched condition)."""
        raise NotImplementedError

    def g_loss(self, fake_logits: tf.Tensor) -> tf.Tensor:
        """The generator's loss (minimized)."""
        raise NotImplementedError

    def d_output(self, logits: tf.Tensor) -> tf.Tensor:
        """D's output as shown to the user: probabilities, critic values or LSGAN scores."""
        if self.output == PROBABILITY:
            return ops.sigmoid(logits)
        return logits

    def value(self, real_logits: tf.Tensor, fake_logits: tf.Tensor) -> tf.Tensor:
        """The minibatch estimate of the game's value.

        For probability discriminators V(G, D) = mean log D(x) + mean log(1 − D(G(z))) (seed 000,
        "the minibatch estimate of V"); for critics and scores, the gap mean f(x) − mean f(G(z))
        (for WGAN, the Wasserstein estimate).
        """
        if self.output == PROBABILITY:
            return batch_mean(_log_sigmoid(real_logits)) + batch_mean(_log_sigmoid(-fake_logits))
        return batch_mean(real_logits) - batch_mean(fake_logits)


class Minimax(Objective):
    """The original min-max game (Goodfellow et al. 2014; seeds 000 and 003).

    D maximizes V:  L_D = −E[log D(x)] − E[log(1 − D(G(z)))]
    G minimizes V:  L_G =  E[log(1 − D(G(z)))]

    G's gradient vanishes when D confidently rejects its samples (early in training), which is
    why `nonsaturating` is usually preferred.
    """

    name = "minimax"

    def d_real_loss(self, real_logits):
        return batch_mean(ops.softplus(-real_logits))

    def d_fake_loss(self, fake_logits):
        return batch_mean(ops.softplus(fake_logits))

    def g_loss(self, fake_logits):
        return batch_mean(_log_sigmoid(-fake_logits))


class NonSaturating(Minimax):
    """The non-saturating game (seed 003): G maximizes log D(G(z)) instead.

    L_D = −E[log D(x)] − E[log(1 − D(G(z)))]
    L_G = −E[log D(G(z))]

    Same fixed point as minimax, but strong gradients when D rejects G's samples.
    """

    name = "nonsaturating"

    def g_loss(self, fake_logits):
        return batch_mean(ops.softplus(-fake_logits))


class Wasserstein(Objective):
    """WGAN (Arjovsky et al. 2017; seed 002): earth mover's distance with a linear critic f.

    L_D = E[f(G(z))] − E[f(x)]      (the critic maximizes E[f(x)] − E[f(G(z))])
    L_G = −E[f(G(z))]

    f must be 1-Lipschitz: with `wgan` by clipping every critic weight to [−c, c] after each
    update; with `wgan-gp` by the gradient penalty instead.
    """

    name = "wgan"
    output = CRITIC

    def d_real_loss(self, real_logits):
        return -batch_mean(real_logits)

    def d_fake_loss(self, fake_logits):
        return batch_mean(fake_logits)

    def g_loss(self, fake_logits):
        return -batch_mean(fake_logits)


class LeastSquares(Objective):
    """LSGAN (Mao et al. 2017) with targets a = 0 (fake), b = 1 (real), c = 1.

    L_D = ½ E[(D(x) − 1)²] + ½ E[D(G(z))²]
    L_G = ½ E[(D(G(z)) − 1)²]

    Its optimal D is also P_data / (P_data + P_G), so 0.5 is the equilibrium here too.
    """

    name = "lsgan"
    output = SCORE

    def d_real_loss(self, real_logits):
        return 0.5 * batch_mean(ops.square(real_logits - 1.0))

    def d_fake_loss(self, fake_logits):
        return 0.5 * batch_mean(ops.square(fake_logits))

    def g_loss(self, fake_logits):
        return 0.5 * batch_mean(ops.square(fake_logits - 1.0))


class Hinge(Objective):
    """The hinge game (Lim & Ye 2017; Miyato et al. 2018), with a critic f.

    L_D = E[max(0, 1 − f(x))] + E[max(0, 1 + f(G(z)))]
    L_G = −E[f(G(z))]
    """

    name = "hinge"
    output = CRITIC

    def d_real_loss(self, real_logits):
        return batch_mean(ops.relu(1.0 - real_logits))

    def d_fake_loss(self, fake_logits):
        return batch_mean(ops.relu(1.0 + fake_logits))

    def g_loss(self, fake_logits):
        return -batch_mean(fake_logits)


# -- constraints and penalties -------------------------------------------------------------------


@dataclass(frozen=True)
class WeightClip:
    """Clips every critic weight to [−c, c] after each critic update (WGAN's constraint)."""

    c: float

    def apply(self, variables: list) -> None:
        """Clips the variables in place."""
        for v in variables:
            v.assign(ops.clip(v, -self.c, self.c))


def _grad_norm_sq(grad: tf.Tensor) -> tf.Tensor:
    """Per-example squared L2 norm of a gradient with respect to a batch of inputs."""
    axes = list(range(1, len(grad.shape)))
    return ops.sum(ops.square(grad), axis=axes)


def _input_grad_norm_sq(critic, x: tf.Tensor, training: bool = True) -> tf.Tensor:
    """Per-example squared L2 norm of ∂critic/∂x."""
    x = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        total = ops.sum(critic(x, training=training))
    return _grad_norm_sq(tape.gradient(total, x))


@dataclass(frozen=True)
class GradientPenalty:
    """WGAN-GP's penalty (Gulrajani et al. 2017), added to the critic's loss.

    λ · E_x̂[(‖∇_x̂ f(x̂)‖₂ − 1)²],  x̂ = α·x + (1 − α)·G(z),  α ~ U[0, 1] per example,
    with ‖g‖₂ = sqrt(Σ g² + ε) so the gradient is finite where g = 0.
    """

    weight: float = 10.0
    epsilon: float = 1e-12

    def __call__(self, critic, real: tf.Tensor, fake: tf.Tensor, seed) -> tf.Tensor:
        """Returns the weighted penalty for one batch (`seed`: a keras SeedGenerator)."""
        shape = [ops.shape(real)[0]] + [1] * (len(real.shape) - 1)
        alpha = replicas.uniform(shape, 0.0, 1.0, seed=seed, dtype=real.dtype)
        x_hat = alpha * real + (1.0 - alpha) * fake
        norm = ops.sqrt(_input_grad_norm_sq(critic, x_hat) + self.epsilon)
        return self.weight * batch_mean(ops.square(norm - 1.0))


@dataclass(frozen=True)
class R1Penalty:
    """R1 (Mescheder et al. 2018): γ/2 · E_x~P_data[‖∇_x D(x)‖²] on real data only."""

    gamma: float = 10.0

    def __call__(self, critic, real: tf.Tensor, fake: tf.Tensor, seed) -> tf.Tensor:
        """Returns the weighted penalty for one batch."""
        return 0.5 * self.gamma * batch_mean(_input_grad_norm_sq(critic, real))

    def with_logits(self, critic, real: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        """D's outputs on the real batch and the weighted penalty, from one forward of D.

        The same values and gradients as `critic(real)` and `self(critic, real, ...)`, which
        runs D on the real batch a second time, when D's training calls change no variable.
        When they do (spectral normalization rewrites its kernel as W/σ on every training
        call; batch normalization moves its statistics), the penalty here is the one of the D
        that produced these logits, where a second forward would take it at a D normalized
        once more. Call it under the tape of D's update.
        """
        real = tf.convert_to_tensor(real)
        with tf.GradientTape() as tape:
            tape.watch(real)
            logits = critic(real)
            total = ops.sum(logits)
        grad = tape.gradient(total, real)
        return logits, 0.5 * self.gamma * batch_mean(_grad_norm_sq(grad))


OBJECTIVES: dict[str, type[Objective]] = {
    "minimax": Minimax,
    "nonsaturating": NonSaturating,
    "wgan": Wasserstein,
    "wgan-gp": Wasserstein,
    "lsgan": LeastSquares,
    "hinge": Hinge,
}


@dataclass
class GameSpec:
    """An objective with its constraints and penalties, built from an `ObjectiveConfig`."""

    objective: Objective
    constraints: list
    penalties: list


def build_game(cfg: ObjectiveConfig) -> GameSpec:
    """Returns the objective, constraints and penalties that `cfg` asks for.

    Example:

    >>> game = build_game(ObjectiveConfig(name="wgan-gp"))
    >>> [type(p).__name__ for p in game.penalties]
    ['GradientPenalty']
    """
    objective = OBJECTIVES[cfg.name]()
    constraints: list = []
    penalties: list = []
    if cfg.name == "wgan":
        constraints.append(WeightClip(cfg.clip))
    if cfg.name == "wgan-gp":
        objective.name = "wgan-gp"
        penalties.append(GradientPenalty(cfg.gp_lambda))
    if cfg.r1_gamma > 0:
        penalties.append(R1Penalty(cfg.r1_gamma))
    return GameSpec(objective, constraints, penalties)

