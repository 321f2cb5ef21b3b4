"""Export a run's generator as a TensorFlow SavedModel that any TensorFlow program can load.

Each family declares its signatures (`Recipe.export_specs`); the first is `serving_default`.
The unconditional GAN's takes `z` (float32, [N, latent]); the conditional GAN's takes `z` and
`label` (int32, [N]) or `caption` (string, [N]); the encoder families' add `encode(x)` (named
outputs `mean`, and `log_var` for the VAE), `decode(z)` and `reconstruct(x)`. A signature
with one output returns it as `output_0`: samples in the dataset's own units, images float32 NHWC in [0, 1], points in their original
coordinates. `assets/ganstudio.json` carries the metadata (dataset, shapes, each signature's
inputs, class names or vocabulary, objective, steps, seed, normalizer), so a user's script
needs nothing from GAN Studio:

```python
import tensorflow as tf
gen = tf.saved_model.load("run/generator").signatures["serving_default"]
images = gen(z=tf.random.normal([16, 64]))["output_0"]
```
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras
import numpy as np

from ganstudio.core.checkpoint import normal_permissions
from ganstudio.core.data.base import IMAGES, POINTS
from ganstudio.core.recipes.base import ExportSpec, InputSpec, Recipe
from ganstudio.core.run_folder import check_export_target
from ganstudio.errors import ModelError
from ganstudio.textfile import read_json_file

METADATA_FILE = "ganstudio.json"
ROUND_TRIP_TOLERANCE = 1e-4
# The reloaded graph may round 16-bit arithmetic in another order (other fused kernels): with a
# mixed precision the check allows differences of that size, relative to the outputs' largest
# magnitude (outputs are in data units: grid25's points reach about 4.2, images stay within 1).
ROUND_TRIP_TOLERANCES = {"float32": ROUND_TRIP_TOLERANCE, "mixed_float16": 1e-2,
                         "mixed_bfloat16": 5e-2}
ROUND_TRIP_N = 16
OUTPUT_KEY = "output_0"


def round_trip_tolerance(precision: str, scale: float) -> float:
    """The largest difference the round-trip check allows.

    Args:
        precision: The run's precision policy (`"float32"`, `"mixed_float16"`, ...).
        scale: The largest |output| the in-memory generator gave on the check's inputs.

    Returns:
        The precision's tolerance times `max(1, scale)`.
    """
    return ROUND_TRIP_TOLERANCES.get(precision, ROUND_TRIP_TOLERANCE) * max(1.0, scale)


@dataclass(frozen=True)
class ExportReport:
    """The result of an export and its round-trip check."""

    path: Path
    max_abs_diff: float
    n_checked: int
    tolerance: float = ROUND_TRIP_TOLERANCE

    @property
    def ok(self) -> bool:
        """True when the reloaded model matches the in-memory generator (within the
        tolerance of the networks' precision)."""
        return self.max_abs_diff <= self.tolerance

    def summary(self) -> str:
        """One line for the CLI and the studio."""
        verdict = "matches" if self.ok else "DOES NOT match"
        return (f"exported to {self.path}; reloaded model {verdict} the in-memory one on "
                f"{self.n_checked} inputs over every signature (max |diff| "
                f"{self.max_abs_diff:.2e})")


def _tf_dtype(name: str):
    import tensorflow as tf

    return {"float32": tf.float32, "int32": tf.int32, "string": tf.string}[name]


def _tensor(spec: InputSpec, value: np.ndarray):
    import tensorflow as tf

    if spec.dtype == "string":
        return tf.constant([str(v) for v in np.asarray(value, dtype=object).ravel()], tf.string)
    return tf.constant(np.asarray(value).astype(spec.dtype))


def export_recipe(recipe: Recipe, path: str | Path, metadata: dict[str, Any],
                  seed: int = 0, replace: bool = False) -> ExportReport:
    """Writes the recipe's export (one SavedModel, a signature per `ExportSpec`) with its
    metadata, reloads it and checks every signature against the recipe in memory.

    The export is written to a temporary folder beside `path`, reloaded and checked there, and
    moved into place only then, so an earlier export at `path` survives a failed one. A
    destination that holds anything but an earlier export is refused (`check_export_target`).

    Args:
        recipe: A built recipe (its `export_specs` and `export_layers`).
        path: Destination folder.
        metadata: JSON-friendly facts about the run (dataset, objective, steps, ...).
        seed: Seed of the inputs used for the round-trip check.
        replace: Replace an earlier GAN Studio export at `path` (without it, one is refused).

    Returns:
        An `ExportReport` with the largest difference seen over all signatures.

    Raises:
        ConfigError: when `path` holds something that is not ours to replace.
        ModelError: if the folder cannot be written, or the weights are not finite.
    """
    import tensorflow as tf

    path = Path(path)
    check_export_target(path, replace=replace)
    bad = [w.path for layer in recipe.export_layers() for w in layer.weights
           if not np.isfinite(np.asarray(w)).all()]
    if bad:
        raise ModelError(f"not exporting: {len(bad)} of the generator's weights hold NaN or "
                         f"infinite values (first: {bad[0]}).",
                         "Resume from an earlier checkpoint with lower learning rates.")
    path.parent.mkdir(parents=True, exist_ok=True)
    specs = recipe.export_specs()
    archive = keras.export.ExportArchive()
    for layer in recipe.export_layers():
        archive.track(layer)
    for spec in specs:
        signature = [tf.TensorSpec(i.signature_shape(), _tf_dtype(i.dtype), name=i.name)
                     for i in spec.inputs]
        archive.add_endpoint(spec.name, _named_output(spec), input_signature=signature)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    normal_permissions(tmp)  # the export folder gets 0755 under a usual umask, not 0700
    first = specs[0]
    latent = next((i.shape[0] for i in first.inputs if i.name == "z"), None)
    try:
        archive.write_out(str(tmp), verbose=False)
        meta = {
            **metadata,
            "latent_dim": latent,
            "signature": {"name": first.name, "input": first.inputs[0].name,
                          "output": OUTPUT_KEY},
            "signatures": {spec.name: {"inputs": [i.to_dict() for i in spec.inputs],
                                       "output": OUTPUT_KEY if not spec.outputs
                                       else list(spec.outputs), "help": spec.help}
                           for spec in specs},
            "format": "ganstudio-generator/2",
        }
        (tmp / "assets").mkdir(exist_ok=True)
        (tmp / "assets" / METADATA_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")
        reloaded = tf.saved_model.load(str(tmp))
        worst, scale, checked = 0.0, 0.0, 0
        for spec in specs:
            inputs = recipe.signature_examples(spec.name, ROUND_TRIP_N, seed)
            args = [_tensor(i, inputs[i.name]) for i in spec.inputs]
            expected = _named_output(spec)(*args)
            got = reloaded.signatures[spec.name](
                **{i.name: a for i, a in zip(spec.inputs, args, strict=True)})
            for key, want in expected.items():
                diff = np.abs(got[key].numpy() - np.asarray(want))
                worst = max(worst, float(np.max(diff)) if diff.size else 0.0)
                if diff.size and np.asarray(want).dtype.kind == "f":
                    scale = max(scale, float(np.max(np.abs(want))))
            first = np.asarray(next(iter(expected.values())))
            checked += len(first) if first.ndim else 1
        del reloaded
        if path.exists():  # an earlier export of ours: set aside until the new one is in place
            backup = Path(tempfile.mkdtemp(prefix=f".{path.name}.old.", dir=path.parent))
            backup.rmdir()
            path.rename(backup)
            tmp.rename(path)
            shutil.rmtree(backup, ignore_errors=True)
        else:
            tmp.rename(path)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ModelError(f"could not write the export to {str(path)!r}: {exc.strerror or exc}.",
                         "Choose a folder you can write to, with free space.") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    tolerance = round_trip_tolerance(metadata.get("precision", "float32"), scale)
    return ExportReport(path, worst, checked, tolerance)


def _named_output(spec: ExportSpec):
    """The signature's function: its outputs by name (`output_0` for a single one)."""
    def serve(*args):
        if spec.outputs:
            out = spec.fn(*args)
            return {name: out[name] for name in spec.outputs}
        return {OUTPUT_KEY: spec.fn(*args)}

    return serve


def read_metadata(path: str | Path) -> dict[str, Any]:
    """Reads `assets/ganstudio.json` of an export.

    Raises:
        ModelError: if `path` is not a GAN Studio export.
    """
    meta_path = Path(path) / "assets" / METADATA_FILE
    if not meta_path.is_file():
        raise ModelError(f"{str(path)!r} is not a GAN Studio generator export "
                         f"(no assets/{METADATA_FILE}).",
                         "Give the generator/ folder written by `ganstudio train` or export.")
    meta = read_json_file(meta_path, "export metadata", ModelError)
    problem = _metadata_problem(meta)
    if problem is not None:
        raise ModelError(f"the export metadata {str(meta_path)!r} is malformed: {problem}.",
                         "Export the run again: `ganstudio export --run RUN --force`.")
    return meta


def _metadata_problem(meta: Any) -> str | None:
    """What is wrong with an export's metadata for loading it, or `None`."""
    if not isinstance(meta, dict):
        return f"it holds a {type(meta).__name__}, not an object"
    latent = meta.get("latent_dim")
    sigs = meta.get("signatures")
    serving = sigs.get("serving_default") if isinstance(sigs, dict) else None
    listed = serving.get("inputs") if isinstance(serving, dict) else None
    takes_z = not isinstance(listed, list) or any(
        isinstance(i, dict) and i.get("name") == "z" for i in listed)
    if takes_z and (isinstance(latent, bool) or not isinstance(latent, int) or latent < 1):
        return f"latent_dim is {latent!r}, not a positive whole number"
    if meta.get("kind") not in (IMAGES, POINTS):
        return f"kind is {meta.get('kind')!r}, not 'images' or 'points'"
    shape = meta.get("data_shape")
    if not isinstance(shape, list) or not shape or not all(
            isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in shape):
        return f"data_shape is {shape!r}, not a list of positive sizes"
    sigs = meta.get("signatures")
    if sigs is not None:
        serving = sigs.get("serving_default") if isinstance(sigs, dict) else None
        inputs = serving.get("inputs") if isinstance(serving, dict) else None
        if not isinstance(inputs, list) or not all(
                isinstance(i, dict) and isinstance(i.get("name"), str) and "dtype" in i
                and isinstance(i.get("shape"), list) for i in inputs):
            return "signatures.serving_default.inputs is not a list of {name, dtype, shape}"
    return None


def signature_inputs(metadata: dict[str, Any], name: str = "serving_default") -> list[dict]:
    """The inputs of an export's signature, read from its metadata (older exports: `z`)."""
    sigs = metadata.get("signatures")
    if isinstance(sigs, dict) and isinstance(sigs.get(name), dict):
        return list(sigs[name].get("inputs", []))
    return [{"name": "z", "dtype": "float32", "shape": [int(metadata["latent_dim"])]}]


def export_folder(path: str | Path) -> Path:
    """The export folder of a run folder (its `generator/`) or of an export folder itself.

    Raises:
        ModelError: when neither holds a SavedModel.
    """
    path = Path(path)
    if (path / "generator" / "saved_model.pb").is_file():
        path = path / "generator"
    if not (path / "saved_model.pb").is_file():
        raise ModelError(f"no SavedModel at {str(path)!r}.",
                         "Give a run folder from `ganstudio train` or its generator/ export.")
    return path


class LoadedTranslator:
    """A reloaded export of a translation family (`cyclegan`, `translate`, `unit`): call it
    with examples of the source domain to get their translations, in the target's units.

    Args:
        path: An export folder, or a run folder that holds `generator/`.

    Attributes:
        domains: `{"a": {...}, "b": {...}}` from the metadata (name, kind, shape, ...).
        directions: The directions it has (`translate` exports `a_to_b` only).

    Raises:
        ModelError: for an export that is not a translation model.
    """

    def __init__(self, path: str | Path) -> None:
        import tensorflow as tf

        self.path = export_folder(path)
        self.metadata = read_metadata(self.path)
        info = self.metadata.get("translation")
        domains = info.get("domains") if isinstance(info, dict) else None
        if not isinstance(domains, dict) or set(domains) != {"a", "b"}:
            family = self.metadata.get("family") or "this"
            raise ModelError(f"the {family} export at {str(self.path)!r} is not a translation "
                             "model (it has no a_to_b and b_to_a).",
                             "Give a cyclegan, translate or unit run; draw samples from a "
                             "generator with `ganstudio sample`.")
        self.domains = domains
        self.family = str(self.metadata.get("family") or "")
        self._signatures = tf.saved_model.load(str(self.path)).signatures
        self.directions = tuple(d for d in ("a_to_b", "b_to_a") if d in self._signatures)
        self._unavailable = dict(info.get("unavailable") or {})

    def check_direction(self, direction: str) -> None:
        """Raises `ModelError`, saying why and what to do, for a direction it does not have."""
        if direction not in self.directions:
            why = self._unavailable.get(direction) or (
                f"{self.family or 'this'} export has {' and '.join(self.directions)} only.")
            raise ModelError(f"the export at {str(self.path)!r} cannot translate "
                             f"{direction}: {why}")

    def a_to_b(self, x: np.ndarray) -> np.ndarray:
        """Examples of A (A's units) -> B (what `metrics.translation` calls)."""
        return self(x, "a_to_b")

    def b_to_a(self, x: np.ndarray) -> np.ndarray:
        """Examples of B (B's units) -> A."""
        return self(x, "b_to_a")

    def source(self, direction: str) -> dict[str, Any]:
        """The metadata of the direction's source domain."""
        return self.domains["b" if direction == "b_to_a" else "a"]

    def target(self, direction: str) -> dict[str, Any]:
        """The metadata of the direction's target domain."""
        return self.domains["a" if direction == "b_to_a" else "b"]

    def __call__(self, x: np.ndarray, direction: str = "a_to_b",
                 batch: int = 256) -> np.ndarray:
        """Translates examples of the source domain (its units) into the target domain.

        Args:
            x: [N, ...] examples shaped as the source domain's.
            direction: `a_to_b` or `b_to_a`.
            batch: Examples per call of the signature.

        Returns:
            [N, ...] translations in the target domain's units.

        Raises:
            ModelError: for a direction the export does not have (`check_direction`).
        """
        import tensorflow as tf

        self.check_direction(direction)
        fn = self._signatures[direction]
        x = np.asarray(x, np.float32)
        parts = [fn(x=tf.constant(x[i:i + batch]))[OUTPUT_KEY].numpy()
                 for i in range(0, len(x), batch)]
        shape = tuple(int(s) for s in self.target(direction)["shape"])
        return np.concatenate(parts) if parts else np.zeros((0, *shape), np.float32)


class LoadedGenerator:
    """A reloaded export: call it with z (numpy), and a condition where the export takes one,
    to get samples in the dataset's units.

    Args:
        path: An export folder, or a run folder that holds `generator/`.
        signature: Which of its signatures to call (StackGAN's `stage1`, ...).

    Raises:
        ModelError: for a signature the export does not have (the message names those it has).
    """

    def __init__(self, path: str | Path, signature: str = "serving_default") -> None:
        import tensorflow as tf

        path = export_folder(path)
        self.path = path
        self.metadata = read_metadata(path)
        sigs = self.metadata.get("signatures")
        if signature != "serving_default" and signature not in (sigs or {}):
            have = ", ".join(sorted(sigs or {"serving_default": None}))
            raise ModelError(f"the export at {str(path)!r} has no signature {signature!r}; it "
                             f"has {have}.", "Pick one of those (serving_default is the "
                             "default).")
        self.signature = signature
        self.inputs = signature_inputs(self.metadata, signature)
        z = next((i for i in self.inputs if i["name"] == "z"), None)
        plain = [i for i in self.inputs if not i.get("batched", True)]
        if z is None and not any(i["name"] == "n" for i in plain):
            names = ", ".join(str(i["name"]) for i in self.inputs)
            hint = ("Translate examples with `ganstudio translate --model MODEL --in FOLDER "
                    "--out FOLDER`." if "translation" in self.metadata else
                    "Load it with tf.saved_model.load and call its signatures; "
                    "assets/ganstudio.json describes them.")
            raise ModelError(f"the {self.metadata.get('family', '')} export at {str(path)!r} "
                             f"takes neither a latent vector nor a count (its serving_default "
                             f"takes {names}).", hint)
        self.plain = plain  # a count-driven export (an RBM's sample(n, steps, seed))
        self.latent_dim = int(z["shape"][0]) if z else 0
        self.condition = next((i for i in self.inputs
                               if i["name"] != "z" and i.get("batched", True)), None)
        self._fn = tf.saved_model.load(str(path)).signatures[signature]

    @property
    def has_latent(self) -> bool:
        """Whether samples come from latent vectors z (else from a count: `draw`)."""
        return self.latent_dim > 0

    def draw(self, n: int, seed: int = 0) -> np.ndarray:
        """`n` samples from a count-driven export (no z), its other plain inputs (`seed`, an
        RBM's Gibbs `steps`) at `seed` or their defaults.

        Raises:
            ModelError: for an export that takes z (call it with z instead), or a plain input
                with no default.
        """
        import tensorflow as tf

        if self.has_latent:
            raise ModelError("this generator takes latent vectors; call it with z.")
        feeds = {}
        for spec in self.plain:
            name = str(spec["name"])
            value = n if name == "n" else seed if name == "seed" else spec.get("default")
            if value is None:
                raise ModelError(f"the export's input {name!r} has no default.",
                                 "Call its serving_default yourself with every input.")
            feeds[name] = tf.constant(value, dtype=tf.as_dtype(str(spec["dtype"])))
        return self._fn(**feeds)[OUTPUT_KEY].numpy()

    @property
    def condition_name(self) -> str | None:
        """`label`, `caption`, or `None` for an unconditional export."""
        return None if self.condition is None else str(self.condition["name"])

    def __call__(self, z: np.ndarray, condition: Any = None) -> np.ndarray:
        """Returns G(z[, condition]) in the dataset's units.

        Args:
            z: Latents [N, latent_dim].
            condition: For a conditional export: one label or caption for all, or one per row.

        Raises:
            ModelError: when the export needs a condition and none was given.
        """
        import tensorflow as tf

        z = np.asarray(z, np.float32).reshape(-1, self.latent_dim)
        feeds = {"z": tf.constant(z)}
        if self.condition is not None:
            if condition is None:
                raise ModelError(f"this generator needs a {self.condition_name}.",
                                 f"Give --{self.condition_name} (see its metadata).")
            values = np.asarray(condition, dtype=object).reshape(-1)
            if len(values) == 1:
                values = np.repeat(values, len(z))
            spec = InputSpec(self.condition["name"], self.condition["dtype"], ())
            feeds[spec.name] = _tensor(spec, values)
        return self._fn(**feeds)[OUTPUT_KEY].numpy()
