"""UNIT (Liu, Breuel and Kautz 2017; seed 002's shared latent space), family `unit`.

A VAE-GAN per domain (E_A, G_A, D_A and E_B, G_B, D_B) whose encoders share their last layers
and whose decoders share their first (`nets.unit`), so that a code means the same in both
domains: decoding A's code with B's decoder translates.

    a ─ E_A ─> μ_a ─ + e ─> z_a ─┬─ G_A ─> ã (reconstruction)
                                 └─ G_B ─> a→b ─ E_B ─> μ_ab ─ + e ─ G_A ─> a→b→a (cycle)
    (and the same from b)         D_B: real b against a→b;   D_A: real a against b→a

As in the paper, q(z|x) = N(μ(x), I): the encoder gives the mean, the variance is fixed at 1
(a reduced VAE; training draws z = μ + e, e ~ N(0, I); translation uses μ). The KL against the
prior N(0, I) is then ½‖μ‖² (`variational.gaussian_kl` with log-variance 0); here it is the
mean per code value, ½·mean(μ²), as the paper's code normalizes its terms per value (its
`_compute_kl` is mean(μ²), twice this). The generator's loss, with ‖·‖₁ the mean absolute
difference per value (`translation.l1_distance`) and the paper's weights as defaults:

    L = λ₀ (E[−log D_A(b→a)] + E[−log D_B(a→b)])                     adversarial, λ₀ = 10
      + λ₁ (KL(μ_a) + KL(μ_b))                                     VAE's KL, λ₁ = 0.1
      + λ₂ (‖ã − a‖₁ + ‖b̃ − b‖₁)                                   reconstruction, λ₂ = 100
      + λ₃ (KL(μ_ab) + KL(μ_ba))                                   cycle's KL, λ₃ = 0.1
      + λ₄ (‖a→b→a − a‖₁ + ‖b→a→b − b‖₁)                           cycle, λ₄ = 100

(the L1 terms are the negative log-likelihoods of the paper's Laplacian decoders, up to
scale). The adversarial terms are the non-saturating ones of the paper's code (binary cross
entropy, `objectives.NonSaturating`); each D minimizes its cross entropy of real against
translated examples. The cycle's KL terms are those of the translations' codes, as in the
paper's code (its equation also repeats the first KL term, which λ₁ already weighs).

One Adam optimizer for the four encoder and decoder parts and the two shared ones, another
for D_A and D_B (lr 1e-4, β₁ 0.5, β₂ 0.999, the paper's; its weight decay 1e-4 is left out).
A step updates the encoders and decoders, then both Ds on real examples and the translations
of the same forward pass. Step buttons: `g` (encoders and decoders), `d` (both Ds).
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from ganstudio.core.data.base import IMAGES
from ganstudio.core.objectives import NonSaturating, batch_mean
from ganstudio.core.recipes.base import RecipeContext
from ganstudio.core.recipes.translation import SOURCE, TARGET, TranslationRecipe, l1_distance
from ganstudio.core.variational import gaussian_kl
from ganstudio.errors import ConfigError

ADAM_BETA2 = 0.999  # the paper's


def code_kl(mean):
    """KL(N(μ, I) ‖ N(0, I)) per code value, averaged over the code and the (global) batch:
    (1/N) Σ_n mean_j ½ μ_nj².

    Args:
        mean: μ [N, ...] (a feature map or a vector per example).

    Returns:
        A scalar in nats per code value.
    """
    flat = ops.reshape(mean, (ops.shape(mean)[0], -1))
    return batch_mean(ops.mean(gaussian_kl(flat, ops.zeros_like(flat)), axis=1))


class UNITRecipe(TranslationRecipe):
    """Two VAEs with shared inner layers and a D per domain (module docstring).

    Args:
        context: The run's context (two domains).
        nets: The encoders' and decoders' parts (`nets.unit.UnitNets`).
        d_a: A's examples -> logits (a patch map for images, one per point).
        d_b: B's examples -> logits.
        options: The `unit` config section.
        seed: Seeds the recipe's noise.
    """

    family = "unit"
    scalar_keys = ("g_loss", "g_adv", "kl", "recon", "kl_cycle", "cycle", "d_loss",
                   "d_a_loss", "d_b_loss", "d_real", "d_fake", "grad_norm_g", "grad_norm_d")
    headline_scalars = ("g_adv", "recon", "cycle", "kl", "d_loss")

    def __init__(self, context: RecipeContext, nets, d_a, d_b, options, seed: int = 0,
                 **kwargs):
        super().__init__(context, seed, **kwargs)
        self.nets = nets
        # the parts as attributes too, so Keras tracks each one once
        (self.front_a, self.front_b, self.shared_encoder, self.shared_decoder, self.back_a,
         self.back_b) = nets.models()
        self.d_a, self.d_b = d_a, d_b
        self.objective = NonSaturating()
        self.lambdas = {"gan": float(options.gan_weight), "kl": float(options.kl_weight),
                         "recon": float(options.recon_weight),
                         "kl_cycle": float(options.kl_cycle_weight),
                         "cycle": float(options.cycle_weight)}
        self.options = options

    @classmethod
    def create(cls, context: RecipeContext) -> UNITRecipe:
        """Builds the encoders, decoders, D_A and D_B sized from the data, the two optimizers,
        and compiles.

        Raises:
            ConfigError: for one-domain data, or images the nets cannot take (not square,
                outside 8..128 pixels).
        """
        from ganstudio.core.nets.translation import build_domain_discriminator
        from ganstudio.core.nets.unit import image_unit_nets, point_unit_nets

        cfg = context.config
        opts = cfg.unit
        ds = context.dataset
        if ds.domain_b is None:
            raise ConfigError(f"unit translates between two domains; {ds.name!r} is one.")
        sa, sb, net = ds.shape, ds.domain_b.shape, cfg.net
        if ds.kind == IMAGES:
            nets = image_unit_nets(sa, sb, net.filters, opts.res_blocks, opts.shared_blocks)
        else:
            nets = point_unit_nets(int(sa[0]), int(sb[0]), net.depth, net.width,
                                   net.activation, opts.code_dim)
        recipe = cls(context, nets, build_domain_discriminator(ds.kind, sa, net, name="D_A"),
                     build_domain_discriminator(ds.kind, sb, net, name="D_B"), opts,
                     seed=cfg.train.seed)
        recipe.compile(jit_compile=context.jit)
        recipe.make_optimizers(opts, recipe.vae_variables(), recipe.discriminator_variables(),
                               beta_2=ADAM_BETA2)
        return recipe

    def vae_variables(self) -> list:
        """The encoders' and decoders' trainable variables, each shared one once."""
        return [v for m in self.nets.models() for v in m.trainable_variables]

    def discriminator_variables(self) -> list:
        """D_A's and D_B's trainable variables."""
        return list(self.d_a.trainable_variables) + list(self.d_b.trainable_variables)

    # -- the family's side of the contract -------------------------------------------------------

    def translate_net(self, x_net, direction: str, training: bool = False):
        """The source's encoder to μ, then the target's decoder (no noise, as the paper's
        code translates)."""
        z = self.nets.encode(x_net, SOURCE[direction], training=training)
        return self.nets.decode(z, TARGET[direction], training=training)

    def d_scores(self, x_net, domain: str):
        """D_A or D_B on examples of its domain: D(x) as a probability per example (the mean
        of the sigmoid over a PatchGAN's map)."""
        out = ops.sigmoid((self.d_a if domain == "a" else self.d_b)(x_net, training=False))
        return ops.mean(ops.reshape(out, (ops.shape(out)[0], -1)), axis=1)

    @property
    def steps(self) -> int:
        """Updates of the encoders and decoders so far (a D-only Step does not count)."""
        return int(self.g_optimizer.iterations.numpy())

    def state_variables(self) -> list:
        """The six VAE parts, D_A, D_B, the seed and both optimizers: a stable order."""
        out = [v for m in (*self.nets.models(), self.d_a, self.d_b) for v in m.variables]
        out.append(self.seed_generator.state)
        out += list(self.g_optimizer.variables) + list(self.d_optimizer.variables)
        return out

    def objective_text(self) -> str:
        """`UNIT (GAN 10, KL 0.1, recon 100, KL cycle 0.1, cycle 100)`."""
        w = self.lambdas
        return (f"UNIT (GAN {w['gan']:g}, KL {w['kl']:g}, recon {w['recon']:g}, "
                f"KL cycle {w['kl_cycle']:g}, cycle {w['cycle']:g})")

    # -- the losses ------------------------------------------------------------------------------

    def _noisy(self, mean):
        """z = μ + e, e ~ N(0, I): a draw from q(z|x) = N(μ, I)."""
        return mean + keras.random.normal(ops.shape(mean), seed=self.seed_generator)

    def generator_terms(self, a, b, training: bool = False) -> dict[str, Any]:
        """The encoders' and decoders' loss and its terms on a batch of each domain (network
        ranges).

        Returns:
            `g_loss`, and unweighted: `g_adv`, `kl`, `recon`, `kl_cycle`, `cycle` (each the
            sum of its two domains' terms); and `fake_a` (b→a), `fake_b` (a→b).
        """
        n = self.nets
        mu_a = n.encode(a, "a", training=training)
        mu_b = n.encode(b, "b", training=training)
        h_a = n.shared_decoder(self._noisy(mu_a), training=training)
        h_b = n.shared_decoder(self._noisy(mu_b), training=training)
        rec_a, fake_b = n.back_a(h_a, training=training), n.back_b(h_a, training=training)
        rec_b, fake_a = n.back_b(h_b, training=training), n.back_a(h_b, training=training)
        mu_ab = n.encode(fake_b, "b", training=training)  # a→b's code
        mu_ba = n.encode(fake_a, "a", training=training)
        cyc_a = n.decode(self._noisy(mu_ab), "a", training=training)  # a→b→a
        cyc_b = n.decode(self._noisy(mu_ba), "b", training=training)
        obj = self.objective
        terms = {
            "g_adv": obj.g_loss(self.d_a(fake_a, training=False))
            + obj.g_loss(self.d_b(fake_b, training=False)),
            "kl": code_kl(mu_a) + code_kl(mu_b),
            "recon": l1_distance(rec_a, a) + l1_distance(rec_b, b),
            "kl_cycle": code_kl(mu_ab) + code_kl(mu_ba),
            "cycle": l1_distance(cyc_a, a) + l1_distance(cyc_b, b),
        }
        w = self.lambdas
        terms["g_loss"] = (w["gan"] * terms["g_adv"] + w["kl"] * terms["kl"]
                           + w["recon"] * terms["recon"] + w["kl_cycle"] * terms["kl_cycle"]
                           + w["cycle"] * terms["cycle"])
        terms.update({"fake_a": fake_a, "fake_b": fake_b})
        return terms

    def discriminator_terms(self, a, b, fake_a, fake_b) -> dict[str, Any]:
        """D_A's and D_B's cross entropies of real examples against translations."""
        obj = self.objective
        real_a, seen_a = self.d_a(a, training=True), self.d_a(fake_a, training=True)
        real_b, seen_b = self.d_b(b, training=True), self.d_b(fake_b, training=True)
        d_a_loss, d_b_loss = obj.d_loss(real_a, seen_a), obj.d_loss(real_b, seen_b)
        return {"d_loss": d_a_loss + d_b_loss, "d_a_loss": d_a_loss, "d_b_loss": d_b_loss,
                "d_real": 0.5 * (ops.mean(ops.sigmoid(real_a)) + ops.mean(ops.sigmoid(real_b))),
                "d_fake": 0.5 * (ops.mean(ops.sigmoid(seen_a)) + ops.mean(ops.sigmoid(seen_b)))}

    def _update(self, a, b, update_g: bool, update_d: bool) -> dict[str, Any]:
        """The VAEs on L, then D_A and D_B on this forward pass's translations (from before
        the VAEs' update)."""
        return self.update_with_two_ds(
            a, b, update_g, update_d, ("g_loss", "g_adv", "kl", "recon", "kl_cycle", "cycle"),
            self.vae_variables)

    def update(self, a, b, mode: str) -> dict[str, Any]:
        """`both`: a training step (`_update`); `g`: the encoders and decoders only; `d`:
        D_A and D_B only."""
        return self._update(a, b, mode in ("both", "g"), mode in ("both", "d"))

    # -- what the run's files record ---------------------------------------------------------

    def export_layers(self) -> list:
        """The six encoder and decoder parts."""
        return self.nets.models()

    def describe(self) -> dict[str, Any]:
        """The domains, the nets' plan, the code's shape and the loss weights."""
        from ganstudio.core.nets.unit import unit_plan

        out = super().describe()
        if self.kind == IMAGES:
            out["plan"] = unit_plan(self.domain["a"].shape, self.options.res_blocks)
        out.update({"shared_blocks": self.options.shared_blocks,
                    "code_shape": [int(s) for s in self.shared_encoder.output.shape[1:]],
                    "weights": dict(self.lambdas)})
        return out

    def param_counts(self) -> dict[str, int]:
        """Parameters of each part (the shared ones once) and of D_A and D_B."""
        out = {m.name: int(m.count_params()) for m in self.nets.models()}
        out.update({"D_A": int(self.d_a.count_params()), "D_B": int(self.d_b.count_params())})
        return out

    def code(self, x: np.ndarray, domain: str) -> np.ndarray:
        """μ of examples of `domain` (`a` or `b`, in its units): their shared-space codes."""
        x_net = self.domain[domain].normalizer.to_net(np.asarray(x, np.float32))
        return np.asarray(self.nets.encode(tf.constant(x_net), domain))
