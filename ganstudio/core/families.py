"""The model-family registry: what each family is, as data (no TensorFlow, no Qt).

A family is one recipe file in `core/recipes/`, one config section and the panels its
snapshots carry. The session, telemetry, checkpoints, export, CLI and studio read this registry
and the recipe's own declarations; none of them branches on a family's name.

Example:

```python
spec = get_family("cgan")
spec.recipe_class()      # imports ganstudio.core.recipes.cgan lazily
```
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from ganstudio.config import suggest
from ganstudio.core.data.base import IMAGES, POINTS
from ganstudio.errors import ConfigError, DataError

# What a family needs from the data, beyond the examples themselves.
NEEDS_CONDITION = "condition"  # class labels or captions
NEEDS_PAIR = "pair"  # two domains (unpaired translation): `Dataset.domain_b`

# Panel keys a snapshot may carry (the studio's panel registry draws them by their type).
PANEL_SAMPLES = "samples"
PANEL_D_HIST = "d_hist"
PANEL_MATCH_HIST = "match_hist"
PANEL_RECON = "recon"  # Samples: rows of inputs, each followed by its reconstruction
PANEL_LATENT = "latent"  # LatentCodes: a fixed labelled batch's codes
# The translation families (two domains): `d_hist` is D_B's (real B against G(a)).
PANEL_ROUND_TRIP = "round_trip"  # Samples: rows x_a, G(x_a), F(G(x_a)), x_b, F(x_b), G(F(x_b))
PANEL_FIELD = "field"  # TranslationField: 2D points, arrows from each probe to its translation
PANEL_D_HIST_A = "d_hist_a"  # Histograms: D_A's outputs (real A against F(b))
# StackGAN: `samples` shows per caption and z stage I, its bicubic enlargement and stage II
# side by side; `d_hist` is stage I's D.
PANEL_STAGE2 = "stage2"  # Samples: stage II's grid
PANEL_D2_HIST = "d2_hist"  # Histograms: stage II's D(x, c)

# The loss plot's curves: (scalar key, legend label); `value` gets the −2 log 2 reference.
GAN_CURVES = (("d_loss", "D loss"), ("g_loss", "G loss"), ("value", "V(G,D)"))

# The RBM's panels and curves (Step runs one CD update: no single-player modes).
# The RBM reads neither the adversarial objective nor the nets' settings (its size is
# rbm.hidden; the Parameters row stays).
RBM_UNUSED = ("objective", "net.name", "net.latent_dim", "net.depth", "net.width",
              "net.activation", "net.filters", "net.g_norm", "net.d_norm", "net.pack",
              "net.minibatch_std", "net.sync_bn")
RBM_PANELS = (PANEL_SAMPLES, "chain", "filters", "free_energy")
RBM_CURVES = (("recon_error", "reconstruction error"),
              ("free_energy_gap", "F(data) − F(samples)"),
              ("pseudo_likelihood", "pseudo-likelihood"))
# measured on the 2-core CPU: digits with 128 hidden units, PCD-1, batch 20 for 7,000 updates
# (~97 epochs) trains in ~35 s and the whole default run with AIS and sklearn in ~75 s
RBM_DEFAULTS: tuple[tuple[str, object], ...] = (("train.batch", 20), ("train.steps", 7_000))


# What the encoder families do not read: the adversarial objective and its optimizers (they
# have their own learning rate), D's packing and minibatch statistics, and synchronized batch
# norm (they train on one device: ENCODER_SINGLE_DEVICE).
ENCODER_UNUSED = ("objective", "net.pack", "net.minibatch_std", "net.sync_bn")

# Why the encoder families train on one device only (`FamilySpec.single_device`): what a
# strategy needs of a recipe (core.replicas) is done in the GAN families only so far.
ENCODER_SINGLE_DEVICE = ("its reconstruction and KL losses are means over each replica's own "
                         "rows, not yet shares of the global batch")

# The encoder families' first runs (digits: 8x8 images, ~4 ms a step on 2 cores): smaller
# batches, many steps, an evaluation at the end only (the quality report).
AE_DEFAULTS: tuple[tuple[str, Any], ...] = (
    ("train.batch", 64), ("train.steps", 6000), ("train.eval_every", 2000))

# The VAE-GAN's first run on digits: the VAE's batch; fewer steps, each ~2.5x the VAE's.
VAEGAN_DEFAULTS: tuple[tuple[str, Any], ...] = (
    ("train.batch", 64), ("train.steps", 4000), ("train.eval_every", 2000))

# The translation families (two domains): what they show and do not read. Their nets take
# net.filters (images) or net.depth, width and activation (points); no latent, no G/D norm
# choice (instance norm in the image nets), no packing.
TRANSLATION_PANELS = (PANEL_ROUND_TRIP, PANEL_FIELD, PANEL_D_HIST, PANEL_D_HIST_A)
TRANSLATION_UNUSED = ("objective", "net.name", "net.latent_dim", "net.g_norm", "net.d_norm",
                      "net.pack", "net.minibatch_std")
# CycleGAN's first run on the digit pairs (8x8; measured on the 2-core CPU, see its note)
CYCLEGAN_DEFAULTS: tuple[tuple[str, Any], ...] = (
    ("train.batch", 32), ("train.steps", 3000), ("train.eval_every", 1000))
# Direct translation's first run on the digit pairs (8x8; ~100 s on the loaded 2-core CPU)
TRANSLATE_DEFAULTS: tuple[tuple[str, Any], ...] = (
    ("train.batch", 32), ("train.steps", 3000), ("train.eval_every", 1000))
# StackGAN's first run: captioned shapes at 64x64 (16x16 for stage I) within ~40 minutes on
# the 2-core CPU. Stage I runs ~18 steps/s, stage II ~6.5 with stackgan.filters2 = 8 (2.7 with
# 16), so 40% of the steps go to stage I (~5 minutes) and the rest to stage II (~18 minutes).
STACKGAN_DEFAULTS: tuple[tuple[str, Any], ...] = (
    ("net.filters", 16), ("train.batch", 64), ("train.steps", 12_000),
    ("train.eval_every", 6000))

# UNIT's: each step runs 4 encodings and 6 decodings (~5 steps/s on the loaded 2-core CPU);
# on digits2edges its error was a seventh of the do-nothing baseline's after 2,000 steps
UNIT_DEFAULTS: tuple[tuple[str, Any], ...] = (
    ("train.batch", 32), ("train.steps", 2000), ("train.eval_every", 1000))


@dataclass(frozen=True)
class FamilySpec:
    """One model family, declared as data.

    Args:
        name: Registry name (`RunConfig.family`).
        title: A short title for menus.
        description: One line for listings.
        recipe: `"module:Class"` of its `Recipe`, imported only when a run is built.
        section: Its own config section, or `None`.
        needs: What the data must carry besides examples (`NEEDS_CONDITION`).
        kinds: The data kinds it trains on (`points`, `images`).
        export_inputs: The inputs of its export's `serving_default`, by name; `condition`
            stands for `label` or `caption`, whichever the data has.
        panels: The panel keys its snapshots carry (more may appear with some settings).
        step_modes: The single-update modes of the Step buttons besides `both`.
        seed_note: Where in the seeds (`../shared/seeds/`) the family is described.
        defaults: The family's own defaults for shared settings, `"section.field": value`
            (what its first run needs, measured on this project's 2-core CPU); a fresh
            config for the family (`RunConfig.for_family`) starts from them.
        loss_curves: The scalars the loss plot draws, as (key, legend label) pairs.
        unused_settings: Shared settings the family does not read, as `"section"` (all of
            it) or `"section.field"`; the setup form hides them.
        learning_rates: Its learning-rate settings, `"section.field"` (what going back after
            a divergence scales, and what the studio then shows).
        single_device: Why the family trains on one device only (a `train.strategy` with
            several replicas is refused with it); empty when it trains on several.
        live_settings: Its settings, `"section.field"`, that a user may change while it
            trains: the session hands a changed one to the recipe between two steps
            (`Recipe.apply_live_settings`), with no new model.
        float32_only: Why the family trains in float32 only (a mixed `train.precision` is
            refused with it); empty when its networks take a mixed policy.
    """

    name: str
    title: str
    description: str
    recipe: str
    section: str | None = None
    needs: tuple[str, ...] = ()
    kinds: tuple[str, ...] = (POINTS, IMAGES)
    export_inputs: tuple[str, ...] = ("z",)
    panels: tuple[str, ...] = (PANEL_SAMPLES, PANEL_D_HIST)
    step_modes: tuple[str, ...] = ("d", "g")
    seed_note: str = ""
    defaults: tuple[tuple[str, Any], ...] = ()
    loss_curves: tuple[tuple[str, str], ...] = GAN_CURVES
    unused_settings: tuple[str, ...] = ()
    learning_rates: tuple[str, ...] = ("objective.lr_d", "objective.lr_g")
    single_device: str = ""
    live_settings: tuple[str, ...] = ()
    float32_only: str = ""

    def recipe_class(self) -> type:
        """Imports and returns the family's `Recipe` class."""
        module, _, cls = self.recipe.partition(":")
        return getattr(importlib.import_module(module), cls)


def translation_spec(name: str, title: str, description: str, recipe: str,
                     **fields: Any) -> FamilySpec:
    """A translation family's spec: what the translation families share filled in (its
    own config section `name`, a two-domain dataset needed, `x` as the export's input, Step
    modes `d` and `g`, `TRANSLATION_UNUSED`, the section's `lr` and `lr_d` as its learning
    rates); `fields` gives the rest (`panels`, `seed_note`, `defaults`, `loss_curves`)."""
    return FamilySpec(name, title, description, recipe, section=name, needs=(NEEDS_PAIR,),
                      export_inputs=("x",), step_modes=("d", "g"),
                      unused_settings=TRANSLATION_UNUSED,
                      learning_rates=(f"{name}.lr", f"{name}.lr_d"), **fields)


FAMILIES: dict[str, FamilySpec] = {
    f.name: f
    for f in [
        FamilySpec(
            "gan", "GAN", "the unconditional GAN: G(z) against D(x)",
            "ganstudio.core.recipes.gan:GANRecipe",
            seed_note="seeds 000 and 003: the min-max game",
        ),
        FamilySpec(
            "cgan", "Conditional GAN", "G(z, c) against D(x, c): class labels or text captions, "
                                       "with mismatched pairs",
            "ganstudio.core.recipes.cgan:CGANRecipe", section="cgan",
            needs=(NEEDS_CONDITION,), export_inputs=("z", "condition"),
            seed_note="seed 002: conditional generation",
            # 32x32 captioned shapes within ~20 minutes on 2 cores: a net with half the
            # filters runs ~5x faster per step, and many small steps beat few large ones.
            defaults=(("net.filters", 16), ("train.batch", 64), ("train.steps", 12_000)),
        ),
        FamilySpec(
            "ae", "Autoencoder", "encoder and decoder trained to reconstruct; the decoder fed "
                                 "from a Gaussian fitted to the codes is the generator",
            "ganstudio.core.recipes.autoencoder:AERecipe", section="ae",
            panels=(PANEL_SAMPLES, PANEL_RECON, PANEL_LATENT), step_modes=(),
            seed_note="seed 000: the auto-encoder, its decoder as a generator",
            defaults=AE_DEFAULTS, unused_settings=ENCODER_UNUSED, learning_rates=("ae.lr",),
            loss_curves=(("recon", "reconstruction loss"), ("mse", "MSE per value")),
            single_device=ENCODER_SINGLE_DEVICE + "; and its sampling Gaussian is fitted to "
                          "each replica's codes on its own",
        ),
        FamilySpec(
            "vae", "Variational autoencoder", "encoder q(c|x) = N(m, exp σ), c = exp(σ/2)·e + m, "
                                              "decoder p(x|c): the ELBO with β, warm-up and "
                                              "free bits",
            "ganstudio.core.recipes.autoencoder:VAERecipe", section="vae",
            panels=(PANEL_SAMPLES, PANEL_RECON, PANEL_LATENT), step_modes=(),
            seed_note="seed 000: Auto-encoder Variational Bayes",
            defaults=AE_DEFAULTS, unused_settings=ENCODER_UNUSED, learning_rates=("vae.lr",),
            loss_curves=(("recon", "reconstruction −log p(x|c)"), ("kl", "KL(q(c|x) ‖ p(c))"),
                    ("loss", "loss (recon + β·KL)")),
            single_device=ENCODER_SINGLE_DEVICE + "; and free bits clamp the batch's mean KL "
                          "per dimension, which replicas cannot add up from their shares",
        ),
        FamilySpec(
            "rbm", "RBM", "a restricted Boltzmann machine on binarised images, trained by "
                          "CD-k or persistent CD",
            "ganstudio.core.recipes.rbm:RBMRecipe", section="rbm", kinds=(IMAGES,),
            export_inputs=("n", "steps", "seed"), panels=RBM_PANELS, step_modes=(),
            seed_note="seed 002: the supplement on restricted Boltzmann machines",
            defaults=RBM_DEFAULTS, loss_curves=RBM_CURVES, unused_settings=RBM_UNUSED,
            learning_rates=("rbm.learning_rate",),
            single_device="its contrastive-divergence updates are hand-written assignments "
                          "from each replica's own rows, not optimizer steps, so the "
                          "replicas' weights would drift apart",
            float32_only="its Gibbs sampling and contrastive-divergence updates are its "
                         "own TensorFlow ops on float32 variables, not calls of Keras layers, "
                         "so a mixed policy would change none of its arithmetic",
        ),
        FamilySpec(
            "vaegan", "VAE-GAN", "a VAE whose decoder is also a GAN's generator; reconstruction "
                                 "measured in D's features (Larsen et al. 2016)",
            "ganstudio.core.recipes.vaegan:VAEGANRecipe", section="vaegan",
            panels=(PANEL_SAMPLES, PANEL_RECON, PANEL_LATENT, PANEL_D_HIST),
            step_modes=("d", "g"),  # d: D only; g: the encoder and the decoder
            seed_note="seed 002: VAE-GAN, the decoder shared by the VAE and the GAN",
            defaults=VAEGAN_DEFAULTS, unused_settings=ENCODER_UNUSED,
            learning_rates=("vaegan.lr", "vaegan.lr_d"),
            loss_curves=(("kl", "KL(q(c|x) ‖ p(c))"), ("feature_recon", "L_llike (D's features)"),
                         ("d_loss", "D loss"), ("g_loss", "decoder GAN loss")),
            single_device=ENCODER_SINGLE_DEVICE,
        ),
        FamilySpec(
            "stackgan", "StackGAN", "a caption drawn in two stages: a conditional GAN at a "
                                    "quarter of the side, then stage II redraws its image at "
                                    "the full size",
            "ganstudio.core.recipes.stackgan:StackGANRecipe", section="stackgan",
            needs=(NEEDS_CONDITION,), kinds=(IMAGES,), export_inputs=("z", "condition"),
            panels=(PANEL_SAMPLES, PANEL_STAGE2, PANEL_D_HIST, PANEL_D2_HIST),
            seed_note="seed 002: Stack GAN, two stages with conditioning augmentation",
            defaults=STACKGAN_DEFAULTS,
            loss_curves=(("d1_loss", "stage I D loss"), ("g1_loss", "stage I G loss"),
                         ("d2_loss", "stage II D loss"), ("g2_loss", "stage II G loss"),
                         ("kl1", "stage I augmentation KL"),
                         ("kl2", "stage II augmentation KL")),
            single_device="its stage switch and step counter are plain variables of one "
                          "device, and each stage's losses are means over its own rows",
            live_settings=("stackgan.stage",),
        ),
        translation_spec(
            "cyclegan", "CycleGAN", "unpaired translation A ↔ B: G: A → B and F: B → A against "
                                    "a D per domain, with cycle consistency F(G(a)) ≈ a",
            "ganstudio.core.recipes.cyclegan:CycleGANRecipe",
            panels=TRANSLATION_PANELS,  # round_trip for images, field for points
            # step modes d: D_A and D_B; g: G and F
            seed_note="seed 002: unsupervised conditional generation, CycleGAN",
            defaults=CYCLEGAN_DEFAULTS,
            loss_curves=(("g_adv", "adversarial (G and F)"), ("cycle", "cycle L1"),
                         ("identity", "identity L1"), ("d_loss", "D_A + D_B loss")),
        ),
        translation_spec(
            "translate", "Direct translation", "one-way translation A → B: G against a D of "
                                               "domain B, tied to its input by a frozen "
                                               "encoder's agreement",
            "ganstudio.core.recipes.direct:DirectRecipe",
            panels=(PANEL_ROUND_TRIP, PANEL_FIELD, PANEL_D_HIST),  # a → b only: no D_A
            # step modes d: D_B; g: G
            seed_note="seed 002: unsupervised conditional generation, direct transformation",
            defaults=TRANSLATE_DEFAULTS,
            loss_curves=(("g_adv", "adversarial (G)"),
                         ("consistency", "encoder consistency KL"), ("d_loss", "D_B loss")),
        ),
        translation_spec(
            "unit", "UNIT", "unpaired translation through a shared latent space: a VAE per "
                            "domain sharing the encoders' last and the decoders' first "
                            "layers, a D per domain",
            "ganstudio.core.recipes.unit:UNITRecipe",
            panels=TRANSLATION_PANELS,
            # step modes d: D_A and D_B; g: the encoders and decoders
            seed_note="seed 002: unsupervised conditional generation, the shared latent space "
                      "(a VAE-GAN per domain)",
            defaults=UNIT_DEFAULTS,
            loss_curves=(("g_adv", "adversarial"), ("recon", "reconstruction L1"),
                         ("cycle", "cycle L1"), ("kl", "KL of the codes"),
                         ("d_loss", "D_A + D_B loss")),
        ),
    ]
}


def family_names() -> tuple[str, ...]:
    """The registered family names, in display order."""
    return tuple(FAMILIES)


def get_family(name: str) -> FamilySpec:
    """Returns a family by name.

    Raises:
        ConfigError: for an unknown name, with the closest match.
    """
    spec = FAMILIES.get(name)
    if spec is None:
        hint = suggest(str(name), list(FAMILIES))
        raise ConfigError(f"family: {name!r} is not a model family; families are "
                          f"{', '.join(FAMILIES)}.{hint}")
    return spec


def check_data(spec: FamilySpec, kind: str, has_labels: bool, has_captions: bool,
               dataset_name: str, has_pair: bool = False) -> None:
    """Checks that a dataset carries what a family needs.

    Raises:
        DataError: saying what is missing and which data would do.
    """
    if kind not in spec.kinds:
        raise DataError(f"family {spec.name} does not train on {kind}; {dataset_name!r} is "
                        f"{kind}.", f"Pick a dataset of {' or '.join(spec.kinds)}.")
    if NEEDS_CONDITION in spec.needs and not (has_labels or has_captions):
        raise DataError(
            f"family {spec.name} needs labels or captions, and {dataset_name!r} has neither.",
            "Use digits or shapes, a folder with one subfolder per class, or images with a "
            "captions.csv beside them.")
    if NEEDS_PAIR in spec.needs and not has_pair:
        raise DataError(
            f"family {spec.name} translates between two domains, and {dataset_name!r} is one.",
            "Use a built-in pair (digits2inverted, digits2edges, ...), a folder with A/ and B/ "
            "subfolders, or give the second domain with --dataset-b.")
    if NEEDS_PAIR not in spec.needs and has_pair:
        raise DataError(
            f"{dataset_name!r} holds two domains, for the translation families; family "
            f"{spec.name} trains on one.", "Pick a translation family (translate, cyclegan, "
            "unit), or a one-domain dataset.")


def learning_rate_values(spec: FamilySpec, config: Any) -> dict[str, float]:
    """The family's learning rates in `config`, by `"section.field"`."""
    return {key: float(getattr(getattr(config, key.partition(".")[0]), key.partition(".")[2]))
            for key in spec.learning_rates}


def describe_learning_rates(spec: FamilySpec, config: Any) -> str:
    """`"lr_d 0.0005, lr_g 0.0005"`: the family's learning rates in `config`, for messages."""
    return ", ".join(f"{key.partition('.')[2]} {value:.3g}"
                     for key, value in learning_rate_values(spec, config).items())
