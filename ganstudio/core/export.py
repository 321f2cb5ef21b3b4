"""Export the generator as a TensorFlow SavedModel that any TensorFlow program can load.

The SavedModel's `serving_default` takes `z` (float32, [N, latent]) and returns `output_0`,
samples in the dataset's own units: images float32 NHWC in [0, 1], points in their original
coordinates. `assets/ganstudio.json` carries the metadata (dataset, shapes, latent size,
objective, steps, seed, normalizer), so a user's script needs nothing from GAN Studio:

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

from ganstudio.core.data.base import Normalizer
from ganstudio.errors import ModelError

METADATA_FILE = "ganstudio.json"
ROUND_TRIP_TOLERANCE = 1e-4


@dataclass(frozen=True)
class ExportReport:
    """The result of an export and its round-trip check."""

    path: Path
    max_abs_diff: float
    n_checked: int

    @property
    def ok(self) -> bool:
        """True when the reloaded model matches the in-memory generator."""
        return self.max_abs_diff <= ROUND_TRIP_TOLERANCE

    def summary(self) -> str:
        """One line for the CLI and the studio."""
        verdict = "matches" if self.ok else "DOES NOT match"
        return (f"exported to {self.path}; reloaded model {verdict} the generator on "
                f"{self.n_checked} latents (max |diff| {self.max_abs_diff:.2e})")


def serving_model(generator: keras.Model, normalizer: Normalizer, latent_dim: int) -> keras.Model:
    """Wraps the generator so it outputs the dataset's own units (z -> G(z)·scale + offset)."""
    offset = list(normalizer.offset)
    return keras.Sequential(
        [
            keras.Input((latent_dim,), name="z"),
            generator,
            keras.layers.Rescaling(scale=normalizer.scale,
                                   offset=offset if len(offset) > 1 else offset[0],
                                   name="to_data_units"),
        ],
        name="ganstudio_generator",
    )


def export_generator(generator: keras.Model, normalizer: Normalizer, latent_dim: int,
                     path: str | Path, metadata: dict[str, Any], seed: int = 0) -> ExportReport:
    """Writes the SavedModel with its metadata, reloads it and checks it against `generator`.

    The export is written to a temporary folder beside `path` and moved into place only when
    complete, so an earlier export at `path` survives a failed one.

    Args:
        generator: The generator (not the training wrapper), in the network's range.
        normalizer: Maps network range to the dataset's units.
        latent_dim: Size of z.
        path: Destination folder.
        metadata: JSON-friendly facts about the run (dataset, objective, steps, ...).
        seed: Seed of the latents used for the round-trip check.

    Returns:
        An `ExportReport` with the largest difference seen.

    Raises:
        ModelError: if the folder cannot be written.
    """
    import tensorflow as tf

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    model = serving_model(generator, normalizer, latent_dim)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        model.export(str(tmp), format="tf_saved_model", verbose=False)
        meta = {
            **metadata,
            "latent_dim": latent_dim,
            "normalizer": normalizer.to_dict(),
            "signature": {"name": "serving_default", "input": "z", "output": "output_0"},
            "format": "ganstudio-generator/1",
        }
        (tmp / "assets").mkdir(exist_ok=True)
        (tmp / "assets" / METADATA_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")
        if path.exists():
            backup = path.with_name(path.name + ".old")
            shutil.rmtree(backup, ignore_errors=True)
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

    z = np.random.default_rng(seed).standard_normal((16, latent_dim)).astype(np.float32)
    expected = np.asarray(model(z, training=False))
    reloaded = tf.saved_model.load(str(path)).signatures["serving_default"]
    got = reloaded(z=tf.constant(z))["output_0"].numpy()
    return ExportReport(path, float(np.max(np.abs(got - expected))), len(z))


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
    return json.loads(meta_path.read_text(encoding="utf-8"))


class LoadedGenerator:
    """A reloaded export: call it with z (numpy) to get samples in the dataset's units.

    Args:
        path: An export folder, or a run folder that holds `generator/`.
    """

    def __init__(self, path: str | Path) -> None:
        import tensorflow as tf

        path = Path(path)
        if (path / "generator" / "saved_model.pb").is_file():
            path = path / "generator"
        if not (path / "saved_model.pb").is_file():
            raise ModelError(f"no SavedModel at {str(path)!r}.",
                             "Give a run folder from `ganstudio train` or its generator/ folder.")
        self.path = path
        self.metadata = read_metadata(path)
        self.latent_dim = int(self.metadata["latent_dim"])
        self._fn = tf.saved_model.load(str(path)).signatures["serving_default"]

    def __call__(self, z: np.ndarray) -> np.ndarray:
        """Returns G(z) in the dataset's units."""
        import tensorflow as tf

        z = np.asarray(z, np.float32).reshape(-1, self.latent_dim)
        return self._fn(z=tf.constant(z))["output_0"].numpy()
