"""The conditional GAN recipe (seed 002, "conditional generation"): G(z, c) against D(x, c).

The condition c is a class label or a text caption. D must say "no" in two cases, as the seed
puts it: a good image with the wrong condition, and a generated image with the right one. Its
loss has three terms (GAN-CLS, Reed et al. 2016):

    L_D = L_real(D(x, c)) + w_f · L_fake(D(G(z, c), c)) + w_m · L_fake(D(x, ĉ))

with ĉ a condition that is never x's own (`mismatch_ids`), w_f = w_m = ½ by default, and
L_real / L_fake the objective's two terms (`Objective.d_real_loss` / `d_fake_loss`).

Two discriminator designs from the seed, and a third:
- `joint`: one network sees x and c and gives one score (the loss above); c's code joins x at
  the input, as constant extra channels of an image (or extra features of a point);
- `separate`: on shared features φ(x), a realness head r(x) = ψ(φ(x)) that sees x alone and a
  match head m(x, c) = ⟨e(c), W φ(x)⟩; r learns real against generated, m learns matched
  against mismatched real pairs, each with its own loss (L_real(r(x)) + L_fake(r(G))) and
  (L_real(m(x, c)) + L_fake(m(x, ĉ))), so a low score says *why* it is low; G is scored by
  both (the weights w_f and w_m belong to the single-score designs);
- `projection` (Miyato & Koyama 2018): score = ψ(φ(x)) + ⟨e(c), W φ(x)⟩, with the three-case
  loss.

A concatenation of φ(x) and c fed to a small MLP head was tried first for `joint` and
`separate`: on digits it learned the mismatch (ROC-AUC 0.81-0.85) but G followed the label
on only 24-26% of samples after 1,500 steps, against 99.3% for the projection head.

Captions are read by a text encoder inside the model (`TextVectorization` with a fixed
vocabulary, word embeddings, then a mean over the words or a small GRU), so the export takes
strings. With conditioning augmentation (StackGAN) G sees c = μ + σ·ε around the text code,
with the KL term KL(N(μ, σ²) ‖ N(0, I)) per code dimension (averaged over them, as StackGAN's
code does) weighted by `augment_kl`; samples and the export use μ.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from ganstudio.core import replicas
from ganstudio.core.data.base import IMAGES, POINTS, Dataset
from ganstudio.core.nets.blocks import Pack
from ganstudio.core.objectives import CRITIC, GameSpec, batch_mean, build_game
from ganstudio.core.panels import Histograms, Samples
from ganstudio.core.precision import descend
from ganstudio.core.recipes.base import (
    Evaluator,
    ExportSpec,
    InputSpec,
    RecipeContext,
    TwoPlayerRecipe,
)
from ganstudio.core.recipes.gan import (
    check_packing,
    field_grid,
    jsd_scalars,
    mean_d,
    seeded_latents,
)
from ganstudio.errors import ConfigError, DataError

LABEL = "label"
CAPTION = "caption"
GRID_COLUMNS = 8  # fixed z per row of the live sample grid
GRID_ROWS = 10  # conditions shown (rows) at most


def mismatch_ids(ids, n_conditions: int, seed) -> Any:
    """Condition ids that are never the given ones: (id + U{1, C−1}) mod C.

    Args:
        ids: Integer condition ids [N] in [0, C).
        n_conditions: C, at least 2.
        seed: A `keras.random.SeedGenerator` (or an int seed).

    Returns:
        int32 ids [N], each uniform over the C − 1 conditions other than its own.
    """
    shift = replicas.randint(ops.shape(ids), 1, n_conditions, seed=seed, dtype="int32")
    return (ops.cast(ids, "int32") + shift) % n_conditions


def three_case_d_loss(objective, real_logits, fake_logits, wrong_logits, fake_weight: float = 0.5,
                      mismatch_weight: float = 0.5):
    """D's loss over the seed's three cases (GAN-CLS weighting by default):

        L_real(D(x, c)) + w_f · L_fake(D(G(z, c), c)) + w_m · L_fake(D(x, ĉ))

    Args:
        objective: An `Objective` (its `d_real_loss` and `d_fake_loss` terms).
        real_logits: D on real examples with their own condition.
        fake_logits: D on generated examples with the condition they were drawn for.
        wrong_logits: D on real examples with a mismatched condition.
        fake_weight: w_f.
        mismatch_weight: w_m.

    Returns:
        The scalar loss.
    """
    return (objective.d_real_loss(real_logits) + fake_weight * objective.d_fake_loss(fake_logits)
            + mismatch_weight * objective.d_fake_loss(wrong_logits))


def caption_vocabulary(captions: list[str], max_tokens: int = 20_000) -> list[str]:
    """The text encoder's words, most frequent first, ties alphabetical (so it is the same on
    every load of the same data). Lower-cased, punctuation stripped, as `TextVectorization`'s
    default standardization does."""
    counts = Counter(w for c in captions for w in re.sub(r"[^\w\s]", " ", c.lower()).split())
    return [w for w, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))][:max_tokens]


def condition_kind(setting: str, dataset: Dataset) -> str:
    """`label` or `caption`, from `cgan.condition` and what the data has.

    Raises:
        DataError: when the data lacks what the setting asks for.
    """
    has_captions = bool(getattr(dataset, "captions", None))
    has_labels = dataset.y is not None
    if setting == "auto":
        setting = CAPTION if has_captions else LABEL
    if setting == CAPTION and not has_captions:
        raise DataError(f"cgan.condition: {dataset.name!r} has no captions.",
                        "Use shapes, a folder with a captions.csv, or --set cgan.condition=label.")
    if setting == LABEL and not has_labels:
        raise DataError(f"cgan.condition: {dataset.name!r} has no labels.",
                        "Use a dataset with classes (digits, subfolders per class) or captions.")
    return setting


def _feature_trunk(discriminator: keras.Model) -> keras.Model:
    """D without its logit layer: x -> the features the logit reads."""
    return keras.Model(discriminator.inputs, discriminator.layers[-1].input, name="d_trunk")


def _text_encoder(vocab_size: int, max_words: int, dim: int, kind: str, out_dim: int,
                  name: str) -> keras.Model:
    """Token ids [N, T] (0 = padding) -> a code [N, out_dim]: word embeddings, then a masked
    mean (`bag`) or a GRU (`gru`), then a dense layer."""
    ids = keras.Input((max_words,), dtype="int32", name="tokens")
    emb = keras.layers.Embedding(vocab_size, dim, name="words")(ids)
    mask = ops.cast(ops.not_equal(ids, 0), emb.dtype)[..., None]
    if kind == "gru":
        h = keras.layers.GRU(dim, name="gru")(emb, mask=ops.not_equal(ids, 0))
    else:
        h = ops.sum(emb * mask, axis=1) / ops.maximum(ops.sum(mask, axis=1), 1.0)
    out = keras.layers.Dense(out_dim, name="code")(keras.layers.LeakyReLU(0.2)(h))
    return keras.Model(ids, out, name=name)


AUGMENT_START_LOG_VAR = -4.0  # log σ² of the augmentation's noise before training: σ ≈ 0.14


def count(variables: list) -> int:
    """The number of values in some variables."""
    return int(sum(int(np.prod(v.shape)) for v in variables))


def g_trainable(encoder: keras.Model, body: keras.Model, d_encoder: keras.Model) -> list:
    """G's trainable variables: its encoder's and body's, without D's condition encoder (which
    an augmentation encoder holds, read without a gradient)."""
    shared = {id(v) for v in d_encoder.trainable_variables}
    return [v for v in [*encoder.trainable_variables, *body.trainable_variables]
            if id(v) not in shared]


def augmentation_encoder(d_encoder: keras.Model, out_dim: int, name: str) -> keras.Model:
    """G's conditioning augmentation: D's condition encoder, read without a gradient, then a
    dense layer giving μ and log σ² (`out_dim` = 2 × the code size).

    StackGAN reads its captions through a text encoder trained to match images with their
    text; D's encoder is that here (D trains it on matched and mismatched pairs). The log σ²
    half starts at `AUGMENT_START_LOG_VAR`, so the noise starts small.

    Measured on shapes (16x16, stage I of `stackgan`, colour read back after 2,000 steps; chance
    17%): without augmentation 86%; with it, at chance whatever the KL weight (0, 0.2, 2), the
    starting σ, the code size (32, 128), or which encoder G reads (its own or D's, 19%); with
    the noise switched off (the KL kept) 77%. The noise is what hides the colour from a fresh
    G, so it also grows from 0 over `augment_warmup` updates (`CGANRecipe._g_code`): then
    100% after 4,000 steps.

    Args:
        d_encoder: D's condition encoder (labels or caption tokens -> a code).
        out_dim: 2 × the code size.
        name: The model's name.

    Returns:
        A `keras.Model` with D's encoder inside it: G's optimizer must leave that part alone
        (`CGANRecipe._g_variables` drops it).
    """
    inputs = keras.Input(d_encoder.input.shape[1:], dtype=d_encoder.input.dtype,
                         name=d_encoder.input.name)
    code = ops.stop_gradient(d_encoder(inputs))
    out = keras.layers.Dense(out_dim, name="augmentation")(code)
    model = keras.Model(inputs, out, name=name)
    bias = model.layers[-1].bias
    value = bias.numpy()
    value[out_dim // 2:] = AUGMENT_START_LOG_VAR
    bias.assign(value)
    return model


def _label_encoder(n_classes: int, out_dim: int, name: str) -> keras.Model:
    label = keras.Input((), dtype="int32", name="label")
    out = keras.layers.Embedding(n_classes, out_dim, name="embedding")(label)
    return keras.Model(label, out, name=name)


class CGANRecipe(TwoPlayerRecipe):
    """The conditional GAN; see the module docstring for the losses and designs.

    Build it with `CGANRecipe.create(context)`; the pipeline yields `x` and `cond` (a class
    label, or the index of the example's caption among the distinct captions).
    """

    family = "cgan"
    step_modes = ("d", "g")
    replica_shares = ("d_loss", "g_loss", "value", "d_loss_realness", "d_loss_match", "kl")

    def __init__(self, *, g_encoder, g_body, d_encoder, trunk, heads: dict, game: GameSpec,
                 condition: str, n_conditions: int, latent_dim: int, embed_dim: int, batch: int,
                 d_steps: int, design: str, fake_weight: float, mismatch_weight: float,
                 augment: bool, augment_kl: float, ema: float, seed: int, pack: int = 1,
                 augment_warmup: int = 0,
                 token_table: np.ndarray | None = None, vectorizer=None, **kwargs):
        super().__init__(name="cgan", **kwargs)
        self.g_encoder = g_encoder
        self.g_body = g_body
        self.d_encoder = d_encoder
        self.trunk = trunk
        self.heads = heads
        self.game = game
        self.objective = game.objective
        self.critic_output = game.objective.output == CRITIC
        self.condition = condition
        self.n_conditions = int(n_conditions)
        self.latent_dim = int(latent_dim)
        self.embed_dim = int(embed_dim)
        self.batch = int(batch)
        self.d_steps = int(d_steps)
        self.design = design
        self.fake_weight = float(fake_weight)
        self.mismatch_weight = float(mismatch_weight)
        self.augment = bool(augment)
        self.augment_kl = float(augment_kl)
        self.augment_warmup = int(augment_warmup)
        self.ema_decay = float(ema)
        self.seed_generator = keras.random.SeedGenerator(seed, name="z_seed")
        self.pack_m = int(pack)
        self.packer = Pack(pack)
        self.token_table = None if token_table is None else np.asarray(token_table, np.int32)
        self.vectorizer = vectorizer
        keys = ["d_loss", "g_loss", "value", "d_real", "d_fake", "d_mismatch",
                "grad_norm_d", "grad_norm_g"]
        if design == "separate":
            keys += ["d_loss_realness", "d_loss_match", "match_real", "match_wrong",
                     "match_fake"]
        if self.augment:
            keys.append("kl")
        self.scalar_keys = tuple(keys)
        self.watched_scalars = ("d_loss", "g_loss", "grad_norm_d", "grad_norm_g")
        self.trackers = {k: keras.metrics.Mean(name=k) for k in keys}
        self.ema_g_encoder = self.ema_g_body = None
        if ema > 0:
            self.ema_g_encoder = keras.models.clone_model(g_encoder)
            self.ema_g_encoder.set_weights(g_encoder.get_weights())
            self.ema_g_body = keras.models.clone_model(g_body)
            self.ema_g_body.set_weights(g_body.get_weights())
        self._single_steps: dict = {}
        self.context: RecipeContext | None = None
        self.net_config = None
        self.class_names: list[str] = []
        self.captions: list[str] = []
        self.cond_ids: np.ndarray | None = None

    # -- building ------------------------------------------------------------------------------

    @classmethod
    def create(cls, context: RecipeContext) -> CGANRecipe:
        """Builds the encoders, G, D (in the configured design), optimizers, and compiles."""
        return cls.build(context, context.config.cgan, context.dataset.shape)

    @classmethod
    def build(cls, context: RecipeContext, opts: Any, shape: tuple[int, ...]) -> CGANRecipe:
        """`create` with the conditional settings `opts` (a `CGANConfig`) and G's and D's
        example shape; `add_parts(context)` runs before the optimizers are made."""

        from ganstudio.core.nets import build_generator, resolve_net_config

        cfg = context.config
        ds = context.dataset
        kind = condition_kind(opts.condition, ds)
        net_cfg = resolve_net_config(cfg.net, ds.kind, cfg.objective)
        check_packing(cfg.train.batch, net_cfg.pack)
        if kind == LABEL:
            class_names = list(ds.class_names or [str(i) for i in range(int(ds.y.max()) + 1)])
            cond_ids = np.asarray(ds.y, np.int32)
            n_cond = len(class_names)
            captions: list[str] = []
            table = vectorizer = None
        else:
            captions_all = [str(c) for c in ds.captions]
            captions, cond_ids = np.unique(np.asarray(captions_all, dtype=object),
                                           return_inverse=True)
            captions = [str(c) for c in captions]
            cond_ids = cond_ids.astype(np.int32)
            n_cond = len(captions)
            class_names = []
            vocab = caption_vocabulary(captions_all)
            vectorizer = keras.layers.TextVectorization(
                vocabulary=vocab, output_sequence_length=opts.max_words, name="words")
            vectorizer.build((None,))
            table = np.asarray(vectorizer(np.asarray(captions, dtype=object)), np.int32)
        if n_cond < 2:
            raise DataError(f"the conditional GAN needs at least two different conditions; "
                            f"{ds.name!r} has {n_cond}.",
                            "Give data with two or more classes or captions.")
        e = opts.embed_dim
        g_code = 2 * e if opts.augment else e
        if kind == LABEL:
            g_encoder = _label_encoder(n_cond, g_code, "g_condition")
            d_encoder = _label_encoder(n_cond, e, "d_condition")
        else:
            vocab_size = vectorizer.vocabulary_size()
            g_encoder = _text_encoder(vocab_size, opts.max_words, e, opts.text_encoder, g_code,
                                      "g_text")
            d_encoder = _text_encoder(vocab_size, opts.max_words, e, opts.text_encoder, e,
                                      "d_text")
        if opts.augment:
            g_encoder = augmentation_encoder(d_encoder, g_code, g_encoder.name)
        g_body = build_generator(net_cfg, shape, cond_dim=e)
        trunk, heads = conditional_critic(net_cfg, shape, opts.d_design, e)
        obj = cfg.objective
        recipe = cls(g_encoder=g_encoder, g_body=g_body, d_encoder=d_encoder,
                     trunk=trunk, heads=heads, game=build_game(obj), condition=kind,
                     n_conditions=n_cond, latent_dim=net_cfg.latent_dim, embed_dim=e,
                     batch=cfg.train.batch, d_steps=obj.d_steps, design=opts.d_design,
                     fake_weight=opts.fake_weight, mismatch_weight=opts.mismatch_weight,
                     augment=opts.augment, augment_kl=opts.augment_kl,
                     augment_warmup=opts.augment_warmup, ema=obj.ema,
                     seed=cfg.train.seed, pack=net_cfg.pack, token_table=table,
                     vectorizer=vectorizer)
        recipe.context = context
        recipe.net_config = net_cfg
        recipe.class_names = class_names
        recipe.captions = captions
        recipe.cond_ids = cond_ids
        recipe.add_parts(context)
        recipe.compile_players(context)
        return recipe

    def add_parts(self, context: RecipeContext) -> None:
        """Builds what a subclass adds to the conditional GAN, before the optimizers (none
        here)."""

    def _d_variables(self) -> list:
        out = list(self.trunk.trainable_variables) + list(self.d_encoder.trainable_variables)
        for head in self.heads.values():
            out += list(head.trainable_variables)
        return out

    def _g_variables(self) -> list:
        return g_trainable(self.g_encoder, self.g_body, self.d_encoder)

    def build_state(self) -> None:
        """Creates every variable (optimizer slots included) so checkpoints can be restored."""
        self.d_optimizer.build(self._d_variables())
        self.g_optimizer.build(self._g_variables())

    @property
    def steps(self) -> int:
        """Generator updates so far (continues across resume)."""
        return int(self.g_optimizer.iterations.numpy())

    def state_variables(self) -> list:
        """All variables that define the training state, in a stable order."""
        models = [self.g_encoder, self.g_body, self.d_encoder, self.trunk,
                  *[self.heads[k] for k in sorted(self.heads)]]
        if self.ema_g_body is not None:
            models += [self.ema_g_encoder, self.ema_g_body]
        out = [v for m in models for v in m.variables]
        out.append(self.seed_generator.state)
        out += list(self.d_optimizer.variables) + list(self.g_optimizer.variables)
        return out

    # -- data ----------------------------------------------------------------------------------

    def training_arrays(self) -> dict[str, np.ndarray]:
        """`x` in the network's range and `cond`, each example's condition id."""
        ctx = self.context
        return {"x": ctx.normalizer.to_net(ctx.dataset.x), "cond": self.cond_ids}

    @property
    def pipeline_batch(self) -> int:
        """k minibatches of `batch` examples: one per D update."""
        return self.batch * self.d_steps

    # -- conditions ------------------------------------------------------------------------------

    def _encoder_input(self, cond_ids):
        """Condition ids -> what the encoders read: labels as they are, or caption tokens."""
        if self.condition == LABEL:
            return cond_ids
        return ops.take(ops.convert_to_tensor(self.token_table), cond_ids, axis=0)

    def _g_code(self, encoder, encoded, sample: bool, updates=None):
        """G's condition code: μ (and σ) with augmentation, sampled when `sample`; and its KL.

        The noise is σ·ε·min(1, updates / `augment_warmup`) with `updates` G's updates so far
        (none given: full): G first learns the caption without it."""
        code = encoder(encoded, training=sample)
        if not self.augment:
            return code, 0.0
        mu, log_var = code[:, : self.embed_dim], code[:, self.embed_dim:]
        # per code dimension, as StackGAN's own code averages it (a sum over the dimensions,
        # 32 times stronger at the default size, pulled the text code onto the prior: the
        # caption stopped reaching G)
        kl = batch_mean(0.5 * ops.mean(ops.exp(log_var) + ops.square(mu) - 1.0 - log_var,
                                       axis=1))
        if not sample:
            return mu, kl
        eps = replicas.normal(ops.shape(mu), seed=self.seed_generator)
        if updates is not None and self.augment_warmup > 0:
            ramp = ops.minimum(1.0, ops.cast(updates, "float32") / self.augment_warmup)
            eps = eps * ramp
        return mu + ops.exp(0.5 * log_var) * eps, kl

    def _generate_net(self, z, cond_ids, training: bool):
        code, kl = self._g_code(self.g_encoder, self._encoder_input(cond_ids), training,
                                self.g_optimizer.iterations)
        return self.g_body([z, code], training=training), kl

    def _scores(self, x, c_code, training=True, trunk=None, heads=None) -> dict:
        """D's raw outputs for examples x under condition codes: `score` (joint, projection)
        or `realness` and `match` (separate); one per PacGAN pack of m examples, whose codes
        are joined as the examples are. `trunk` and `heads`: another D of the same design
        (StackGAN's stage II); default this recipe's."""
        return self._scores_under(x, [c_code], training, trunk, heads)[0]

    def _scores_under(self, x, c_codes: list, training=True, trunk=None, heads=None) -> list:
        """`_scores` of the same examples under each of several condition codes; the designs
        with heads run the trunk once for all of them (D's real examples are scored with
        their own and with mismatched conditions)."""
        trunk = self.trunk if trunk is None else trunk
        heads = self.heads if heads is None else heads
        if self.design == "joint":  # the code as constant input channels (or features)
            out = []
            for c_code in c_codes:
                shape = ops.shape(x)
                if len(x.shape) == 4:
                    c_map = ops.broadcast_to(c_code[:, None, None, :], (
                        shape[0], shape[1], shape[2], ops.shape(c_code)[-1]))
                else:
                    c_map = c_code
                joined = ops.concatenate([x, ops.cast(c_map, x.dtype)], axis=-1)
                out.append({"score": trunk(self.packer(joined), training=training)})
            return out
        feats = trunk(self.packer(x), training=training)
        realness = heads["realness"](feats, training=training)
        key = "projection" if self.design == "projection" else "match"
        proj = heads[key](feats, training=training)
        out = []
        for c_code in c_codes:
            if self.pack_m > 1:
                c_code = ops.reshape(c_code, (-1, self.pack_m * ops.shape(c_code)[-1]))
            match = ops.sum(proj * c_code, axis=-1, keepdims=True)
            out.append({"score": realness + match} if self.design == "projection"
                       else {"realness": realness, "match": match})
        return out

    # -- the game ----------------------------------------------------------------------------

    def _z(self, n):
        return replicas.normal((n, self.latent_dim), seed=self.seed_generator)

    def _d_update(self, real, cond):
        n = ops.shape(real)[0]
        fake, _ = self._generate_net(self._z(n), cond, training=True)
        return self._d_game(real, cond, fake, self.d_encoder, self.trunk, self.heads,
                            self.d_optimizer, self._d_variables())

    def _d_game(self, real, cond, fake, d_encoder, trunk, heads, optimizer, variables):
        """One update of a D (its condition encoder, trunk and heads) on real examples with
        their conditions, the same with mismatched ones, and given fakes; its logs."""
        wrong = mismatch_ids(cond, self.n_conditions, self.seed_generator)
        obj = self.objective

        def scores(x, code, training=True):
            return self._scores(x, code, training, trunk, heads)

        with tf.GradientTape() as tape:
            c_true = d_encoder(self._encoder_input(cond), training=True)
            c_wrong = d_encoder(self._encoder_input(wrong), training=True)
            s_real, s_wrong = self._scores_under(real, [c_true, c_wrong], True, trunk, heads)
            s_fake = scores(fake, c_true)
            logs: dict[str, Any] = {}
            if self.design == "separate":
                loss_r = obj.d_real_loss(s_real["realness"]) + obj.d_fake_loss(s_fake["realness"])
                loss_m = obj.d_real_loss(s_real["match"]) + obj.d_fake_loss(s_wrong["match"])
                d_loss = loss_r + loss_m
                real_out, fake_out = s_real["realness"], s_fake["realness"]
                wrong_out = s_wrong["match"]
                logs.update(d_loss_realness=loss_r, d_loss_match=loss_m,
                            match_real=ops.mean(obj.d_output(s_real["match"])),
                            match_wrong=ops.mean(obj.d_output(s_wrong["match"])),
                            match_fake=ops.mean(obj.d_output(s_fake["match"])))

                def critic(x, training=True):
                    return scores(x, c_true, training)["realness"]
            else:
                real_out, fake_out, wrong_out = s_real["score"], s_fake["score"], s_wrong["score"]
                d_loss = three_case_d_loss(obj, real_out, fake_out, wrong_out, self.fake_weight,
                                           self.mismatch_weight)

                def critic(x, training=True):
                    return scores(x, c_true, training)["score"]
            total = d_loss
            for penalty in self.game.penalties:
                total = total + penalty(critic, real, fake, self.seed_generator)
        grads = descend(optimizer, tape, total, variables)
        for constraint in self.game.constraints:
            constraint.apply(variables)
        logs.update({
            "d_loss": total,
            "value": obj.value(real_out, fake_out),
            "d_real": ops.mean(obj.d_output(real_out)),
            "d_fake": ops.mean(obj.d_output(fake_out)),
            "d_mismatch": ops.mean(obj.d_output(wrong_out)),
            "grad_norm_d": replicas.gradient_norm(grads),
        })
        return logs

    def _g_update(self, cond):
        z = self._z(ops.shape(cond)[0])
        return self._g_game(cond, lambda: self._generate_net(z, cond, training=True),
                            self.d_encoder, self.trunk, self.heads, self.g_optimizer,
                            self._g_variables(), self._ema_pairs())

    def _ema_pairs(self) -> list:
        """(moving average, weight) of G's variables; empty without EMA."""
        if self.ema_g_body is None:
            return []
        return [*zip(self.ema_g_encoder.variables, self.g_encoder.variables, strict=True),
                *zip(self.ema_g_body.variables, self.g_body.variables, strict=True)]

    def _g_game(self, cond, make_fake, d_encoder, trunk, heads, optimizer, variables,
                ema_pairs):
        """One update of a G (`make_fake() -> (fakes, KL of its augmentation)`, run under
        the tape) against a D; the moving averages follow; its logs (`kl` with
        augmentation)."""
        with tf.GradientTape() as tape:
            fake, kl = make_fake()
            c_true = d_encoder(self._encoder_input(cond), training=False)
            scores = self._scores(fake, c_true, True, trunk, heads)
            if self.design == "separate":
                g_loss = (self.objective.g_loss(scores["realness"])
                          + self.objective.g_loss(scores["match"]))
            else:
                g_loss = self.objective.g_loss(scores["score"])
            total = g_loss + self.augment_kl * kl if self.augment else g_loss
        grads = descend(optimizer, tape, total, variables)
        decay = self.ema_decay
        for avg, w in ema_pairs:
            avg.assign(decay * avg + (1.0 - decay) * w)
        logs = {"g_loss": total, "grad_norm_g": replicas.gradient_norm(grads)}
        if self.augment:
            logs["kl"] = kl
        return logs

    def train_step(self, data):
        real, cond = data["x"], data["cond"]
        # this replica's rows; D update i takes every k-th row from row i (the same rows of
        # the global batch however many replicas share it, as in the GAN recipe)
        k = self.d_steps
        logs = {}
        for i in range(k):
            logs.update(self._d_update(real[i::k], cond[i::k]))
        logs.update(self._g_update(cond[::k]))
        return self.step_logs(logs)

    def single_update(self, mode: str, batch: dict[str, np.ndarray]) -> dict[str, float]:
        """One update of D only (`"d"`) or G only (`"g"`) on a batch (the Step buttons)."""
        if mode not in self._single_steps:
            if mode == "d":
                fn = self.single_step(self._d_update)
            else:
                fn = self.single_step(lambda _, cond: self._g_update(cond))
            self._single_steps[mode] = fn
        out = self._single_steps[mode](tf.constant(batch["x"][: self.batch], tf.float32),
                                       tf.constant(batch["cond"][: self.batch], tf.int32))
        return {k: float(v) for k, v in out.items()}

    def derived_scalars(self, scalars: dict[str, float]) -> dict[str, float]:
        """`jsd` or `wasserstein` from the real-vs-fake `value`."""
        return jsd_scalars(self.objective, scalars)

    def equilibrium(self, scalars: dict[str, float]) -> float | None:
        """Mean D over real (matched) and fake, for the stop rule."""
        return mean_d(self.objective, scalars)

    # -- views -------------------------------------------------------------------------------

    def condition_names(self) -> list[str]:
        """Class names (labels) or the distinct training captions, by condition id."""
        return self.class_names if self.condition == LABEL else self.captions

    def prepare_views(self, rng: np.random.Generator) -> None:
        """Fixes a real probe batch with its conditions and mismatched ones (never the true
        ones), probe latents, and the grid's conditions (rows) and latents (columns)."""
        ctx = self.context
        train = ctx.config.train
        x_net = self.training_arrays()["x"]
        m = self.pack_m
        probe = max(8 * m, (min(train.probe_size, len(x_net) * m) // m) * m)
        idx = rng.choice(len(x_net), size=probe, replace=probe > len(x_net))
        self._probe_idx = idx
        self._real_probe = x_net[idx]
        self._cond_probe = self.cond_ids[idx]
        self._wrong_probe = ((self._cond_probe + rng.integers(1, self.n_conditions, size=probe))
                             % self.n_conditions).astype(np.int32)
        self._z_probe = rng.standard_normal((probe, self.latent_dim)).astype(np.float32)
        rows = min(GRID_ROWS, self.n_conditions)
        if self.condition == LABEL:
            self.grid_conditions = np.arange(rows, dtype=np.int32)
        else:
            self.grid_conditions = np.sort(rng.choice(self.n_conditions, size=rows,
                                                      replace=False)).astype(np.int32)
        cols = GRID_COLUMNS if ctx.dataset.kind == IMAGES else max(train.n_samples, 512) // rows
        self.grid_columns = cols
        z_cols = rng.standard_normal((cols, self.latent_dim)).astype(np.float32)
        self.z_fixed = np.tile(z_cols, (rows, 1))
        self._grid_cond = np.repeat(self.grid_conditions, cols)
        self._field = None
        if ctx.dataset.kind == POINTS and ctx.dataset.shape == (2,):
            grid, self._extent = field_grid(ctx.dataset.x, ctx.normalizer)
            self._field = grid
            self._real_points = ctx.dataset.x[idx[: min(len(idx), 1000)]]
            self._real_point_conds = self._cond_probe[: min(len(idx), 1000)]

    def views(self) -> dict[str, Any]:
        """`samples`: rows = conditions, columns = fixed z; `d_hist`: D on real-matched,
        real-mismatched and fake pairs (the realness head with `separate`); `match_hist`:
        the match head (`separate`)."""
        out = self.probe(self._real_probe, self._cond_probe, self._wrong_probe, self._z_probe,
                         self.z_fixed, self._grid_cond)
        names = self.condition_names()
        rows = [names[i] for i in self.grid_conditions]
        to_data = self.context.normalizer.to_data
        extra: dict[str, Any] = {}
        if self._field is not None:  # one condition's field at a time, in turn
            self._field_turn = (getattr(self, "_field_turn", -1) + 1) % len(self.grid_conditions)
            cond = int(self.grid_conditions[self._field_turn])
            surface = self.field(self._field, np.full(len(self._field), cond, np.int32))
            keep = self._real_point_conds == cond
            extra = {"surface": surface.numpy().reshape(int(np.sqrt(len(self._field))), -1),
                     "extent": self._extent, "real_points": self._real_points[keep],
                     "condition": names[cond]}
        panels: dict[str, Any] = {
            "samples": Samples(to_data(out["samples"].numpy()), self.context.dataset.kind,
                               row_labels=rows, columns=self.grid_columns, **extra)}
        panels.update(self._histogram_panels(out))
        return panels

    def _histogram_panels(self, out: dict, key: str = "d_hist", stage: str = "") -> dict:
        """The D(x, c) histograms from `_d_outputs` (numpy or tensors): real-matched,
        real-mismatched and fake in one panel `key`, or the realness and match heads apart
        (`separate`); `stage` prefixes the titles."""
        out = {k: np.asarray(v) for k, v in out.items()}
        if self.design != "separate":
            return {key: Histograms({"real, matching c": out["real"],
                                     "real, wrong c": out["wrong"], "fake": out["fake"]},
                                    critic=self.critic_output, title=f"{stage}D(x, c)")}
        match_key = "match_hist" if key == "d_hist" else f"{key}_match"
        return {key: Histograms({"real": out["real"], "fake": out["fake"]},
                                critic=self.critic_output, title=f"{stage}realness head r(x)"),
                match_key: Histograms({"real, matching c": out["match_real"],
                                       "real, wrong c": out["match_wrong"],
                                       "fake, its c": out["match_fake"]},
                                      critic=self.critic_output,
                                      title=f"{stage}match head m(x, c)")}

    @tf.function
    def probe(self, real, cond, wrong, z_probe, z_samples, sample_cond):
        """D's outputs on the fixed real batch (its own and wrong conditions) and on fakes, and
        the sample grid from the sampler (EMA) weights."""
        fake, _ = self._generate_net(z_probe, cond, training=False)
        out = self._d_outputs(real, fake, cond, wrong, self.d_encoder, self.trunk, self.heads)
        out["samples"] = self._sample(z_samples, sample_cond)
        return out

    def _d_outputs(self, real, fake, cond, wrong, d_encoder, trunk, heads) -> dict:
        """A D's outputs (probabilities or critic scores) on real examples with their own and
        wrong conditions and on fakes: `real`, `fake`, `wrong` (and the match head's with
        `separate`)."""
        c_true = d_encoder(self._encoder_input(cond), training=False)
        c_wrong = d_encoder(self._encoder_input(wrong), training=False)
        s_real, s_wrong = self._scores_under(real, [c_true, c_wrong], False, trunk, heads)
        s_fake = self._scores(fake, c_true, False, trunk, heads)
        d = self.objective.d_output
        key = "realness" if self.design == "separate" else "score"
        out = {"real": ops.reshape(d(s_real[key]), (-1,)),
               "fake": ops.reshape(d(s_fake[key]), (-1,)),
               "wrong": ops.reshape(d(s_wrong[key if key == "score" else "match"]), (-1,))}
        if self.design == "separate":
            out.update(match_real=ops.reshape(d(s_real["match"]), (-1,)),
                       match_wrong=ops.reshape(d(s_wrong["match"]), (-1,)),
                       match_fake=ops.reshape(d(s_fake["match"]), (-1,)))
        return out

    def mismatch_scores(self) -> tuple[np.ndarray, np.ndarray]:
        """D's condition scores on the fixed real probe with its own and with wrong
        conditions (the match head with `separate`): the mismatch ROC-AUC's two sides."""
        out = self.probe(self._real_probe, self._cond_probe, self._wrong_probe, self._z_probe,
                         self.z_fixed, self._grid_cond)
        match = out["match_real" if self.design == "separate" else "real"].numpy()
        return match, out["wrong"].numpy()

    @tf.function
    def field(self, grid, cond):
        """For 2D points: D's score of each grid point under one condition (a point is scored
        by packing m copies of it)."""
        grid = ops.repeat(grid, self.pack_m, axis=0)
        cond = ops.repeat(cond, self.pack_m, axis=0)
        c = self.d_encoder(self._encoder_input(cond), training=False)
        scores = self._scores(grid, c, training=False)
        key = "score" if "score" in scores else "realness"
        return ops.reshape(self.objective.d_output(scores[key]), (-1,))

    # -- generation and export -------------------------------------------------------------------

    def _samplers(self):
        if self.ema_g_body is not None:
            return self.ema_g_encoder, self.ema_g_body
        return self.g_encoder, self.g_body

    def _sample_encoded(self, z, encoded):
        encoder, body = self._samplers()
        code, _ = self._g_code(encoder, encoded, sample=False)
        return body([z, code], training=False)

    def _sample(self, z, cond_ids):
        return self._sample_encoded(z, self._encoder_input(cond_ids))

    def _to_data(self, x):
        n = self.context.normalizer
        offset = np.asarray(n.offset, np.float32)
        return x * n.scale + (offset if len(offset) > 1 else offset[0])

    def _serve_label(self, z, label):
        return self._to_data(self._sample_encoded(z, label))

    def _serve_caption(self, z, caption):
        return self._to_data(self._sample_encoded(z, self.vectorizer(caption)))

    def condition_input(self) -> InputSpec:
        """The export's condition input: `label` (int32) or `caption` (string)."""
        if self.condition == LABEL:
            return InputSpec("label", "int32", (), f"class index 0..{self.n_conditions - 1}: "
                             + ", ".join(self.class_names[:20]))
        return InputSpec("caption", "string", (), "a caption in the training captions' words")

    def export_specs(self) -> list[ExportSpec]:
        """`serving_default(z, label)` or `serving_default(z, caption)` -> samples."""
        z = InputSpec("z", "float32", (self.latent_dim,), "latent vectors, N(0, I)")
        fn = self._serve_label if self.condition == LABEL else self._serve_caption
        return [ExportSpec("serving_default", (z, self.condition_input()), fn,
                           "samples for each condition, in the dataset's units")]

    def export_layers(self) -> list:
        """The sampler's encoder and body, and the caption vectorizer."""
        layers = list(self._samplers())
        if self.vectorizer is not None:
            layers.insert(0, self.vectorizer)
        return layers

    def export_metadata(self) -> dict[str, Any]:
        """Class names, or the vocabulary and the training captions."""
        holdout = self.context.config.data.holdout
        if self.condition == LABEL:
            return {"condition": LABEL, "class_names": self.class_names, "holdout": holdout}
        return {"condition": CAPTION, "vocabulary": list(self.vectorizer.get_vocabulary()),
                "captions": self.captions[:5000], "max_words": int(self.token_table.shape[1]),
                "holdout": holdout}

    def _condition_values(self, cond: Any, n: int) -> np.ndarray:
        values = np.asarray(cond, dtype=object).reshape(-1)
        if len(values) == 1:
            values = np.repeat(values, n)
        if len(values) != n:
            raise ConfigError(f"{len(values)} conditions for {n} latents.",
                              "Give one condition, or one per latent.")
        return values

    def generate(self, inputs: dict[str, np.ndarray]) -> np.ndarray:
        """Samples for `z` and `label` or `caption` (one for all rows, or one each); without a
        condition the grid's first one is used."""
        return self._generate_with(inputs, self._serve_label, self._serve_caption)

    def _generate_with(self, inputs: dict[str, np.ndarray], serve_label: Callable,
                       serve_caption: Callable) -> np.ndarray:
        """`generate` through the given serving functions (z, labels) and (z, captions)."""
        z = np.asarray(inputs["z"], np.float32).reshape(-1, self.latent_dim)
        name = self.condition_input().name
        cond = inputs.get(name)
        if cond is None:
            cond = self.condition_names()[int(self.grid_conditions[0])] if (
                self.condition == CAPTION) else int(self.grid_conditions[0])
        values = self._condition_values(cond, len(z))
        if self.condition == LABEL:
            labels = values.astype(np.int64)
            if labels.min() < 0 or labels.max() >= self.n_conditions:
                raise ConfigError(f"label: {int(labels.max())} is not a class; classes are "
                                  f"0..{self.n_conditions - 1}.")
            out = serve_label(tf.constant(z), tf.constant(labels.astype(np.int32)))
        else:
            out = serve_caption(tf.constant(z), tf.constant([str(v) for v in values], tf.string))
        return np.asarray(out)

    def condition_info(self) -> dict[str, Any]:
        """`label` with the class names, or `caption` with the training captions and words."""
        if self.condition == LABEL:
            return {"name": LABEL, "choices": list(self.class_names)}
        return {"name": CAPTION, "choices": list(self.captions[:5000]),
                "vocabulary": [w for w in self.vectorizer.get_vocabulary() if w and w != "[UNK]"]}

    def example_inputs(self, n: int, seed: int = 0) -> dict[str, np.ndarray]:
        """`z` by the project's convention, conditions cycling over the classes or captions."""
        names = self.condition_names()
        ids = np.arange(n) % self.n_conditions
        if self.condition == LABEL:
            return {"z": seeded_latents(n, self.latent_dim, seed), "label": ids.astype(np.int32)}
        return {"z": seeded_latents(n, self.latent_dim, seed),
                "caption": np.asarray([names[i] for i in ids], dtype=object)}

    def describe(self) -> dict[str, Any]:
        """The resolved net config and the condition's facts."""
        return {"net": dict(vars(self.net_config)) if self.net_config is not None else {},
                "condition": {"kind": self.condition, "count": self.n_conditions,
                              "design": self.design}}

    def param_counts(self) -> dict[str, int]:
        """Parameters of G (encoder and body; D's encoder inside an augmentation encoder is
        D's) and D (encoder, trunk and heads)."""
        return {"generator": count(g_trainable(self.g_encoder, self.g_body, self.d_encoder)),
                "discriminator": count(self._d_variables())}

    def make_evaluator(self, dataset: Dataset, n: int | None, seed: int,
                       status: Callable[[str], Any] | None = None) -> Evaluator:
        """Label agreement (labels) or per-attribute accuracy (shapes captions), and FD per
        condition, each beside its real baseline."""
        return ConditionalEvaluator(self, dataset, n, seed)

    def quality_report(self, dataset: Dataset, seed: int,
                       status: Callable[[str], Any] | None = None) -> tuple[dict[str, Any], str]:
        """`metrics.conditional.evaluate_conditional` with its default sizes, and its table."""
        from ganstudio.core.metrics.conditional import format_conditional

        result = self.make_evaluator(dataset, None, seed).full(self)
        return result, format_conditional(result)


def conditional_critic(net_cfg: Any, shape: tuple[int, ...], design: str,
                       code_dim: int) -> tuple[keras.Model, dict[str, keras.Model]]:
    """A conditional D for examples of `shape`: its trunk and heads in `design` (`joint`: c
    joins x as extra input channels, no heads; else the trunk gives features for the heads).

    Args:
        net_cfg: The resolved net config (filters, D norm, packing).
        shape: One example's shape.
        design: `joint`, `separate` or `projection`.
        code_dim: Size of D's condition code.

    Returns:
        (trunk, heads by name).
    """
    from ganstudio.core.nets import build_discriminator

    if design == "joint":
        return build_discriminator(net_cfg, (*shape[:-1], shape[-1] + code_dim)), {}
    trunk = _feature_trunk(build_discriminator(net_cfg, shape))
    return trunk, _heads(design, int(trunk.output.shape[-1]), code_dim * net_cfg.pack,
                         net_cfg.d_norm)


def _heads(design: str, feat_dim: int, code_dim: int, d_norm: str) -> dict[str, keras.Model]:
    """The heads on D's features (spectral normalization when D uses it): a realness score
    ψ(φ) and, for the condition, a map W φ whose inner product with the code scores the match
    (`projection` adds the two; `separate` keeps them apart)."""
    from ganstudio.core.nets.blocks import maybe_spectral

    def linear(out_dim: int, name: str) -> keras.Model:
        x = keras.Input((feat_dim,))
        return keras.Model(x, maybe_spectral(keras.layers.Dense(out_dim), d_norm)(x), name=name)

    match = "projection" if design == "projection" else "match"
    return {"realness": linear(1, "realness_head"), match: linear(code_dim, f"{match}_head")}


class ConditionalEvaluator(Evaluator):
    """`metrics.conditional.evaluate_conditional` on the recipe's current weights; its numeric
    figures (the headline is `label_agreement`, or `all_acc` on shapes)."""

    def __init__(self, recipe: CGANRecipe, dataset: Dataset, n: int | None, seed: int) -> None:
        self.dataset = dataset
        self.requested_n = n
        self.seed = seed
        self.latent_dim = recipe.latent_dim
        self.holdout = recipe.context.config.data.holdout
        self.condition = "labels" if recipe.condition == LABEL else "captions"
        self.main_metric = "label_agreement" if recipe.condition == LABEL else "all_acc"
        self.main_mode = "max"
        self.baseline: dict[str, float] = {}
        self.names: tuple[str, ...] = ()
        self.better: dict[str, str] = {}
        self.n = int(n or 0)

    def full(self, recipe: CGANRecipe) -> dict[str, Any]:
        """Every figure, with the non-numeric ones (worst class name, per-class lists)."""
        from ganstudio.core.metrics.conditional import evaluate_conditional

        name = recipe.condition_input().name

        def generate(z, cond):
            return recipe.generate({"z": z, name: cond})

        from ganstudio.core.metrics.conditional import mismatch_auc

        result = evaluate_conditional(self.dataset, generate, self.latent_dim,
                                      n=self.requested_n,
                                      seed=self.seed, holdout=self.holdout,
                                      condition=self.condition)
        result["mismatch_auc"] = mismatch_auc(*recipe.mismatch_scores())
        self.main_metric = str(result.get("main_metric", self.main_metric))
        self.main_mode = "max" if result.get("main_better", "higher") == "higher" else "min"
        return result

    def __call__(self, recipe: CGANRecipe) -> dict[str, float]:
        result = self.full(recipe)
        figures = {k: float(v) for k, v in result.items()
                   if isinstance(v, (int, float, np.floating)) and not isinstance(v, bool)
                   and k not in ("seed",)}
        self.baseline = {k[5:]: v for k, v in figures.items() if k.startswith("real_")}
        shown = {k: v for k, v in figures.items()
                 if not k.startswith("real_") and k not in ("seconds", "classifier_accuracy")}
        self.names = tuple(shown)
        self.better = {k: "lower" if k.startswith("fd") else "higher" for k in shown}
        self.baseline.setdefault("mismatch_auc", 1.0)
        return shown
