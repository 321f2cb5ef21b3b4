"""The shared base of the unpaired translation families (`translate`, `cyclegan`, `unit`).

A translation recipe trains on a two-domain dataset (`Dataset.domain_b`, see
`core.data.pairs`): domain A is the dataset itself, domain B its `domain_b`, never paired in
training. It learns two directions, `a_to_b` (G: A → B) and `b_to_a` (F: B → A). What the
families share lives here, so a family file holds its nets, losses and `train_step` only:

- domains: `self.domain["a"]` and `["b"]` (`Domain`: name, data, normalizer; each domain
  has its own `Normalizer.for_dataset`, so two point clouds keep their own units);
- data: `training_streams()` gives two streams, `{"x_a"}` and `{"x_b"}`, each in its
  domain's network range and shuffled on its own; a batch holds `batch` rows of each;
- views: fixed probes of both domains (`prepare_views`); `views()` gives `round_trip`
  (images: rows x_a, G(x_a), F(G(x_a)), x_b, F(x_b), G(F(x_b))) or `field` (points: a
  `TranslationField`), and with discriminators `d_hist` (D_B: real B against G(a)) and
  `d_hist_a` (D_A: real A against F(b));
- generation and export: `a_to_b(x)`, `b_to_a(x)` (numpy, data units, batched); the export's
  signatures `serving_default` (= `a_to_b`), `a_to_b` and `b_to_a`, each taking `x` (float32;
  images NHWC in [0, 1], points in data units) and returning the translation in the target
  domain's units; its metadata's `translation` names the domains, their shapes and
  normalizers; `generate({"x": ...})` is `a_to_b`;
- metrics: `metrics.translation` (the MAE of each direction against the known truth beside the
  do-nothing baseline, label agreement, FD in the target domain, cycle error), live
  (`make_evaluator`) and at the end (`quality_report`).

A family subclasses `TranslationRecipe` and provides:

- `create(context)`: builds the nets and optimizers; calls `__init__(context, seed)` first;
- `translate_net(x_net, direction, training=False)`: x in the source domain's network range
  -> its translation in the target domain's network range (a tensor function);
- `d_scores(x_net, domain)`: D's output per example for the histograms (`None`: the family
  has no D of that domain), in the units `critic_output` says;
- `update(a, b, mode)`: one update on a batch of each domain (network ranges), `mode` `both`
  (a whole training step: `train_step` runs it and feeds the trackers of `scalar_keys`) or one
  of `step_modes` (the Step buttons: `single_update` compiles it once per mode);
- `steps`, `state_variables`, `export_layers`, `param_counts`, `objective_text`;
- `directions` where it learns one way only (`translate`: `(A_TO_B,)`): the views, the
  export and the metrics then leave the missing direction out, and `translate` refuses it.

Example (a family's core):

```python
class MyRecipe(TranslationRecipe):
    family = "mine"
    def translate_net(self, x_net, direction, training=False):
        return (self.g if direction == A_TO_B else self.f)(x_net, training=training)
```
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from ganstudio.core.data.base import IMAGES, POINTS, Dataset, Normalizer, points_on_plane
from ganstudio.core.objectives import batch_mean
from ganstudio.core.optimizers import FusedAdam
from ganstudio.core.panels import Histograms, Samples, TranslationField
from ganstudio.core.precision import descend, loss_scaled
from ganstudio.core.recipes.base import (
    Evaluator,
    ExportSpec,
    InputSpec,
    Recipe,
    RecipeContext,
    learning_rate,
)
from ganstudio.errors import ConfigError

A_TO_B = "a_to_b"
B_TO_A = "b_to_a"
DIRECTIONS = (A_TO_B, B_TO_A)
SOURCE = {A_TO_B: "a", B_TO_A: "b"}
TARGET = {A_TO_B: "b", B_TO_A: "a"}
ROUND_TRIP_COLUMNS = 8  # probes of each domain in the round-trip panel
FIELD_PROBES = 48  # probes of each domain whose arrows the translation field draws
FIELD_CLOUD = 1000  # real points of each domain drawn under the arrows
PICTURE_POINTS = 2500  # translated points in samples.png
TRANSLATE_BATCH = 512


@dataclass(frozen=True)
class Domain:
    """One side of a translation.

    Args:
        key: `a` or `b`.
        name: The domain's name (`digits`, `inverted digits`), from `Dataset.domain_names`.
        data: Its examples (a `Dataset` of one domain, in its own units).
        normalizer: Its map between data units and the network's range.
    """

    key: str
    name: str
    data: Dataset
    normalizer: Normalizer

    @property
    def shape(self) -> tuple[int, ...]:
        """One example's shape."""
        return self.data.shape

    def to_net(self, x):
        """Data units -> the network's range (a tensor function)."""
        n = self.normalizer
        return (x - _offset(n)) / n.scale

    def to_data(self, x_net):
        """The network's range -> data units, images clipped to [0, 1] (a tensor function)."""
        n = self.normalizer
        out = x_net * n.scale + _offset(n)
        return ops.clip(out, 0.0, 1.0) if self.data.kind == IMAGES else out


def _offset(normalizer: Normalizer):
    offset = np.asarray(normalizer.offset, np.float32)
    return offset if len(offset) > 1 else offset[0]


def l1_distance(x, y):
    """Mean absolute difference per value, averaged over the (global) batch:
    (1/N) Σ_n mean_j |x_nj − y_nj|; CycleGAN's cycle and identity terms.

    Args:
        x: [N, ...] tensors.
        y: Same shape.

    Returns:
        A scalar (scaled by the global batch under `tf.distribute`, see `batch_mean`).
    """
    diff = ops.abs(ops.reshape(x - y, (ops.shape(x)[0], -1)))
    return batch_mean(ops.mean(diff, axis=1))


def unavailable_hint(direction: str) -> str:
    """What to do about a direction a model does not learn (the `translate` family learns
    a_to_b only)."""
    return (f"Train cyclegan or unit for both directions, or swap the domains (--dataset B "
            f"--dataset-b A) to learn {direction} alone.")


def stack_channels(images: list[np.ndarray]) -> list[np.ndarray]:
    """Images of two domains in one grid: greyscale rows become RGB where the other domain's
    images have colour (the channels must match to share a grid)."""
    channels = max(int(x.shape[-1]) for x in images)
    return [np.repeat(x, channels // int(x.shape[-1]), axis=-1) if x.shape[-1] != channels
            else x for x in images]


class TranslationRecipe(Recipe):
    """Base of the translation families: two domains, two directions (module docstring).

    Args:
        context: The run's context; its dataset holds both domains.
        seed: Seeds the recipe's `keras.random.SeedGenerator`.

    Attributes:
        domain: `{"a": Domain, "b": Domain}`.
        batch: Examples of each domain per update.
        kind: `images` or `points` (both domains are the same kind).
    """

    step_modes = ("d", "g")
    watched_scalars = ("g_loss", "d_loss", "grad_norm_g", "grad_norm_d")
    critic_output = False
    directions: tuple[str, ...] = DIRECTIONS  # the directions it learns (the others: refused)

    def __init__(self, context: RecipeContext, seed: int = 0, **kwargs):
        super().__init__(name=self.family, **kwargs)
        from ganstudio.core.data.pairs import check_pair_kinds

        ds = context.dataset
        check_pair_kinds(ds)
        names = tuple(ds.domain_names or ("A", "B"))
        self.context = context
        self.domain = {
            "a": Domain("a", names[0], ds, context.normalizer),
            "b": Domain("b", names[1], ds.domain_b, Normalizer.for_dataset(ds.domain_b)),
        }
        self.kind = ds.kind
        self.batch = int(context.config.train.batch)
        self.seed_generator = keras.random.SeedGenerator(seed, name="translation_seed")
        self.trackers = {k: keras.metrics.Mean(name=k) for k in self.scalar_keys}
        self.net_config = None  # the shared NetConfig names no translation net: see describe
        self._serving: dict[str, Any] = {}
        self._single_steps: dict[str, Any] = {}

    # -- what a family defines -----------------------------------------------------------------

    def translate_net(self, x_net, direction: str, training: bool = False):
        """x in the source domain's network range -> its translation in the target's."""
        raise NotImplementedError

    def d_scores(self, x_net, domain: str):
        """D of `domain` on examples of it (network range): one value per example, as the
        histograms show it; `None` where the family has no such D."""
        return None

    def update(self, a, b, mode: str) -> dict[str, Any]:
        """One update on `a` and `b` (a batch of each domain, network ranges): `mode` is `both`
        (a training step) or one of `step_modes`. Returns the update's scalars (tensors)."""
        raise NotImplementedError

    # -- what the families' create and update share ---------------------------------------------

    def make_optimizers(self, options, g_variables: list, d_variables: list,
                        **adam: Any) -> None:
        """Sets `g_optimizer` and `d_optimizer`: Adam at `options.lr` and `options.lr_d`, both
        falling by `options.lr_decay` over `train.steps`, β₁ `options.beta1` (`adam`: Adam's
        other arguments, e.g. `beta_2`), built on `g_variables` and `d_variables`."""
        steps = self.context.config.train.steps
        self.g_optimizer = loss_scaled(FusedAdam(
            learning_rate(options.lr, options.lr_decay, steps), beta_1=options.beta1, **adam))
        self.d_optimizer = loss_scaled(FusedAdam(
            learning_rate(options.lr_d, options.lr_decay, steps), beta_1=options.beta1, **adam))
        self.g_optimizer.build(g_variables)
        self.d_optimizer.build(d_variables)

    @staticmethod
    def descend(optimizer, tape, loss, variables: list):
        """One step of `optimizer` on `loss`'s gradients (from `tape`) over `variables`;
        returns the gradients' global norm (`grad_norm_g`, `grad_norm_d`)."""
        return tf.linalg.global_norm(descend(optimizer, tape, loss, variables))

    def update_with_two_ds(self, a, b, update_g: bool, update_d: bool, g_keys: tuple[str, ...],
                           g_variables: Callable[[], list],
                           seen: Callable[[Any, Any], tuple[Any, Any]] | None = None
                           ) -> dict[str, Any]:
        """One update of a family with a D per domain (`cyclegan`, `unit`): its
        `generator_terms(a, b, training=True)` under a tape; with `update_g`, `g_optimizer`
        on their `g_loss` over `g_variables()`; with `update_d`, `d_optimizer` on
        `discriminator_terms(a, b, fake_a, fake_b)` over `discriminator_variables()`, the
        fakes from the same forward pass (before G's update), passed through `seen` where
        given (e.g. history pools).

        Returns:
            The terms named in `g_keys`, then `grad_norm_g`, the D terms and `grad_norm_d`
            (those of the parts updated).
        """
        with tf.GradientTape() as tape:
            t = self.generator_terms(a, b, training=True)
        logs = {k: t[k] for k in g_keys}
        if update_g:
            logs["grad_norm_g"] = self.descend(self.g_optimizer, tape, t["g_loss"],
                                               g_variables())
        if update_d:
            fake_a, fake_b = ops.stop_gradient(t["fake_a"]), ops.stop_gradient(t["fake_b"])
            if seen is not None:
                fake_a, fake_b = seen(fake_a, fake_b)
            with tf.GradientTape() as tape:
                d = self.discriminator_terms(a, b, fake_a, fake_b)
            norm = self.descend(self.d_optimizer, tape, d["d_loss"],
                                self.discriminator_variables())
            logs.update(d)
            logs["grad_norm_d"] = norm
        return logs

    # -- keras plumbing ----------------------------------------------------------------------

    def call(self, x, training=False):
        return self.translate_net(x, A_TO_B, training=training)

    def train_step(self, data):
        logs = self.update(data["x_a"], data["x_b"], "both")
        self.update_trackers(logs)
        return logs

    def single_update(self, mode: str, batch: dict[str, np.ndarray]) -> dict[str, float]:
        """One update outside `fit` (the Step buttons): `update` in one of `step_modes`,
        compiled once per mode.

        Args:
            mode: One of `step_modes` (e.g. `d` or `g`).
            batch: `{"x_a", "x_b"}` in the network's ranges, at least `batch` rows each.

        Returns:
            The update's scalars as floats.

        Raises:
            ConfigError: for a mode the family does not have.
        """
        if mode not in self.step_modes:
            hint = (f"Use {' or '.join(self.step_modes)}." if self.step_modes
                    else "Use Step (one whole training step).")
            raise ConfigError(f"{self.family} has no {mode!r}-only update.", hint)
        if mode not in self._single_steps:
            self._single_steps[mode] = tf.function(lambda a, b: self.update(a, b, mode),
                                                   jit_compile=bool(self.jit_compile))
        out = self._single_steps[mode](tf.constant(batch["x_a"][: self.batch], tf.float32),
                                       tf.constant(batch["x_b"][: self.batch], tf.float32))
        return {k: float(v) for k, v in out.items()}

    # -- data ----------------------------------------------------------------------------------

    def domain_arrays(self, key: str) -> np.ndarray:
        """A domain's examples in its network range."""
        d = self.domain[key]
        return d.normalizer.to_net(d.data.x)

    def training_streams(self) -> list[dict[str, np.ndarray]]:
        """`{"x_a"}` and `{"x_b"}`: each domain's examples in its network range, two streams
        shuffled apart (the domains are never paired)."""
        return [{"x_a": self.domain_arrays("a")}, {"x_b": self.domain_arrays("b")}]

    def training_arrays(self) -> dict[str, np.ndarray]:
        """Domain A's stream (`training_streams` gives both)."""
        return self.training_streams()[0]

    @property
    def pipeline_batch(self) -> int:
        """`batch` examples of each domain per update."""
        return self.batch

    # -- translation in numpy ----------------------------------------------------------------

    def serve(self, direction: str) -> Callable[[Any], Any]:
        """The direction as a tensor function in data units (what the export signs):
        x of the source domain -> its translation in the target domain's units."""
        source, target = self.domain[SOURCE[direction]], self.domain[TARGET[direction]]

        def fn(x):
            return target.to_data(self.translate_net(source.to_net(x), direction))

        return fn

    def translate(self, x: np.ndarray, direction: str,
                  batch: int = TRANSLATE_BATCH) -> np.ndarray:
        """Translates examples in the source domain's units, in batches.

        Args:
            x: [N, ...] examples of the source domain.
            direction: `a_to_b` or `b_to_a`.
            batch: Examples per call.

        Returns:
            [N, ...] translations in the target domain's units (images in [0, 1]).

        Raises:
            ConfigError: for a direction the family does not learn (`directions`).
        """
        self.check_direction(direction)
        if direction not in self._serving:
            shape = self.domain[SOURCE[direction]].shape
            self._serving[direction] = tf.function(
                self.serve(direction),
                input_signature=[tf.TensorSpec((None, *shape), tf.float32)])
        fn = self._serving[direction]
        x = np.asarray(x, np.float32)
        parts = [np.asarray(fn(tf.constant(x[i:i + batch]))) for i in range(0, len(x), batch)]
        if parts:
            return np.concatenate(parts)
        return np.zeros((0, *self.domain[TARGET[direction]].shape), np.float32)

    def check_direction(self, direction: str) -> None:
        """Raises `ConfigError` unless the family learns `direction` (`directions`)."""
        if direction not in self.directions:
            raise ConfigError(f"{self.family} learns {' and '.join(self.directions)} only; "
                              f"{direction} is not available.", unavailable_hint(direction))

    def a_to_b(self, x: np.ndarray) -> np.ndarray:
        """G: examples of A (A's units) -> their translations into B (B's units)."""
        return self.translate(x, A_TO_B)

    def b_to_a(self, x: np.ndarray) -> np.ndarray:
        """F: examples of B (B's units) -> their translations into A (A's units)."""
        return self.translate(x, B_TO_A)

    # -- views -------------------------------------------------------------------------------

    def prepare_views(self, rng: np.random.Generator) -> None:
        """Fixes the probes of both domains: the round trip's columns (images) or the field's
        arrows and clouds (points), and the histograms' real batches."""
        probe_size = self.context.config.train.probe_size
        self._probes: dict[str, np.ndarray] = {}
        self._clouds: dict[str, np.ndarray] = {}
        self._real: dict[str, np.ndarray] = {}
        for key, d in self.domain.items():
            n = len(d.data)
            count = ROUND_TRIP_COLUMNS if self.kind == IMAGES else FIELD_PROBES
            idx = np.sort(rng.choice(n, size=min(count, n), replace=False))
            self._probes[key] = d.normalizer.to_net(d.data.x[idx])
            if self.kind == POINTS:
                cloud = rng.choice(n, size=min(FIELD_CLOUD, n), replace=False)
                self._clouds[key] = d.data.x[cloud]
            real = rng.choice(n, size=min(probe_size, n), replace=False)
            self._real[key] = d.normalizer.to_net(d.data.x[real])

    @tf.function
    def probe(self, probe_a, probe_b, real_a, real_b):
        """The views' tensors, in the network's ranges: each probe's translation and way
        back (`g_a` = G(x_a), `back_a` = F(G(x_a)), `f_b`, `back_b`), and D's outputs on
        real examples and on translations of the other domain's real batch (a family with
        one direction: `g_a` and D_B's only)."""
        out = {"g_a": self.translate_net(probe_a, A_TO_B)}
        if B_TO_A in self.directions:
            out["back_a"] = self.translate_net(out["g_a"], B_TO_A)
            out["f_b"] = self.translate_net(probe_b, B_TO_A)
            out["back_b"] = self.translate_net(out["f_b"], A_TO_B)
        for key, real, other, direction in (("b", real_b, real_a, A_TO_B),
                                            ("a", real_a, real_b, B_TO_A)):
            if direction not in self.directions:
                continue
            real_scores = self.d_scores(real, key)
            if real_scores is not None:
                out[f"d_{key}_real"] = real_scores
                out[f"d_{key}_fake"] = self.d_scores(self.translate_net(other, direction), key)
        return out

    def views(self) -> dict[str, Any]:
        """`round_trip` (images) or `field` (points), and with discriminators `d_hist` (D_B)
        and `d_hist_a` (D_A); every panel in the domains' own units."""
        out = {k: v.numpy() for k, v in self.probe(self._probes["a"], self._probes["b"],
                                                   self._real["a"], self._real["b"]).items()}
        a, b = self.domain["a"], self.domain["b"]
        panels: dict[str, Any] = {}
        if self.kind == IMAGES:
            panels["round_trip"] = self._round_trip(out)
        else:
            none = np.zeros((0, 2), np.float32)  # without F: no arrows from B's probes
            panels["field"] = TranslationField(
                points_on_plane(self._clouds["a"]), points_on_plane(self._clouds["b"]),
                points_on_plane(a.normalizer.to_data(self._probes["a"])),
                points_on_plane(b.normalizer.to_data(out["g_a"])),
                points_on_plane(b.normalizer.to_data(self._probes["b"])) if "f_b" in out
                else none,
                points_on_plane(a.normalizer.to_data(out["f_b"])) if "f_b" in out else none,
                (a.name, b.name))
        for key, panel in (("b", "d_hist"), ("a", "d_hist_a")):
            if f"d_{key}_real" in out:
                other = "G(a)" if key == "b" else "F(b)"
                # the view heads it with the domain's name: "D_A on digits · D_A(x): real vs
                # fake F(b)"
                panels[panel] = Histograms(
                    {"real": out[f"d_{key}_real"].reshape(-1),
                     f"fake {other}": out[f"d_{key}_fake"].reshape(-1)},
                    critic=bool(self.critic_output), title=f"D_{key.upper()}(x)")
        return panels

    def _round_trip(self, out: dict[str, np.ndarray]) -> Samples:
        a, b = self.domain["a"], self.domain["b"]

        def data(d: Domain, x: np.ndarray) -> np.ndarray:
            return np.clip(d.normalizer.to_data(x), 0.0, 1.0)

        if "f_b" not in out:  # one direction: x_a, G(x_a), and real examples of B beside
            rows = stack_channels([data(a, self._probes["a"]), data(b, out["g_a"]),
                                   data(b, self._probes["b"])])
            labels = [f"x_a ({a.name})", f"G(x_a) → {b.name}", f"x_b ({b.name}, real)"]
            title = f"translation: {a.name} → {b.name} (one direction)"
        else:
            rows = stack_channels([data(a, self._probes["a"]), data(b, out["g_a"]),
                                   data(a, out["back_a"]), data(b, self._probes["b"]),
                                   data(a, out["f_b"]), data(b, out["back_b"])])
            labels = [f"x_a ({a.name})", f"G(x_a) → {b.name}", "F(G(x_a))",
                      f"x_b ({b.name})", f"F(x_b) → {a.name}", "G(F(x_b))"]
            title = f"round trip: {a.name} → {b.name} → {a.name}, and back"
        columns = min(len(r) for r in rows)
        return Samples(np.concatenate([r[:columns] for r in rows]).astype(np.float32), IMAGES,
                       row_labels=labels, columns=columns, title=title)

    def picture(self) -> Samples:
        """samples.png: the round trip (images), or `PICTURE_POINTS` translations of A's points
        drawn over B's real points."""
        if self.kind == IMAGES:
            out = {k: v.numpy() for k, v in self.probe(
                self._probes["a"], self._probes["b"], self._real["a"], self._real["b"]).items()}
            return self._round_trip(out)
        a, b = self.domain["a"].data, self.domain["b"].data
        idx = np.random.default_rng(self.context.config.train.seed + 101).choice(
            len(a), size=min(PICTURE_POINTS, len(a)), replace=False)
        return Samples(self.a_to_b(a.x[idx]), POINTS, real_points=b.x[:2000])

    # -- generation and export -------------------------------------------------------------------

    def _x_spec(self, key: str) -> InputSpec:
        d = self.domain[key]
        units = "images in [0, 1]" if d.data.kind == IMAGES else "points in its data units"
        return InputSpec("x", "float32", tuple(d.shape), f"examples of {d.name} ({units})")

    def export_specs(self) -> list[ExportSpec]:
        """`serving_default(x)` = `a_to_b(x)`: A's examples -> B; `b_to_a(x)`: B's -> A (where
        the family learns it, `directions`); each in the target domain's units."""
        a, b = self.domain["a"].name, self.domain["b"].name
        ab = self.serve(A_TO_B)
        specs = [
            ExportSpec("serving_default", (self._x_spec("a"),), ab,
                       f"a_to_b: {a} -> {b}, in {b}'s units"),
            ExportSpec(A_TO_B, (self._x_spec("a"),), ab, f"{a} -> {b}, in {b}'s units"),
        ]
        if B_TO_A in self.directions:
            specs.append(ExportSpec(B_TO_A, (self._x_spec("b"),), self.serve(B_TO_A),
                                    f"{b} -> {a}, in {a}'s units"))
        return specs

    def generate(self, inputs: dict[str, np.ndarray]) -> np.ndarray:
        """`a_to_b` of `inputs["x"]` (A's examples), in B's units."""
        return self.a_to_b(np.asarray(inputs["x"], np.float32))

    def example_inputs(self, n: int, seed: int = 0) -> dict[str, np.ndarray]:
        """`x`: n examples of domain A picked by the seed."""
        return self._examples("a", n, seed)

    def signature_examples(self, name: str, n: int, seed: int = 0) -> dict[str, np.ndarray]:
        """`x` from the signature's source domain (B for `b_to_a`, else A)."""
        return self._examples("b" if name == B_TO_A else "a", n, seed)

    def _examples(self, key: str, n: int, seed: int) -> dict[str, np.ndarray]:
        x = self.domain[key].data.x
        idx = np.random.default_rng(seed).choice(len(x), size=n, replace=n > len(x))
        return {"x": np.asarray(x[idx], np.float32)}

    def export_metadata(self) -> dict[str, Any]:
        """The objective and `translation`: both domains (name, kind, shape, value range,
        class names, normalizer), the directions it learns (source and target names) and
        why any other is `unavailable` (the session adds the dataset's facts: `data_shape`
        and `kind` are domain A's)."""
        return {"objective": self.objective_text(), "translation": {
            "domains": {key: {"name": d.name, "kind": d.data.kind, "shape": list(d.shape),
                              "value_range": list(d.data.value_range),
                              "class_names": d.data.class_names,
                              "normalizer": d.normalizer.to_dict()}
                        for key, d in self.domain.items()},
            "directions": {d: [self.domain[SOURCE[d]].name, self.domain[TARGET[d]].name]
                           for d in self.directions},
            "unavailable": {d: f"{self.family} learns {' and '.join(self.directions)} only. "
                               + unavailable_hint(d) for d in DIRECTIONS
                            if d not in self.directions},
            "serving_default": A_TO_B}}

    def describe(self) -> dict[str, Any]:
        """The nets (`nets.translation`'s, by kind, with the net settings they read) and both
        domains (name, count, shape)."""
        net = self.context.config.net
        nets: dict[str, Any] = (
            {"translator": "resnet", "discriminator": "patchgan", "filters": net.filters}
            if self.kind == IMAGES else
            {"translator": "mlp", "discriminator": "mlp", "depth": net.depth,
             "width": net.width, "activation": net.activation})
        return {"net": nets,
                "domains": {key: {"name": d.name, "count": len(d.data), "shape": list(d.shape)}
                            for key, d in self.domain.items()}}

    # -- metrics ---------------------------------------------------------------------------------

    def make_evaluator(self, dataset: Dataset, n: int | None, seed: int,
                       status: Callable[[str], Any] | None = None) -> Evaluator:
        """The translation figures (`metrics.translation.TranslationEvaluator`)."""
        from ganstudio.core.metrics.translation import TranslationEvaluator

        return TranslationEvaluator(self, dataset, n, seed, status)

    def quality_report(self, dataset: Dataset, seed: int,
                       status: Callable[[str], Any] | None = None) -> tuple[dict[str, Any], str]:
        """Every truth example translated both ways, label agreement, FD in each target
        domain and the cycle error (`metrics.translation`), and their table."""
        from ganstudio.core.metrics.translation import evaluate_translation, format_translation

        result = evaluate_translation(self, dataset, seed=seed, status=status)
        return result, format_translation(result)
