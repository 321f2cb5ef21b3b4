"""The VAE's terms (seed 000, "Auto-encoder Variational Bayes"), as small pure functions.

The encoder gives, for each example, a mean m and a log-variance σ per latent dimension; the
code is drawn by the reparameterisation

    c = exp(σ/2) · e + m,    e ~ N(0, I),

so c ~ q(c|x) = N(m, diag(exp(σ))) and gradients reach m and σ through a draw. The KL term
against the prior N(0, I) is, in closed form,

    KL(q(c|x) ‖ N(0, I)) = ½ Σ_i (exp(σ_i) − (1 + σ_i) + m_i²).

How the seed's formulas relate. The seed writes c = exp(σ)·e + m and minimizes
Σ(exp(σ) − (1 + σ) + m²) (no ½). The two disagree about what σ is:
- read σ as the log-variance (as above), the seed's sum is exactly 2·KL: the same optimum and
  gradient directions, the KL weighted twice (β = 2 in `vae.beta`'s terms); but then the draw
  must scale e by exp(σ/2), the standard deviation, not by exp(σ);
- read σ as the log-standard-deviation, as the seed's draw exp(σ)·e makes it, the true KL is
  ½ Σ(exp(2σ) − (1 + 2σ) + m²), and the seed's Σ(exp(σ) − (1 + σ) + m²) is not it: both are
  zero only at σ = 0, m = 0 and both grow with |σ| and |m|, but near the optimum the seed's
  sum curves half as much in σ (σ²/2 against σ²) and twice as much in m (m² against m²/2).
This code uses the first reading (σ a log-variance, the form of Kingma & Welling 2014), with
the ½, so `kl` is the KL in nats and −(recon + kl) is the ELBO.

Losses are per example (shape [N]) so the recipe can average over the global batch.
"""

from __future__ import annotations

import math

from keras import ops

LOG_2PI = math.log(2.0 * math.pi)


def gaussian_kl(mean, log_var):
    """KL(N(m, diag(exp σ)) ‖ N(0, I)) per latent dimension: ½(exp σ − (1 + σ) + m²).

    Args:
        mean: m [N, L].
        log_var: σ [N, L], the log-variance.

    Returns:
        [N, L] nats; sum over the last axis for the KL of each example.
    """
    return 0.5 * (ops.exp(log_var) - (1.0 + log_var) + ops.square(mean))


def reparameterize(mean, log_var, eps):
    """c = exp(σ/2)·e + m: a draw from N(m, diag(exp σ)) differentiable in m and σ.

    Args:
        mean: m [N, L].
        log_var: σ [N, L], the log-variance.
        eps: e [N, L], standard normal noise.

    Returns:
        c [N, L]; ∂c/∂m = 1 and ∂c/∂σ = ½·exp(σ/2)·e.
    """
    return ops.exp(0.5 * log_var) * eps + mean


def bernoulli_nll(target, logits):
    """−log p(x|z) of a Bernoulli decoder, summed over an example's values, in nats.

    −Σ_j [x_j log p_j + (1 − x_j) log(1 − p_j)] with p = sigmoid(logits), computed stably as
    Σ_j softplus(l_j) − x_j·l_j. For x in {0, 1} it is the exact negative log-probability. For
    grey values x in [0, 1] it is linear in x, so it equals the expected NLL of the
    black-and-white image x̃ ~ Bernoulli(x) drawn pixel by pixel: the ELBO it gives bounds the
    expected log-probability E_x̃[log p(x̃)] of those binarized images from below.

    Args:
        target: x [N, ...] in [0, 1].
        logits: The decoder's logits, same shape.

    Returns:
        [N] nats.
    """
    per_value = ops.softplus(logits) - target * logits
    return ops.sum(ops.reshape(per_value, (ops.shape(per_value)[0], -1)), axis=1)


def gaussian_nll(target, mean, log_var):
    """−log N(x; μ, diag(exp v)) summed over an example's values, in nats.

    ½ Σ_j (log 2π + v_j + (x_j − μ_j)² / exp(v_j)).

    Args:
        target: x [N, ...].
        mean: μ, same shape.
        log_var: v, broadcastable to x (one per value, or one shared).

    Returns:
        [N] nats (of the density in the units x is given in).
    """
    per_value = 0.5 * (LOG_2PI + log_var + ops.square(target - mean) * ops.exp(-log_var))
    return ops.sum(ops.reshape(per_value, (ops.shape(per_value)[0], -1)), axis=1)


def free_bits_kl(kl_dims, free_bits: float):
    """The KL term the loss minimizes with free bits (Kingma et al. 2016):

        Σ_i max(λ, E_batch[KL_i])

    Each latent dimension keeps λ nats of KL for free (no gradient pushes it below), which
    stops dimensions from collapsing to the prior early; λ = 0 gives the plain batch-mean KL.

    Args:
        kl_dims: [N, L] per-dimension KL (`gaussian_kl`).
        free_bits: λ, nats per dimension.

    Returns:
        A scalar.
    """
    per_dim = ops.mean(kl_dims, axis=0)
    if free_bits > 0:
        per_dim = ops.maximum(per_dim, free_bits)
    return ops.sum(per_dim)


def warmup_beta(beta: float, step, warmup: int):
    """β at a step of a linear KL warm-up: β·min(1, (step + 1) / warmup); β when warmup is 0.

    Args:
        beta: The final weight.
        step: The update about to be made (0 for the first), a number or a tensor.
        warmup: Steps the rise takes.

    Returns:
        The weight (a float32 tensor).
    """
    step = ops.cast(step, "float32")
    if warmup <= 0:
        return ops.cast(beta, "float32") + 0.0 * step
    return beta * ops.minimum(1.0, (step + 1.0) / float(warmup))
