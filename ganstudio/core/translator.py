"""Running a translation model on the user's own examples: an export or a live recipe.

A translation family (`cyclegan`, `translate`, `unit`) exports one SavedModel whose signatures
`a_to_b(x)` and `b_to_a(x)` (`serving_default` = `a_to_b`) take and return examples in the
data's own units (images float32 NHWC in [0, 1]; points in their coordinates). This module
gives both sources one shape, a `Translator`: `translator(x, "a_to_b")`. It imports TensorFlow
only inside `LoadedTranslator`, so the studio may import it on its way to the window.

Example:

```python
translator = LoadedTranslator("runs/cyclegan/generator")
x = read_image("my_digit.png", translator.input_shape("a_to_b"))
inverted = translator(x, "a_to_b")
```
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from ganstudio.core.run_folder import EXPORT_METADATA, is_export_folder
from ganstudio.errors import DataError, ModelError

__all__ = [
    "DIRECTIONS",
    "LoadedTranslator",
    "Translator",
    "direction_label",
    "domain_names",
    "is_translation_export",
    "read_image",
    "translate_with_recipe",
]

DIRECTIONS = ("a_to_b", "b_to_a")


def direction_label(direction: str, names: Sequence[str] = ("A", "B")) -> str:
    """A direction for people: `"digits → inverted digits"` for `a_to_b`.

    Args:
        direction: `a_to_b` or `b_to_a`.
        names: The domains' names (A, B).
    """
    a, b = names
    return f"{a} → {b}" if direction == "a_to_b" else f"{b} → {a}"


def domain_names(metadata: dict[str, Any]) -> tuple[str, str]:
    """The two domains' names in a translation export's metadata (its `translation` entry:
    `{"domains": {"a": {"name": ...}, "b": {...}}}`), or `("A", "B")`."""
    info = metadata.get("translation") if isinstance(metadata, dict) else None
    domains = info.get("domains") if isinstance(info, dict) else None
    if isinstance(domains, dict) and all(isinstance(domains.get(k), dict) for k in "ab"):
        return (str(domains["a"].get("name") or "A"), str(domains["b"].get("name") or "B"))
    return "A", "B"


def is_translation_export(path: str | Path) -> bool:
    """Whether a folder (an export, or a run folder holding one in `generator/`) holds a
    translation export: its metadata has a `translation` entry naming both domains.

    Reads the metadata file only (no TensorFlow); a folder that is no export, or whose metadata
    cannot be read, is not one.
    """
    path = Path(path)
    folder = path / "generator" if is_export_folder(path / "generator") else path
    if not is_export_folder(folder):
        return False
    try:
        meta = json.loads(folder.joinpath(*EXPORT_METADATA).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    info = meta.get("translation") if isinstance(meta, dict) else None
    domains = info.get("domains") if isinstance(info, dict) else None
    return isinstance(domains, dict) and set(domains) == {"a", "b"}


class Translator:
    """A translation model: `translator(x, direction)` in the data's units.

    Args:
        fn: `(x, direction) -> translated x`, numpy in and out.
        directions: The directions it runs (`a_to_b`, `b_to_a`).
        names: The domains' names (A, B).
        kind: `images` or `points`.
        input_shapes: One example's shape for each direction's input.
        description: Where the model comes from, for people.
    """

    def __init__(self, fn: Callable[[np.ndarray, str], Any], directions: Sequence[str],
                 names: Sequence[str], kind: str, input_shapes: dict[str, tuple[int, ...]],
                 description: str = "") -> None:
        self._fn = fn
        self.directions = tuple(directions)
        self.names = (str(names[0]), str(names[1]))
        self.kind = kind
        self.input_shapes = {d: tuple(int(v) for v in s) for d, s in input_shapes.items()}
        self.description = description

    def input_shape(self, direction: str) -> tuple[int, ...]:
        """One example's shape for `direction`'s input."""
        return self.input_shapes[direction]

    def __call__(self, x: np.ndarray, direction: str = "a_to_b") -> np.ndarray:
        """Translates a batch.

        Args:
            x: [N, ...] examples of the direction's source domain, in its units.
            direction: `a_to_b` or `b_to_a`.

        Returns:
            [N, ...] their translations, float32 numpy.

        Raises:
            ModelError: for a direction the model does not run, or a batch of the wrong shape.
        """
        if direction not in self.directions:
            have = ", ".join(self.directions) or "none"
            raise ModelError(f"this model does not translate {direction} (it has {have}).",
                             "Pick one of its directions.")
        x = np.asarray(x, np.float32)
        want = self.input_shapes.get(direction)
        if want is not None and tuple(x.shape[1:]) != want:
            raise ModelError(f"{direction} takes examples of shape {list(want)}, not "
                             f"{list(x.shape[1:])}.", "Read the input with `read_image` at "
                             "the model's input shape.")
        return np.asarray(self._fn(x, direction), np.float32)


class LoadedTranslator(Translator):
    """A reloaded translation export (`core.export.LoadedTranslator`, which imports TensorFlow:
    build it off the GUI thread), as a `Translator`.

    Args:
        path: An export folder, or a run folder that holds `generator/`.

    Raises:
        ModelError: when the folder holds no GAN Studio export, or one that does not translate
            (a generator to explore instead).
    """

    def __init__(self, path: str | Path) -> None:
        from ganstudio.core.export import LoadedTranslator as ExportTranslator

        model = ExportTranslator(path)
        self.path = model.path
        self.metadata = model.metadata
        self.model = model
        shapes = {d: tuple(model.source(d)["shape"]) for d in model.directions}
        desc = (f"{model.family or 'translation'} · {self.metadata.get('dataset', '?')} · "
                f"step {self.metadata.get('steps', '?')}")
        kind = str(model.domains["a"].get("kind") or self.metadata.get("kind", "images"))
        super().__init__(lambda x, direction: model(x, direction), model.directions,
                         domain_names(self.metadata), kind, shapes, desc)


def translate_with_recipe(recipe: Any, x: np.ndarray, direction: str) -> np.ndarray:
    """Translates with a live recipe's export signature `direction` (the function its export
    would serve), without exporting it.

    Args:
        recipe: A built translation `Recipe` (its `export_specs()` name `a_to_b`, `b_to_a`).
        x: [N, ...] examples of the source domain, in its units.
        direction: `a_to_b` or `b_to_a`.

    Returns:
        The translations, float32 numpy, in the target domain's units.

    Raises:
        ModelError: when the recipe has no such signature.
    """
    specs = {spec.name: spec for spec in recipe.export_specs()}
    spec = specs.get(direction) or (specs.get("serving_default") if direction == "a_to_b"
                                    and "b_to_a" in specs else None)
    if spec is None:
        raise ModelError(f"this model does not translate {direction} (its signatures: "
                         f"{', '.join(specs)}).", "Train a translation family (cyclegan, "
                         "translate, unit) to translate examples.")
    out = spec.fn(np.asarray(x, np.float32))
    return np.asarray(out, np.float32)


def read_image(path: str | Path, shape: Sequence[int]) -> np.ndarray:
    """Reads one image file as a model input: centre-cropped square, resized, grey or RGB.

    Args:
        path: An image file (PNG, JPEG, ... as the data loader reads).
        shape: The model's example shape (H, W, C), C = 1 or 3.

    Returns:
        [1, H, W, C] float32 in [0, 1].

    Raises:
        DataError: when the file is not an image the loader can read (the message says why).
    """
    from ganstudio.core.data.files.common import SUPPORTED_IMAGE_SUFFIXES, Skip, open_file
    from ganstudio.core.data.files.decoding import RESAMPLE, decode
    from ganstudio.core.data.files.sources import Entry

    path = Path(path)
    name = path.name or str(path)
    height, width, channels = int(shape[0]), int(shape[1]), int(shape[-1])
    formats = "PNG, JPEG, BMP, GIF, WebP or TIFF"
    if path.is_dir():
        raise DataError(f"{name} is a folder, not an image.", f"Drop one {formats} file.")
    if path.suffix.lower() not in SUPPORTED_IMAGE_SUFFIXES:
        raise DataError(f"{name} is not an image ({path.suffix or 'no suffix'}).",
                        f"Drop a {formats} file.")
    try:
        decoded = decode(Entry(name, (name,), partial(open_file, str(path))), max(height, width))
    except Skip as skip:
        raise DataError(f"{name} could not be read as an image: {skip.reason}.",
                        f"Drop a {formats} file.") from None
    image = decoded.image.convert("RGB" if channels == 3 else "L")
    if image.size != (width, height):
        image = image.resize((width, height), RESAMPLE)
    x = np.asarray(image, np.float32).reshape(1, height, width, channels)
    return x / np.float32(255.0)
