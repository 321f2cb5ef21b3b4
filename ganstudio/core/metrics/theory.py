"""The GAN theory as numbers: the value function, the JSD bound, the equilibrium, a stop rule.

Goodfellow et al. (2014) show that for a fixed generator the best discriminator is
D*(x) = p_data(x) / (p_data(x) + p_g(x)), and that then

    max_D V(G, D) = -2 log 2 + 2 JSD(p_data || p_g),

so the global optimum p_g = p_data has D = 1/2 everywhere and V = -2 log 2. These helpers turn
a discriminator's outputs on a minibatch into those quantities, so the studio can show how far
training is from that equilibrium.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ganstudio.errors import ConfigError

__all__ = [
    "StopRule",
    "equilibrium_gap",
    "g_loss_slopes",
    "histogram_overlap",
    "jsd_lower_bound",
    "value_estimate",
    "wasserstein_estimate",
]

_PROB_EPS = 1e-7
LOG2 = math.log(2.0)


def _flat(name: str, x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    if x.size == 0:
        raise ValueError(f"{name} is empty.")
    return x


def value_estimate(d_real_prob: np.ndarray, d_fake_prob: np.ndarray) -> float:
    """Minibatch estimate of the GAN value function V(G, D).

        V(G, D) = E_x[log D(x)] + E_z[log(1 - D(G(z)))]
                ~ mean_i log D(x_i) + mean_j log(1 - D(G(z_j)))

    Probabilities are clipped to [1e-7, 1 - 1e-7] so a saturated discriminator gives a large
    finite value instead of -inf. At the equilibrium (D = 1/2 everywhere) V = -2 log 2.

    Reference: Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014, eq. (1).

    Args:
        d_real_prob: D's probabilities (after the sigmoid) on real examples, any shape.
        d_fake_prob: D's probabilities on generated examples, any shape.

    Returns:
        V in nats (<= 0).

    Raises:
        ValueError: an input is empty.
    """
    real = np.clip(_flat("d_real_prob", d_real_prob), _PROB_EPS, 1.0 - _PROB_EPS)
    fake = np.clip(_flat("d_fake_prob", d_fake_prob), _PROB_EPS, 1.0 - _PROB_EPS)
    return float(np.mean(np.log(real)) + np.mean(np.log1p(-fake)))


def jsd_lower_bound(v: float) -> float:
    """Lower bound on the Jensen-Shannon divergence implied by a value V(G, D).

    Since any D gives V(G, D) <= max_D V(G, D) = -2 log 2 + 2 JSD(p_data || p_g):

        JSD >= (V + 2 log 2) / 2,

    clipped to [0, log 2] nats. It equals the JSD when D is the optimal discriminator; with
    D = 1/2 everywhere it is 0, with a D that separates the two sets perfectly it is log 2.

    Reference: Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014, Theorem 1.

    Args:
        v: A value estimate, e.g. from `value_estimate`.

    Returns:
        The bound in nats, in [0, log 2].
    """
    if math.isnan(v):
        return float("nan")
    return float(min(max((v + 2.0 * LOG2) / 2.0, 0.0), LOG2))


def wasserstein_estimate(critic_real: np.ndarray, critic_fake: np.ndarray) -> float:
    """Minibatch estimate of the Wasserstein-1 distance from a (roughly 1-Lipschitz) critic.

        W(p_data, p_g) = sup_{||f||_L <= 1} E_x[f(x)] - E_z[f(G(z))]
                       ~ mean_i f(x_i) - mean_j f(G(z_j))

    It is a lower bound on W up to the critic's Lipschitz constant; it is meaningful only when
    the critic is constrained (weight clipping, gradient penalty).

    Reference: Arjovsky et al., "Wasserstein Generative Adversarial Networks", ICML 2017.

    Args:
        critic_real: Critic outputs (unbounded scores) on real examples, any shape.
        critic_fake: Critic outputs on generated examples, any shape.

    Returns:
        The estimate, in the critic's units.

    Raises:
        ValueError: an input is empty.
    """
    return float(
        np.mean(_flat("critic_real", critic_real)) - np.mean(_flat("critic_fake", critic_fake))
    )


def equilibrium_gap(d_real_prob: np.ndarray, d_fake_prob: np.ndarray) -> float:
    """How far the discriminator's average output is from the equilibrium value 1/2.

        gap = | mean(D(x_1), ..., D(x_n), D(G(z_1)), ..., D(G(z_m))) - 1/2 |

    0 when D outputs 1/2 on average (as at the optimum p_g = p_data, where D* = 1/2
    everywhere). A small gap is necessary, not sufficient: a D that says 1 on real and 0 on
    fake in equal numbers also averages 1/2, so read it together with `jsd_lower_bound`.

    Reference: Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014, Proposition 1.

    Args:
        d_real_prob: D's probabilities on real examples, any shape.
        d_fake_prob: D's probabilities on generated examples, any shape.

    Returns:
        The gap, in [0, 1/2] for probabilities.

    Raises:
        ValueError: both inputs are empty.
    """
    outputs = np.concatenate(
        [
            np.asarray(d_real_prob, dtype=np.float64).reshape(-1),
            np.asarray(d_fake_prob, dtype=np.float64).reshape(-1),
        ]
    )
    if outputs.size == 0:
        raise ValueError("equilibrium_gap needs at least one discriminator output.")
    return float(abs(outputs.mean() - 0.5))


def g_loss_slopes(d_fake_prob: np.ndarray) -> dict[str, float]:
    """How hard each generator loss pulls at these fakes: the mean |∂L/∂a| in D's logit a
    (D = σ(a)), E[D] for the minimax log(1 − D) and E[1 − D] for the non-saturating −log D.

    Where D rejects the fakes (D near 0) the first vanishes and the second is near its largest,
    1: why the non-saturating loss lets G learn early in training (seed 003).

    Args:
        d_fake_prob: D(G(z)) as probabilities.

    Returns:
        `{"minimax": E[D], "nonsaturating": E[1 − D]}`.
    """
    d = np.clip(_flat("d_fake_prob", d_fake_prob).astype(np.float64), 0.0, 1.0)
    return {"minimax": float(d.mean()), "nonsaturating": float((1.0 - d).mean())}


def histogram_overlap(
    a: np.ndarray,
    b: np.ndarray,
    bins: int = 50,
    range: tuple[float, float] = (0.0, 1.0),  # noqa: A002 - mirrors numpy.histogram
) -> float:
    """Overlap of two histograms (e.g. of D's outputs on real and on generated examples).

    With h_a and h_b the two histograms over the same bins, each normalized to sum 1:

        overlap = sum_bins min(h_a, h_b)

    1 means identical histograms (D cannot tell the sets apart), 0 disjoint ones (D separates
    them perfectly). The studio shows it as the "overlap score". Values outside `range` are
    clipped into the edge bins, so every value counts.

    Reference: Swain & Ballard, "Color Indexing", IJCV 1991 (histogram intersection).

    Args:
        a: Values of the first set, any shape.
        b: Values of the second set, any shape.
        bins: Number of equal-width bins.
        range: `(low, high)` of the bins; (0, 1) suits probabilities.

    Returns:
        The overlap, in [0, 1]; NaN when a set is empty.

    Raises:
        ConfigError: `bins` < 1 or `range` is empty.
    """
    low, high = float(range[0]), float(range[1])
    if bins < 1 or not high > low:
        raise ConfigError(f"histogram_overlap needs bins >= 1 and low < high, got {bins}, {range}.")
    a = np.asarray(a, dtype=np.float64).reshape(-1)
    b = np.asarray(b, dtype=np.float64).reshape(-1)
    if a.size == 0 or b.size == 0:
        return float("nan")
    h_a, _ = np.histogram(np.clip(a, low, high), bins=bins, range=(low, high))
    h_b, _ = np.histogram(np.clip(b, low, high), bins=bins, range=(low, high))
    return float(np.minimum(h_a / a.size, h_b / b.size).sum())


@dataclass
class StopRule:
    """Stops training at the equilibrium once the quality metric stops improving.

    After each `update` the rule fires when both hold:

        |mean D - 1/2| < epsilon
        and the metric has not improved for `patience` evaluations

    "Improved" means lower (mode "min", e.g. FID) or higher (mode "max", e.g. modes captured)
    than the best value so far by more than `min_delta`. Before the first metric value the
    metric condition does not hold, so the rule never fires on the equilibrium alone.

    Reference: the equilibrium D = 1/2 of Goodfellow et al., "Generative Adversarial Nets",
    NeurIPS 2014; patience-based early stopping as in `keras.callbacks.EarlyStopping`.

    Args:
        epsilon: How close the mean discriminator output must be to 1/2.
        patience: Evaluations without improvement before the rule may fire.
        mode: `"min"` or `"max"`: which direction of the metric is better.
        min_delta: Smallest change that counts as an improvement.
        metric_name: Name used in `reason()`.

    Example:

    >>> rule = StopRule(patience=1)
    >>> rule.update(0.5, 10.0), rule.update(0.5, 11.0)
    (False, True)
    """

    epsilon: float = 0.05
    patience: int = 5
    mode: str = "min"
    min_delta: float = 0.0
    metric_name: str = "metric"
    best: float | None = field(default=None, init=False)
    evaluations_since_best: int = field(default=0, init=False)
    evaluations: int = field(default=0, init=False)
    last_mean_d: float | None = field(default=None, init=False)
    fired: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        if self.mode not in ("min", "max"):
            raise ConfigError(f"The stop rule's mode must be 'min' or 'max', got {self.mode!r}.")
        if not self.epsilon > 0:
            raise ConfigError(f"The stop rule's epsilon must be positive, got {self.epsilon}.")
        if self.patience < 0:
            raise ConfigError(f"The stop rule's patience must be >= 0, got {self.patience}.")

    def _improves(self, metric: float) -> bool:
        if self.best is None:
            return True
        if self.mode == "min":
            return metric < self.best - self.min_delta
        return metric > self.best + self.min_delta

    @property
    def near_equilibrium(self) -> bool:
        """Whether the last mean D was within `epsilon` of 1/2."""
        return self.last_mean_d is not None and abs(self.last_mean_d - 0.5) < self.epsilon

    @property
    def stalled(self) -> bool:
        """Whether the metric has not improved for `patience` evaluations."""
        return self.best is not None and self.evaluations_since_best >= self.patience

    def update(self, mean_d: float, metric: float | None) -> bool:
        """Records one check and says whether to stop.

        Args:
            mean_d: Mean discriminator probability over real and generated examples.
            metric: The quality metric, or `None` when it was not evaluated this time (the
                counters then stay as they are).

        Returns:
            True when both stop conditions hold.
        """
        self.last_mean_d = float(mean_d)
        if metric is not None and not math.isnan(metric):
            self.evaluations += 1
            if self._improves(float(metric)):
                self.best = float(metric)
                self.evaluations_since_best = 0
            else:
                self.evaluations_since_best += 1
        self.fired = self.near_equilibrium and self.stalled
        return self.fired

    def reset(self) -> None:
        """Forgets the best value and the counters."""
        self.best = None
        self.evaluations_since_best = 0
        self.evaluations = 0
        self.last_mean_d = None
        self.fired = False

    def reason(self) -> str:
        """Returns one sentence saying why the rule fired or what it is still waiting for."""
        if self.last_mean_d is None:
            return "No check yet."
        gap = abs(self.last_mean_d - 0.5)
        d_part = (
            f"mean D {self.last_mean_d:.3f} is {'within' if gap < self.epsilon else 'not within'}"
            f" {self.epsilon:g} of 0.5"
        )
        if self.best is None:
            m_part = f"{self.metric_name} has not been evaluated yet"
        elif self.stalled:
            m_part = (
                f"{self.metric_name} has not improved for {self.evaluations_since_best} "
                f"evaluations (best {self.best:.4g}, patience {self.patience})"
            )
        else:
            m_part = (
                f"{self.metric_name} improved {self.evaluations_since_best} evaluations ago "
                f"(best {self.best:.4g}, patience {self.patience})"
            )
        verdict = "Stop" if self.fired else "Keep going"
        return f"{verdict}: {d_part}, and {m_part}."
