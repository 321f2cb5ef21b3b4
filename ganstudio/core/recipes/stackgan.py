"""StackGAN (seed 002, "Stack GAN"; Zhang et al. 2017): a caption drawn in two stages.

Stage I is the conditional GAN of `recipes/cgan.py` at 1/`factor` of the final side: G₁(z, c₁)
draws a coarse image, D₁ judges it with the caption (the three cases: real-matched, fake, and
real with a mismatched caption). Stage II takes stage I's image and the caption and draws the
full-size one: G₂(G₁(z, c₁), c₂) against its own conditional D₂, with the same three cases.
Each stage's G reads the caption through conditioning augmentation,

    c = μ(φ_t) + σ(φ_t) · ε,   ε ~ N(0, I),   L_KL = KL(N(μ, σ²) ‖ N(0, I)) / dim c,

added to its G's loss with the weight `stackgan.augment_kl` (2.0, the paper's; the KL per code
dimension, as the paper's code averages it); samples and the export use μ. φ_t is the stage's
D's text encoder, read without a gradient (StackGAN's φ_t is a text encoder trained to match
images and text; D trains its own on matched and mismatched pairs), and the noise grows from 0
over the first `augment_warmup` updates of each stage (at full size from the start, G followed
the caption's colour at chance after 2,000 steps; see `cgan.augmentation_encoder`).

The schedule (`stackgan.schedule`):
- `stages` (the paper's): stage I alone for the first `stage1_share` of the steps, then stage
  II with stage I frozen (G₁ then only draws stage II's inputs, with its moving-average
  weights, as the export does);
- `joint` (StackGAN++ style): every step updates both stages, stage II on stage I's current
  drawings (no gradient flows from stage II into G₁).
`stackgan.stage` holds one stage by hand (`I`, `II`, `joint`); `auto` follows the schedule.
The active stage is a variable read inside the compiled step (`tf.switch_case`), so the studio
switches it between two steps without tracing the step again.

Scalars: `d_loss`, `g_loss`, `value`, `d_real`, `d_fake`, `d_mismatch` and the gradient norms
are the active stage's (in `joint` the losses are both stages' sums, the D outputs stage II's);
`d1_loss`, `g1_loss`, `kl1` and `d2_loss`, `g2_loss`, `kl2` are each stage's own, NaN while the
stage does not train; `stage` is 1, 2 or 3 (joint).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from ganstudio.core.data.base import IMAGES, Dataset
from ganstudio.core.panels import Samples
from ganstudio.core.recipes.base import ExportSpec, InputSpec, RecipeContext, make_optimizer
from ganstudio.core.recipes.cgan import (
    LABEL,
    CGANRecipe,
    ConditionalEvaluator,
    conditional_critic,
    count,
    g_trainable,
)
from ganstudio.errors import ConfigError, DataError

STAGE_I, STAGE_II, STAGE_JOINT = 1, 2, 3
STAGE_CODES = {"auto": 0, "I": STAGE_I, "II": STAGE_II, "joint": STAGE_JOINT}
STAGE_TEXT = {STAGE_I: "stage I", STAGE_II: "stage II, stage I frozen",
              STAGE_JOINT: "both stages (joint)"}
MIN_STAGE1_SIDE = 8  # the DCGAN nets' smallest side
STAGES_ROWS = 6  # captions in the side-by-side panel
STAGES_Z = 2  # latents per caption there
ACTIVE_KEYS = ("d_loss", "g_loss", "value", "d_real", "d_fake", "d_mismatch", "grad_norm_d",
               "grad_norm_g", "kl")


def stage_names(index: int) -> dict[str, str]:
    """A stage's own scalar names: `d_loss` -> `d1_loss`, `g_loss` -> `g1_loss`, `kl` ->
    `kl1` for stage 1."""
    return {"d_loss": f"d{index}_loss", "g_loss": f"g{index}_loss", "kl": f"kl{index}"}


def stage_for(step, stage1_steps, schedule_joint: bool, held):
    """The stage a training step runs (works on tensors and on plain numbers).

    Args:
        step: Steps done so far.
        stage1_steps: Steps of stage I alone (the `stages` schedule).
        schedule_joint: True for the `joint` schedule.
        held: A stage held by hand (1, 2, 3), or 0 to follow the schedule.

    Returns:
        1 (stage I), 2 (stage II, stage I frozen) or 3 (joint).
    """
    auto = STAGE_JOINT if schedule_joint else ops.where(step < stage1_steps, STAGE_I, STAGE_II)
    return ops.where(held > 0, held, auto)


def upsample(images, factor: int, method: str = "bicubic"):
    """Images [N, h, w, C] enlarged `factor` times (`bicubic`, or `nearest` to show the
    pixels); bicubic overshoots a little, so clipping to the images' range is the caller's."""
    size = (int(images.shape[1]) * factor, int(images.shape[2]) * factor)
    return tf.image.resize(images, size, method=method)


def downsample(x: np.ndarray, factor: int) -> np.ndarray:
    """Area averages of `factor` x `factor` blocks: [N, H, W, C] -> [N, H/f, W/f, C]."""
    n, h, w, c = x.shape
    return x.reshape(n, h // factor, factor, w // factor, factor, c).mean(axis=(2, 4)).astype(
        np.float32)


class StackGANRecipe(CGANRecipe):
    """Stage I (the inherited conditional GAN, on the data shrunk `factor` times) and stage II
    (`nets.stackgan.stage2_generator` against a conditional D at the full size); see the
    module docstring for the schedule and the scalars.

    The pipeline yields `x` (stage I's size), `x2` (the full size) and `cond`.
    """

    family = "stackgan"
    replica_shares = ()  # one device (FamilySpec.single_device)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        keys = [*ACTIVE_KEYS, "stage", "d1_loss", "g1_loss", "kl1", "d2_loss", "g2_loss", "kl2"]
        if not self.augment:
            keys = [k for k in keys if not k.startswith("kl")]
        self.scalar_keys = tuple(keys)
        self.watched_scalars = ("d_loss", "g_loss", "grad_norm_d", "grad_norm_g")
        # the per-stage keys are NaN while their stage rests: only the active ones are tracked
        self.trackers = {k: keras.metrics.Mean(name=k) for k in keys
                         if k in ACTIVE_KEYS or k == "stage"}
        self.factor = 1
        self.schedule_joint = False
        self.step_counter = tf.Variable(0, dtype="int64", trainable=False, name="stack_step")
        self.held_stage = tf.Variable(0, dtype="int32", trainable=False, name="held_stage")
        self.stage1_steps = tf.Variable(0, dtype="int64", trainable=False, name="stage1_steps")
        self.g2_encoder = self.g2_body = self.d2_encoder = self.trunk2 = None
        self.heads2: dict[str, keras.Model] = {}
        self.ema_g2_encoder = self.ema_g2_body = None

    # -- building ------------------------------------------------------------------------------

    @classmethod
    def create(cls, context: RecipeContext) -> StackGANRecipe:
        """Stage I at 1/factor of the data's side, stage II at the full side, four optimizers."""
        cfg = context.config
        opts = cfg.stackgan
        ds = context.dataset
        if ds.kind != IMAGES:
            raise DataError(f"StackGAN draws images; {ds.name!r} is {ds.kind}.",
                            "Use shapes or a folder of captioned images.")
        side = int(ds.shape[0])
        low = side // opts.factor
        if side % opts.factor or low < MIN_STAGE1_SIDE:
            smallest = MIN_STAGE1_SIDE * opts.factor
            raise ConfigError(
                f"stackgan.factor: {side}-pixel images shrunk {opts.factor} times give stage I "
                f"{side / opts.factor:g} pixels; it needs a whole side of at least "
                f"{MIN_STAGE1_SIDE}.", f"Set data.image_size to {smallest} or more (a multiple "
                f"of {opts.factor}), or a smaller stackgan.factor.")
        recipe = cls.build(context, opts, (low, low, int(ds.shape[-1])))
        return recipe

    def add_parts(self, context: RecipeContext) -> None:
        """Stage II: its caption encoder (with augmentation), generator, D, and their moving
        averages; the schedule's variables."""
        from ganstudio.core.nets.stackgan import stage2_generator
        from ganstudio.core.recipes.cgan import (
            _label_encoder,
            _text_encoder,
            augmentation_encoder,
        )

        cfg = context.config
        opts = cfg.stackgan
        ds = context.dataset
        net = self.net_config
        self.factor = int(opts.factor)
        self.schedule_joint = opts.schedule == "joint"
        self.stage1_steps.assign(0 if self.schedule_joint
                                 else int(round(opts.stage1_share * cfg.train.steps)))
        self.held_stage.assign(STAGE_CODES[opts.stage])
        e = self.embed_dim
        g_code = 2 * e if self.augment else e
        if self.condition == LABEL:
            self.d2_encoder = _label_encoder(self.n_conditions, e, "d2_condition")
            self.g2_encoder = _label_encoder(self.n_conditions, g_code, "g2_condition")
        else:
            vocab = self.vectorizer.vocabulary_size()
            self.d2_encoder = _text_encoder(vocab, opts.max_words, e, opts.text_encoder, e,
                                            "d2_text")
            self.g2_encoder = _text_encoder(vocab, opts.max_words, e, opts.text_encoder, g_code,
                                            "g2_text")
        if self.augment:
            self.g2_encoder = augmentation_encoder(self.d2_encoder, g_code, self.g2_encoder.name)
        low_shape = tuple(int(v) for v in self.g_body.output.shape[1:])
        self.g2_body = stage2_generator(low_shape, self.factor, e, opts.filters2,
                                        opts.res_blocks, net.g_norm, skip=opts.skip)
        d2_net = replace(net, filters=opts.filters2)
        self.trunk2, self.heads2 = conditional_critic(d2_net, tuple(ds.shape), self.design, e)
        if self.ema_decay > 0:
            self.ema_g2_encoder = keras.models.clone_model(self.g2_encoder)
            self.ema_g2_encoder.set_weights(self.g2_encoder.get_weights())
            self.ema_g2_body = keras.models.clone_model(self.g2_body)
            self.ema_g2_body.set_weights(self.g2_body.get_weights())

    def compile_players(self, context: RecipeContext) -> None:
        """Stage I's optimizers (the conditional GAN's) and stage II's, each pair scheduled
        over the steps its stage trains."""
        cfg = context.config
        obj = cfg.objective
        total = cfg.train.steps
        first = int(self.stage1_steps.numpy()) or total
        second = total if self.schedule_joint else max(1, total - first)
        self.compile(d_optimizer=make_optimizer(obj, obj.lr_d, first * obj.d_steps),
                     g_optimizer=make_optimizer(obj, obj.lr_g, first),
                     jit_compile=context.jit)
        self.d2_optimizer = make_optimizer(obj, obj.lr_d, second * obj.d_steps)
        self.g2_optimizer = make_optimizer(obj, obj.lr_g, second)
        self.build_state()

    def _d2_variables(self) -> list:
        out = list(self.trunk2.trainable_variables) + list(self.d2_encoder.trainable_variables)
        for key in sorted(self.heads2):
            out += list(self.heads2[key].trainable_variables)
        return out

    def _g2_variables(self) -> list:
        return g_trainable(self.g2_encoder, self.g2_body, self.d2_encoder)

    def build_state(self) -> None:
        """Every variable of both stages, optimizer slots included."""
        super().build_state()
        self.d2_optimizer.build(self._d2_variables())
        self.g2_optimizer.build(self._g2_variables())

    @property
    def steps(self) -> int:
        """Training steps so far, whichever stage trained (continues across resume)."""
        return int(self.step_counter.numpy())

    def state_variables(self) -> list:
        """Stage I's state (the conditional GAN's), then stage II's nets, moving averages,
        the schedule's variables and stage II's optimizers."""
        models = [self.g2_encoder, self.g2_body, self.d2_encoder, self.trunk2,
                  *[self.heads2[k] for k in sorted(self.heads2)]]
        if self.ema_g2_body is not None:
            models += [self.ema_g2_encoder, self.ema_g2_body]
        out = super().state_variables()
        out += [v for m in models for v in m.variables]
        out += [self.step_counter, self.held_stage, self.stage1_steps]
        out += list(self.d2_optimizer.variables) + list(self.g2_optimizer.variables)
        return out

    def network_variables(self) -> list:
        """The networks' variables (without the optimizers, the random state and the
        schedule's counters)."""
        skip = {id(self.step_counter), id(self.held_stage), id(self.stage1_steps)}
        return [v for v in super().network_variables() if id(v) not in skip]

    def apply_live_settings(self, config: Any) -> None:
        """Holds the stage `config.stackgan.stage` names (or returns to the schedule), from
        the next step on."""
        self.held_stage.assign(STAGE_CODES[config.stackgan.stage])

    # -- data ----------------------------------------------------------------------------------

    def training_arrays(self) -> dict[str, np.ndarray]:
        """`x` at stage I's size (area averages), `x2` at the full size, and `cond`."""
        ctx = self.context
        full = ctx.normalizer.to_net(ctx.dataset.x)
        return {"x": downsample(full, self.factor), "x2": full, "cond": self.cond_ids}

    # -- the two stages ------------------------------------------------------------------------

    def active_stage(self):
        """The stage the next step trains (a tensor: 1, 2 or 3)."""
        return stage_for(self.step_counter, self.stage1_steps, self.schedule_joint,
                         self.held_stage)

    def _stage1_input(self, z, cond):
        """What stage II starts from: stage I's drawing for (z, cond) by its sampler (the
        moving average, μ of the augmentation), with no gradient."""
        return ops.stop_gradient(self._sample(z, cond))

    def _generate2(self, low, cond, training: bool):
        code, kl = self._g_code(self.g2_encoder, self._encoder_input(cond), training,
                                self.g2_optimizer.iterations)
        return self.g2_body([low, code], training=training), kl

    def _ema2_pairs(self) -> list:
        if self.ema_g2_body is None:
            return []
        return [*zip(self.ema_g2_encoder.variables, self.g2_encoder.variables, strict=True),
                *zip(self.ema_g2_body.variables, self.g2_body.variables, strict=True)]

    def _d2_update(self, real2, cond):
        z = self._z(ops.shape(real2)[0])
        fake, _ = self._generate2(self._stage1_input(z, cond), cond, training=True)
        return self._d_game(real2, cond, fake, self.d2_encoder, self.trunk2, self.heads2,
                            self.d2_optimizer, self._d2_variables())

    def _g2_update(self, cond):
        low = self._stage1_input(self._z(ops.shape(cond)[0]), cond)
        return self._g_game(cond, lambda: self._generate2(low, cond, training=True),
                            self.d2_encoder, self.trunk2, self.heads2, self.g2_optimizer,
                            self._g2_variables(), self._ema2_pairs())

    def _run_stage(self, which: int, data) -> dict:
        """k D updates and one G update of stage 1 or 2; the stage's logs."""
        real = data["x"] if which == STAGE_I else data["x2"]
        cond = data["cond"]
        d_update = self._d_update if which == STAGE_I else self._d2_update
        g_update = self._g_update if which == STAGE_I else self._g2_update
        k = self.d_steps
        logs: dict = {}
        for i in range(k):
            logs.update(d_update(real[i::k], cond[i::k]))
        logs.update(g_update(cond[::k]))
        return logs

    def _stage_logs(self, stage: int, first: dict | None, second: dict | None) -> dict:
        """The step's scalars, every key present (NaN for a resting stage's own keys)."""
        nan = ops.convert_to_tensor(math.nan, "float32")

        def f32(v):
            return ops.cast(v, "float32")

        active = second if second is not None else first
        logs = {k: f32(active[k]) for k in ACTIVE_KEYS if k in active}
        if first is not None and second is not None:  # joint: the losses add up
            for k in ("d_loss", "g_loss", "kl"):
                if k in first:
                    logs[k] = f32(first[k]) + f32(second[k])
        for index, part in ((1, first), (2, second)):
            for key, name in stage_names(index).items():
                if name in self.scalar_keys:
                    logs[name] = f32(part[key]) if part is not None else nan
        logs["stage"] = ops.convert_to_tensor(float(stage), "float32")
        return logs

    def _step(self, data) -> dict:
        """One training step of the active stage (a `tf.switch_case` on it)."""
        def one():
            return self._stage_logs(STAGE_I, self._run_stage(STAGE_I, data), None)

        def two():
            return self._stage_logs(STAGE_II, None, self._run_stage(STAGE_II, data))

        def both():
            first = self._run_stage(STAGE_I, data)
            return self._stage_logs(STAGE_JOINT, first, self._run_stage(STAGE_II, data))

        stage = ops.cast(self.active_stage(), "int32")
        logs = tf.switch_case(stage - 1, [one, two, both])
        self.step_counter.assign_add(1)
        return logs

    def train_step(self, data):
        return self.step_logs(self._step(data))

    def single_update(self, mode: str, batch: dict[str, np.ndarray]) -> dict[str, float]:
        """One update of the active stage's D only (`"d"`) or G only (`"g"`, which counts as a
        step); in `joint`, both stages' D or G."""
        if mode not in self._single_steps:
            def run(x, x2, cond):
                stage = int(self.active_stage())
                stages = (STAGE_I, STAGE_II) if stage == STAGE_JOINT else (stage,)
                logs: dict = {}
                for which in stages:
                    real = x if which == STAGE_I else x2
                    if mode == "d":
                        fn = self._d_update if which == STAGE_I else self._d2_update
                        part = fn(real, cond)
                    else:
                        fn = self._g_update if which == STAGE_I else self._g2_update
                        part = fn(cond)
                    own = {name: part[k] for k, name in stage_names(which).items() if k in part}
                    for k in stage_names(which):  # joint: the losses add up
                        if k in part and k in logs:
                            part[k] = logs[k] + part[k]
                    logs.update(part)
                    logs.update(own)
                if mode == "g":
                    self.step_counter.assign_add(1)
                return logs

            self._single_steps[mode] = run  # eager: the stage is read at each call
        b = self.batch
        out = self._single_steps[mode](tf.constant(batch["x"][:b], tf.float32),
                                       tf.constant(batch["x2"][:b], tf.float32),
                                       tf.constant(batch["cond"][:b], tf.int32))
        return {k: float(v) for k, v in out.items()}

    # -- views -------------------------------------------------------------------------------

    def prepare_views(self, rng: np.random.Generator) -> None:
        """The conditional GAN's probes at stage I's size, the same real examples at the full
        size, and the side-by-side panel's captions and latents."""
        super().prepare_views(rng)
        ctx = self.context
        self._real_probe2 = ctx.normalizer.to_net(ctx.dataset.x[self._probe_idx])
        rows = min(STAGES_ROWS, len(self.grid_conditions))
        self._stages_cond = np.repeat(self.grid_conditions[:rows], STAGES_Z).astype(np.int32)
        z = self.z_fixed[: STAGES_Z]
        self._stages_z = np.tile(z, (rows, 1)).astype(np.float32)

    @tf.function
    def probe2(self, real, real2, cond, wrong, z_probe, z_samples, sample_cond, z_pairs,
               pair_cond):
        """Each stage's D on the fixed real batch (at its size) and on its G's fakes (stage
        I's under `"stage1"`, as the conditional GAN's `probe` without its grid); stage II's
        grid; and for the side-by-side panel stage I's drawings and stage II's from the same
        (z, caption)."""
        fake1, _ = self._generate_net(z_probe, cond, training=False)
        stage1 = self._d_outputs(real, fake1, cond, wrong, self.d_encoder, self.trunk,
                                 self.heads)
        fake = self._sample2(self._stage1_input(z_probe, cond), cond)
        out = self._d_outputs(real2, fake, cond, wrong, self.d2_encoder, self.trunk2,
                              self.heads2)
        out["samples"] = self._sample2(self._sample(z_samples, sample_cond), sample_cond)
        low = self._sample(z_pairs, pair_cond)
        out["pair_low"] = low
        out["pair_high"] = self._sample2(low, pair_cond)
        out["stage1"] = stage1
        return out

    def views(self) -> dict[str, Any]:
        """`samples`: per caption and z, stage I enlarged (nearest), its bicubic enlargement
        and stage II, side by side (the title says which stage trains); `stage2`: stage II's
        grid (rows = captions, columns = fixed z); `d_hist` / `d2_hist`: each stage's
        D(x, c)."""
        out = self.probe2(self._real_probe, self._real_probe2, self._cond_probe,
                          self._wrong_probe, self._z_probe, self.z_fixed, self._grid_cond,
                          self._stages_z, self._stages_cond)
        to_data = self.context.normalizer.to_data
        names = self.condition_names()
        low_side = int(self._real_probe.shape[1])
        high_side = int(self._real_probe2.shape[1])
        low = out["pair_low"]
        pictures = [to_data(upsample(low, self.factor, "nearest").numpy()),
                    np.clip(to_data(upsample(low, self.factor).numpy()), 0.0, 1.0),
                    to_data(out["pair_high"].numpy())]
        rows = len(self._stages_cond) // STAGES_Z
        grid = np.stack(pictures, axis=1)  # [rows * Z, 3, H, W, C]: three pictures per z
        grid = grid.reshape(rows * STAGES_Z * 3, *grid.shape[2:])
        stage = int(self.active_stage())
        held = " (held by hand)" if int(self.held_stage.numpy()) else ""
        panels: dict[str, Any] = {
            "samples": Samples(
                grid, IMAGES, row_labels=[names[i] for i in self._stages_cond[::STAGES_Z]],
                columns=STAGES_Z * 3,
                title=f"Stage I ({low_side}×{low_side}, enlarged) · bicubic ×{self.factor} · "
                      f"stage II ({high_side}×{high_side}), two z per caption — training "
                      f"{STAGE_TEXT[stage]}{held}"),
            "stage2": Samples(to_data(out["samples"].numpy()), IMAGES,
                              row_labels=[names[i] for i in self.grid_conditions],
                              columns=self.grid_columns,
                              title=f"Stage II samples, {high_side}×{high_side} (rows: "
                                    "captions, columns: fixed z)")}
        panels.update(self._histogram_panels(out["stage1"], "d_hist", "stage I "))
        panels.update(self._histogram_panels(out, "d2_hist", "stage II "))
        return panels

    # -- generation and export -----------------------------------------------------------------

    def _samplers2(self):
        if self.ema_g2_body is not None:
            return self.ema_g2_encoder, self.ema_g2_body
        return self.g2_encoder, self.g2_body

    def _sample2(self, low, cond_ids):
        return self._sample2_encoded(low, self._encoder_input(cond_ids))

    def _sample2_encoded(self, low, encoded):
        encoder, body = self._samplers2()
        code, _ = self._g_code(encoder, encoded, sample=False)
        return body([low, code], training=False)

    def _final(self, z, encoded):
        return self._sample2_encoded(self._sample_encoded(z, encoded), encoded)

    def _serve2_label(self, z, label):
        return self._to_data(self._final(z, label))

    def _serve2_caption(self, z, caption):
        return self._to_data(self._final(z, self.vectorizer(caption)))

    def export_specs(self) -> list[ExportSpec]:
        """`serving_default(z, condition)` -> the final images; `stage1(z, condition)` ->
        stage I's images."""
        z = InputSpec("z", "float32", (self.latent_dim,), "latent vectors, N(0, I)")
        label = self.condition == LABEL
        cond = self.condition_input()
        final = self._serve2_label if label else self._serve2_caption
        first = self._serve_label if label else self._serve_caption
        return [ExportSpec("serving_default", (z, cond), final,
                           "stage II's images at the full size, in [0, 1]"),
                ExportSpec("stage1", (z, cond), first,
                           f"stage I's images at 1/{self.factor} of the side, in [0, 1]")]

    def export_layers(self) -> list:
        """Both stages' samplers and the caption vectorizer."""
        return [*super().export_layers(), *self._samplers2()]

    def export_metadata(self) -> dict[str, Any]:
        """The conditional GAN's, and the two stages' sizes."""
        side = int(self.context.dataset.shape[0])
        return {**super().export_metadata(),
                "stages": {"stage1": side // self.factor, "final": side,
                           "signatures": {"stage1": "stage1", "final": "serving_default"}}}

    def generate(self, inputs: dict[str, np.ndarray]) -> np.ndarray:
        """Final (stage II) images for `z` and the condition, as the export's default."""
        return self._generate_with(inputs, self._serve2_label, self._serve2_caption)

    def generate_stage1(self, inputs: dict[str, np.ndarray]) -> np.ndarray:
        """Stage I's images for the same inputs."""
        return super().generate(inputs)

    def describe(self) -> dict[str, Any]:
        """The conditional GAN's facts and the stages'."""
        side = int(self.context.dataset.shape[0])
        g1 = count(self._g_variables())
        g2 = count(self._g2_variables())
        return {**super().describe(),
                "stages": {"stage1": side // self.factor, "final": side,
                           "stage1_generator_params": int(g1),
                           "stage2_generator_params": int(g2),
                           "schedule": "joint" if self.schedule_joint else "stages",
                           "stage1_steps": int(self.stage1_steps.numpy())}}

    def param_counts(self) -> dict[str, int]:
        """Parameters of both stages' G and D together (encoders included); each stage's G
        is in `describe()`."""
        first = super().param_counts()
        return {"generator": first["generator"] + count(self._g2_variables()),
                "discriminator": first["discriminator"] + count(self._d2_variables())}

    # -- metrics -------------------------------------------------------------------------------

    def make_evaluator(self, dataset: Dataset, n: int | None, seed: int,
                       status: Callable[[str], Any] | None = None) -> StackEvaluator:
        """The conditional figures at the full size, and stage I enlarged bicubically as the
        FD baseline stage II must beat."""
        return StackEvaluator(self, dataset, n, seed)


class StackEvaluator(ConditionalEvaluator):
    """`ConditionalEvaluator` on the final images, plus `fd_stage1_bicubic`: the same FD for
    stage I's drawings enlarged bicubically (the baseline stage II must beat)."""

    def full(self, recipe: StackGANRecipe) -> dict[str, Any]:
        """Every figure of the final images, and the bicubic baseline's FD."""
        from ganstudio.core.metrics.conditional import fd_per_condition

        result = super().full(recipe)
        name = recipe.condition_input().name

        def bicubic(z, cond):
            low = recipe.generate_stage1({"z": z, name: cond})
            return np.clip(upsample(tf.constant(low), recipe.factor).numpy(), 0.0, 1.0)

        kind = "label" if recipe.condition == LABEL else "caption"
        per = None if self.requested_n is None else max(2, int(self.requested_n) // 6)
        extra = fd_per_condition(self.dataset, bicubic, self.latent_dim,
                                 **({} if per is None else {"n_per_condition": per}),
                                 seed=self.seed, condition=kind)
        result["fd_stage1_bicubic"] = float(extra["fd"])
        return result
