"""Likelihoods of a Bernoulli–Bernoulli restricted Boltzmann machine (numpy only).

The model has visible units v ∈ {0,1}^D, hidden units h ∈ {0,1}^H, weights W [D, H], visible
biases b [D] and hidden biases c [H]:

    E(v, h) = −bᵀv − cᵀh − vᵀWh,      p(v, h) = exp(−E(v, h)) / Z
    F(v)    = −bᵀv − Σ_j softplus(c_j + vᵀW_j)          (free energy: p(v) = exp(−F(v)) / Z)
    log p(v) = −F(v) − log Z

`log Z` is exact by enumerating one layer's 2^n states (`exact_log_partition`, n ≤ 20) or
estimated by annealed importance sampling (`ais_log_partition`, Salakhutdinov & Murray 2008).
Every function takes plain arrays, so scikit-learn's `BernoulliRBM` is measured by the same
code: `W = rbm.components_.T`, `b = rbm.intercept_visible_`, `c = rbm.intercept_hidden_`.

Example:

```python
log_z = ais_log_partition(W, b, c, base_visible=base_rate_biases(train), seed=0)
ll = average_log_likelihood(W, b, c, test, log_z)   # nats per image
```
"""

from __future__ import annotations

import contextlib
import itertools
from dataclasses import dataclass

import numpy as np

MAX_EXACT_UNITS = 20
AIS_RUNS = 100
AIS_BETAS = 14_500  # Salakhutdinov & Murray's schedule length


def _softplus(x: np.ndarray) -> np.ndarray:
    """log(1 + eˣ), stable (and ~3× faster than `np.logaddexp(0, x)`)."""
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def single_threaded_blas():
    """A context in which BLAS runs on one thread: the small matrix products of AIS and of
    CD on a few hundred units are 10-30× slower with OpenBLAS's threads on a busy CPU."""
    try:
        from threadpoolctl import threadpool_limits  # a scikit-learn dependency
    except ImportError:  # pragma: no cover
        return contextlib.nullcontext()
    return threadpool_limits(1, user_api="blas")


def _logsumexp(x: np.ndarray) -> float:
    m = float(np.max(x))
    return m + float(np.log(np.sum(np.exp(x - m))))


def _params(w, b, c) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    w = np.asarray(w, np.float64)
    b = np.asarray(b, np.float64).reshape(-1)
    c = np.asarray(c, np.float64).reshape(-1)
    if w.shape != (len(b), len(c)):
        raise ValueError(f"W has shape {w.shape}; expected (visible {len(b)}, hidden {len(c)}).")
    return w, b, c


def free_energy(w, b, c, v) -> np.ndarray:
    """F(v) = −bᵀv − Σ_j softplus(c_j + vᵀW_j), one value per row.

    Args:
        w: Weights [D, H].
        b: Visible biases [D].
        c: Hidden biases [H].
        v: Visible vectors [N, D] (binary; other values give F at those values).

    Returns:
        float64 [N].
    """
    w, b, c = _params(w, b, c)
    v = np.asarray(v, np.float64).reshape(len(v), -1)
    return -(v @ b) - _softplus(v @ w + c).sum(axis=1)


def exact_log_partition(w, b, c, max_units: int = MAX_EXACT_UNITS, chunk: int = 1 << 15) -> float:
    """log Z by enumerating the 2^n states of the smaller layer (the other is summed out).

    Over the hidden states: log Z = logsumexp_h [cᵀh + Σ_i softplus(b_i + W_i h)]; over the
    visible ones (when fewer): logsumexp_v [−F(v)].

    Args:
        w: Weights [D, H].
        b: Visible biases [D].
        c: Hidden biases [H].
        max_units: The largest layer size enumerated (2^20 states by default).
        chunk: States per matrix product (bounds memory).

    Returns:
        log Z in nats.

    Raises:
        ValueError: when both layers are larger than `max_units`.
    """
    w, b, c = _params(w, b, c)
    if len(c) <= len(b):
        lin, other_bias, mat = c, b, w.T  # enumerate h: energy-free terms cᵀh + Σ softplus
    else:
        lin, other_bias, mat = b, c, w
    n = len(lin)
    if n > max_units:
        raise ValueError(f"exact log Z enumerates 2^{n} states; at most 2^{max_units} are "
                         "allowed (use ais_log_partition).")
    terms = []
    bits = np.arange(n)
    for start in range(0, 1 << n, chunk):
        idx = np.arange(start, min(1 << n, start + chunk), dtype=np.int64)
        states = ((idx[:, None] >> bits) & 1).astype(np.float64)
        terms.append(states @ lin + _softplus(states @ mat + other_bias).sum(axis=1))
    return _logsumexp(np.concatenate(terms))


def brute_force_log_partition(w, b, c) -> float:
    """log Z summed over every (v, h) pair: the definition, for tiny models (tests).

    Args:
        w: Weights [D, H].
        b: Visible biases [D].
        c: Hidden biases [H].

    Returns:
        log Z in nats.
    """
    w, b, c = _params(w, b, c)
    vs = np.array(list(itertools.product([0.0, 1.0], repeat=len(b))))
    hs = np.array(list(itertools.product([0.0, 1.0], repeat=len(c))))
    neg_energy = (vs @ b)[:, None] + (hs @ c)[None, :] + vs @ w @ hs.T
    return _logsumexp(neg_energy.ravel())


def base_rate_biases(v, smoothing: float = 0.05) -> np.ndarray:
    """Visible biases of the AIS base model: log(p/(1−p)) of the data's pixel marginals.

    Args:
        v: Training vectors [N, D] in {0, 1} (or [0, 1]).
        smoothing: Pseudo-count that keeps p away from 0 and 1.

    Returns:
        float64 [D].
    """
    v = np.asarray(v, np.float64).reshape(len(v), -1)
    p = (v.sum(axis=0) + smoothing) / (len(v) + 2 * smoothing)
    return np.log(p) - np.log1p(-p)


def ais_betas(n: int = AIS_BETAS) -> np.ndarray:
    """The inverse temperatures 0 = β_0 < ... < β_K = 1 of Salakhutdinov & Murray (2008):
    uniform steps in [0, 0.5], [0.5, 0.9] and [0.9, 1] in the proportions 500 : 4,000 :
    10,000.

    Args:
        n: K, the number of intermediate steps (at least 3).

    Returns:
        float64 [K + 1].
    """
    n = max(3, int(n))
    n1 = max(1, round(n * 500 / 14_500))
    n2 = max(1, round(n * 4_000 / 14_500))
    n3 = max(1, n - n1 - n2)
    return np.concatenate([np.linspace(0.0, 0.5, n1, endpoint=False),
                           np.linspace(0.5, 0.9, n2, endpoint=False),
                           np.linspace(0.9, 1.0, n3 + 1)])


@dataclass(frozen=True)
class AISResult:
    """An AIS estimate of log Z.

    Args:
        log_z: log of the mean importance weight times Z_A (the estimate).
        log_z_low: The estimate minus 3 standard deviations of the mean weight (in log
            space; `-inf` when that falls below zero).
        log_z_high: The estimate plus 3 standard deviations.
        runs: Independent annealing runs.
        betas: Intermediate distributions.
        log_weights: Each run's log importance weight [runs].
    """

    log_z: float
    log_z_low: float
    log_z_high: float
    runs: int
    betas: int
    log_weights: np.ndarray


def ais_log_partition(w, b, c, base_visible=None, runs: int = AIS_RUNS, betas: int = AIS_BETAS,
                      seed: int = 0) -> AISResult:
    """log Z by annealed importance sampling from a base-rate model (Salakhutdinov & Murray).

    The path runs from the base model p_A(v) ∝ exp(b_Aᵀv) (its H hidden units free, so
    Z_A = 2^H Π_i (1 + e^{b_A,i})) to the RBM along

        log f_β(v) = (1 − β) b_Aᵀv + β bᵀv + Σ_j softplus(β (c_j + vᵀW_j)),

    each run drawing v from p_A, then for k = 1..K adding log f_βk(v) − log f_βk−1(v) to its
    log weight and moving v by one Gibbs sweep that leaves f_βk invariant. log Z_B ≈
    log Z_A + log mean_runs exp(log w).

    Args:
        w: Weights [D, H].
        b: Visible biases [D].
        c: Hidden biases [H].
        base_visible: b_A, usually `base_rate_biases(training data)`; zeros when `None`.
        runs: Independent annealing runs.
        betas: Intermediate distributions K (see `ais_betas`).
        seed: Seeds the runs.

    Returns:
        An `AISResult`.
    """
    w, b, c = _params(w, b, c)
    base = np.zeros_like(b) if base_visible is None else np.asarray(base_visible, np.float64)
    rng = np.random.default_rng(seed)
    schedule = ais_betas(betas)
    n_hidden = len(c)
    log_z_base = n_hidden * np.log(2.0) + _softplus(base).sum()
    v = (rng.random((runs, len(b))) < _sigmoid(base)).astype(np.float64)

    bias_gap = b - base
    log_w = np.zeros(runs)
    with single_threaded_blas():
        for k in range(1, len(schedule)):
            act = v @ w + c
            beta, before = schedule[k], schedule[k - 1]
            # log f_βk(v) − log f_βk−1(v)
            log_w += ((beta - before) * (v @ bias_gap) + _softplus(beta * act).sum(1)
                      - _softplus(before * act).sum(1))
            h = (rng.random((runs, n_hidden)) < _sigmoid(beta * act)).astype(np.float64)
            v_act = (1.0 - beta) * base + beta * (h @ w.T + b)
            v = (rng.random(v.shape) < _sigmoid(v_act)).astype(np.float64)
    log_mean = _logsumexp(log_w) - np.log(runs)
    # spread of the mean weight, in log space, relative to the mean
    ratio = np.exp(log_w - log_mean)
    sd = float(np.std(ratio) / np.sqrt(runs))
    low = log_z_base + log_mean + (np.log(1.0 - 3 * sd) if 3 * sd < 1 else -np.inf)
    high = log_z_base + log_mean + np.log(1.0 + 3 * sd)
    return AISResult(float(log_z_base + log_mean), float(low), float(high), int(runs),
                     int(len(schedule) - 1), log_w)


def average_log_likelihood(w, b, c, v, log_z: float) -> float:
    """Mean log p(v) = mean(−F(v)) − log Z over the rows of v, in nats per example.

    Args:
        w: Weights [D, H].
        b: Visible biases [D].
        c: Hidden biases [H].
        v: Binary vectors [N, D].
        log_z: log Z (exact or estimated).

    Returns:
        Nats per example (higher is better).
    """
    return float(np.mean(-free_energy(w, b, c, v)) - log_z)


def pseudo_log_likelihood(w, b, c, v, seed: int = 0) -> float:
    """A stochastic estimate of the pseudo-log-likelihood per example (as scikit-learn's
    `BernoulliRBM.score_samples`): flip one random bit i of each v into ṽ, then
    D · log σ(F(ṽ) − F(v)) estimates Σ_i log p(v_i | v_−i).

    Args:
        w: Weights [D, H].
        b: Visible biases [D].
        c: Hidden biases [H].
        v: Binary vectors [N, D].
        seed: Seeds the bits flipped.

    Returns:
        Nats per example, averaged over the rows.
    """
    v = np.asarray(v, np.float64).reshape(len(v), -1)
    rng = np.random.default_rng(seed)
    flipped = v.copy()
    rows = np.arange(len(v))
    cols = rng.integers(0, v.shape[1], len(v))
    flipped[rows, cols] = 1.0 - flipped[rows, cols]
    gap = free_energy(w, b, c, flipped) - free_energy(w, b, c, v)
    return float(np.mean(-v.shape[1] * _softplus(-gap)))


def log_likelihood(w, b, c, test, train, runs: int = AIS_RUNS, betas: int = AIS_BETAS,
                   seed: int = 0, max_exact: int = MAX_EXACT_UNITS) -> dict[str, float | str]:
    """The average test log-likelihood: exact when a layer has ≤ `max_exact` units, else AIS.

    Args:
        w: Weights [D, H].
        b: Visible biases [D].
        c: Hidden biases [H].
        test: Binary vectors [N, D] to score.
        train: Binary training vectors (the AIS base model's pixel marginals).
        runs: AIS runs.
        betas: AIS intermediate distributions.
        seed: Seeds AIS.
        max_exact: The largest layer enumerated exactly.

    Returns:
        `log_likelihood` (nats per example), `log_z`, `method` (`exact` or `ais`), and for
        AIS `log_z_low`/`log_z_high` (±3 standard deviations of the mean weight) and the
        run and step counts.
    """
    w, b, c = _params(w, b, c)
    if min(len(b), len(c)) <= max_exact:
        log_z = exact_log_partition(w, b, c, max_units=max_exact)
        return {"log_likelihood": average_log_likelihood(w, b, c, test, log_z),
                "log_z": log_z, "method": "exact"}
    res = ais_log_partition(w, b, c, base_rate_biases(train), runs=runs, betas=betas, seed=seed)
    return {"log_likelihood": average_log_likelihood(w, b, c, test, res.log_z),
            "log_z": res.log_z, "log_z_low": res.log_z_low, "log_z_high": res.log_z_high,
            "method": "ais", "ais_runs": res.runs, "ais_betas": res.betas}
