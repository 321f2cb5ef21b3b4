"""Direct translation (seed 002's first way of unsupervised conditional generation), family
`translate`: one translator G: A → B judged by a discriminator D_B trained on domain B.

    a ─ G ─> G(a)          D_B: real b against G(a)
    │          │
    E ─> p(·|a) ≈ p(·|G(a)) ─ E      (encoder consistency, optional)

D_B alone only asks G(a) to look like some example of B: G may ignore its input (the seed:
"G may produce an image unrelated to x that looks like domain Y"). The seed's two remedies
are the network's design (here the ResNet translator of `nets.translation`, whose
convolutions keep some of the input's layout) and a pre-trained encoder whose outputs for x and G(x) must
agree, as in Taigman et al. 2017's f-constancy. The encoder here is the metrics' small CNN
(`metrics.classifier`) trained once, on the labelled examples of both domains together, and
frozen. The two domains need one space to compare in:

- the metrics' own classifiers are one per domain; their 128 features are two unrelated
  bases (feature i of A's network means nothing to B's), so comparing them is meaningless,
  and using B's classifier in the loss would train G against the very network that
  measures label agreement afterwards (G could learn to fool it rather than to keep the
  digit);
- one classifier of both domains reads a class in either, and its class posterior is the
  part of its output that means the same in both (its features also encode which domain an
  image is from, which D_B asks G to change). So the term is

      L_cons = E_a[ KL( p(·|a) ‖ p(·|G(a)) ) ] = E_a[ Σ_c p(c|a) (log p(c|a) − log p(c|G(a))) ]

  in nats: 0 when G(a) is read as the same digit with the same confidence.

The losses (LSGAN, as `cyclegan`, so the two differ only in what ties G to its input):

    L_G   = E[(D_B(G(a)) − 1)²] + λ_c · L_cons
    L_D_B = ½ E[(D_B(b) − 1)²] + ½ E[D_B(G(a))²]

λ_c = `translate.consistency`, 0.3 by default. Measured over 3,000 steps (label agreement of
the target domain's own metrics classifier, a network the loss never sees): on digits2printed
46% without the term and 88.6% with it; on digits2inverted and digits2edges, where a residual
translator near the identity already keeps the digit (94% and 89% without), 0.3 keeps 94%,
while λ_c = 1 fell to 84% and 67%: a strong term pulls G(a) toward what the frozen CNN reads
confidently rather than toward domain B (FD in B 16.5 and 27 against 2.4 and 2.9). The
translator sees the whole image (3 residual blocks at 8 to 32 pixels, unlike cyclegan's local
one): with cyclegan's none, G could not redraw a handwritten digit in print (62%, FD 68.7).

A step updates G, then D_B on the same batch's G(a). The family learns a → b only: the export
has `serving_default` and `a_to_b` and no `b_to_a` (its metadata says why), and the metrics
score one direction. The consistency needs labelled image pairs whose domains share their
classes; on others (points, a user's unlabelled folders) the run trains without it and says
so in its objective and `run.json`.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from ganstudio.core.data.base import IMAGES, Dataset
from ganstudio.core.objectives import LeastSquares, batch_mean
from ganstudio.core.recipes.base import RecipeContext
from ganstudio.core.recipes.translation import A_TO_B, TranslationRecipe
from ganstudio.errors import ConfigError

PROB_FLOOR = 1e-7  # log p is taken of max(p, PROB_FLOOR): a confident softmax underflows to 0


def both_domains(dataset: Dataset) -> Dataset:
    """The labelled examples of both domains of a pair as one dataset (the encoder's data).

    Args:
        dataset: A two-domain image dataset with labels in both domains.

    Returns:
        A one-domain dataset, A's examples then B's, with their labels; its name joins the
        pair's (the classifier cache keys on it and on the content).
    """
    b = dataset.domain_b
    return Dataset(f"{dataset.name}-both-domains", IMAGES,
                   np.concatenate([dataset.x, b.x]).astype(np.float32),
                   np.concatenate([dataset.y, b.y]).astype(np.int64), dataset.class_names,
                   description=f"{dataset.name}: both domains' labelled examples")


def consistency_encoder(dataset: Dataset, status=None) -> tuple[keras.Model | None, str]:
    """The frozen encoder of the consistency term, where the pair allows one.

    Args:
        dataset: The two-domain data.
        status: Optional callable told when the classifier is trained (once; it is cached
            as the metrics' classifiers are).

    Returns:
        (a frozen `keras.Model` images in [0, 1] -> class probabilities, or `None`; one line
        saying which encoder it is, or why there is none).
    """
    from ganstudio.core.metrics.classifier import get_classifier
    from ganstudio.core.metrics.translation import _same_classes

    if dataset.kind != IMAGES:
        return None, "none (points: no pre-trained encoder)"
    if not _same_classes(dataset, dataset.domain_b):
        return None, "none (the two domains do not share labelled classes)"
    clf = get_classifier(both_domains(dataset), status=status)
    model = clf.model
    model.trainable = False
    return model, (f"the metrics' CNN trained on both domains' labels "
                   f"({100 * float(clf.accuracy or 0):.1f}% held out), frozen")


def consistency_kl(p_source, p_translated):
    """KL(p(·|x) ‖ p(·|G(x))) per example, averaged over the (global) batch, in nats.

    Args:
        p_source: [N, C] class probabilities of the inputs.
        p_translated: [N, C] class probabilities of their translations.

    Returns:
        A scalar: (1/N) Σ_n Σ_c p_nc (log p_nc − log q_nc), logs of max(·, `PROB_FLOOR`).
    """
    log_p = ops.log(ops.maximum(p_source, PROB_FLOOR))
    log_q = ops.log(ops.maximum(p_translated, PROB_FLOOR))
    return batch_mean(ops.sum(p_source * (log_p - log_q), axis=-1))


def recipe_blocks(dataset: Dataset, res_blocks: int | None) -> int | None:
    """The translator's residual blocks: `res_blocks`, else for images enough to see the whole
    image (`nets.translation.whole_image_res_blocks`: G redraws the digit, and the encoder,
    not locality, ties it to its input); `None` for points (an MLP)."""
    from ganstudio.core.nets.translation import whole_image_res_blocks

    if res_blocks is not None or dataset.kind != IMAGES:
        return res_blocks
    return whole_image_res_blocks(dataset.shape)


class DirectRecipe(TranslationRecipe):
    """G: A → B against D_B, with optional encoder consistency (module docstring).

    Args:
        context: The run's context (two domains).
        g: A's examples -> B's (network ranges).
        d_b: B's examples -> logits (a patch map for images, one per point).
        encoder: The frozen encoder (images in [0, 1] -> class probabilities), or `None`.
        encoder_note: Which encoder it is, or why there is none.
        options: The `translate` config section.
        seed: Seeds the recipe's random draws.
    """

    family = "translate"
    directions = (A_TO_B,)
    scalar_keys = ("g_loss", "g_adv", "consistency", "d_loss", "d_real", "d_fake",
                   "grad_norm_g", "grad_norm_d")
    headline_scalars = ("g_adv", "consistency", "d_loss")

    def __init__(self, context: RecipeContext, g, d_b, encoder, encoder_note: str, options,
                 seed: int = 0, **kwargs):
        super().__init__(context, seed, **kwargs)
        self.g, self.d_b = g, d_b
        self.encoder = encoder
        self.encoder_note = encoder_note
        self.consistency_weight = float(options.consistency) if encoder is not None else 0.0
        self.objective = LeastSquares()
        self.options = options

    @classmethod
    def create(cls, context: RecipeContext) -> DirectRecipe:
        """Builds G and D_B sized from the data, the encoder (trained once and cached, when
        `translate.consistency` > 0 and the pair has shared labels), the two optimizers, and
        compiles.

        Raises:
            ConfigError: for one-domain data, or images the nets cannot take (not square,
                outside 8..128 pixels).
        """
        from ganstudio.core.nets.translation import (
            build_domain_discriminator,
            build_translator,
        )

        cfg = context.config
        opts = cfg.translate
        ds = context.dataset
        if ds.domain_b is None:
            raise ConfigError(f"translate maps one domain to another; {ds.name!r} is one.")
        encoder, note = (consistency_encoder(ds) if opts.consistency > 0
                         else (None, "off (translate.consistency = 0)"))
        recipe = cls(context,
                     build_translator(ds.kind, ds.shape, ds.domain_b.shape, cfg.net,
                                      recipe_blocks(ds, opts.res_blocks), name="G"),
                     build_domain_discriminator(ds.kind, ds.domain_b.shape, cfg.net, name="D_B"),
                     encoder, note, opts, seed=cfg.train.seed)
        recipe.compile(jit_compile=context.jit)
        recipe.make_optimizers(opts, recipe.g.trainable_variables,
                               recipe.d_b.trainable_variables)
        return recipe

    # -- the family's side of the contract -------------------------------------------------------

    def translate_net(self, x_net, direction: str, training: bool = False):
        """G (the only direction; `check_direction` refuses `b_to_a` before this)."""
        return self.g(x_net, training=training)

    def d_scores(self, x_net, domain: str):
        """D_B's LSGAN score per example (the mean over a PatchGAN's map); no D_A."""
        if domain != "b":
            return None
        out = self.d_b(x_net, training=False)
        return ops.mean(ops.reshape(out, (ops.shape(out)[0], -1)), axis=1)

    @property
    def steps(self) -> int:
        """Updates of G so far (a D-only Step does not count; continues across resume)."""
        return int(self.g_optimizer.iterations.numpy())

    def state_variables(self) -> list:
        """G, D_B, the encoder (frozen, restored so a resumed run keeps its target), the seed
        and both optimizers: a stable order."""
        out = list(self.g.variables) + list(self.d_b.variables)
        if self.encoder is not None:
            out += list(self.encoder.variables)
        out.append(self.seed_generator.state)
        out += list(self.g_optimizer.variables) + list(self.d_optimizer.variables)
        return out

    def objective_text(self) -> str:
        """`direct translation (LSGAN, encoder consistency 0.3)`, or `..., no encoder`."""
        tie = (f"encoder consistency {self.consistency_weight:g}" if self.encoder is not None
               else "no encoder consistency")
        return f"direct translation (LSGAN, {tie})"

    # -- the losses ------------------------------------------------------------------------------

    def class_probs(self, x_net, key: str):
        """The encoder's class probabilities of examples of domain `key` (network range)."""
        return self.encoder(self.domain[key].to_data(x_net), training=False)

    def generator_terms(self, a, training: bool = False) -> dict[str, Any]:
        """G's loss and its terms on a batch of A (network range).

        Returns:
            `g_loss`, `g_adv` (E[(D_B(G(a)) − 1)²]), `consistency` (the KL, unweighted; 0
            without an encoder) and `fake_b` = G(a).
        """
        fake_b = self.g(a, training=training)
        adv = 2.0 * self.objective.g_loss(self.d_b(fake_b, training=False))
        consistency = ops.zeros(())
        if self.encoder is not None and self.consistency_weight > 0:
            consistency = consistency_kl(self.class_probs(a, "a"),
                                         self.class_probs(fake_b, "b"))
        return {"g_loss": adv + self.consistency_weight * consistency, "g_adv": adv,
                "consistency": consistency, "fake_b": fake_b}

    def _update(self, a, b, update_g: bool, update_d: bool) -> dict[str, Any]:
        """G on L_G, then D_B on real b and this forward pass's G(a) (from before G's update)."""
        with tf.GradientTape() as tape:
            t = self.generator_terms(a, training=True)
        logs = {k: t[k] for k in ("g_loss", "g_adv", "consistency")}
        if update_g:
            logs["grad_norm_g"] = self.descend(self.g_optimizer, tape, t["g_loss"],
                                               self.g.trainable_variables)
        if update_d:
            fake = ops.stop_gradient(t["fake_b"])
            with tf.GradientTape() as tape:
                real_scores, fake_scores = self.d_b(b, training=True), self.d_b(fake,
                                                                                training=True)
                d_loss = self.objective.d_loss(real_scores, fake_scores)
            norm = self.descend(self.d_optimizer, tape, d_loss, self.d_b.trainable_variables)
            logs.update({"d_loss": d_loss, "d_real": ops.mean(real_scores),
                         "d_fake": ops.mean(fake_scores), "grad_norm_d": norm})
        return logs

    def update(self, a, b, mode: str) -> dict[str, Any]:
        """`both`: a training step (`_update`); `g`: G only; `d`: D_B only."""
        return self._update(a, b, mode in ("both", "g"), mode in ("both", "d"))

    # -- what the run's files record ---------------------------------------------------------

    def export_layers(self) -> list:
        """The translator."""
        return [self.g]

    def describe(self) -> dict[str, Any]:
        """The domains, the translator's plan (images) and the consistency term's encoder."""
        from ganstudio.core.nets.translation import translator_plan

        out = super().describe()
        if self.kind == IMAGES:
            out["translator"] = translator_plan(
                self.domain["a"].shape, recipe_blocks(self.domain["a"].data,
                                                      self.options.res_blocks))
        out.update({"directions": list(self.directions),
                    "consistency_weight": self.consistency_weight,
                    "encoder": self.encoder_note})
        return out

    def param_counts(self) -> dict[str, int]:
        """Parameters of G and D_B (and of the frozen encoder, not trained here)."""
        out = {"G": int(self.g.count_params()), "D_B": int(self.d_b.count_params())}
        if self.encoder is not None:
            out["encoder (frozen)"] = int(self.encoder.count_params())
        return out
