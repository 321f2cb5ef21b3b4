"""Running a translation model on a user's image: the image reader, the translator's checks,
the live recipe's signatures, and how an export is recognized. (A real SavedModel reloaded by
`LoadedTranslator` is tested through the studio, in tests/gui/test_translation_views.py.)"""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from ganstudio.core.translator import (
    Translator,
    direction_label,
    domain_names,
    is_translation_export,
    read_image,
    translate_with_recipe,
)
from ganstudio.errors import DataError, ModelError


def test_read_image_fits_the_model_and_explains_what_is_not_an_image(tmp_path):
    rgb = tmp_path / "wide.png"
    Image.fromarray(np.tile(np.uint8([255, 0, 0]), (20, 30, 1))).save(rgb)
    grey = read_image(rgb, (8, 8, 1))
    assert grey.shape == (1, 8, 8, 1) and 0.25 < grey.mean() < 0.35  # red's luma
    assert read_image(rgb, (16, 16, 3))[0, 0, 0].tolist() == [1.0, 0.0, 0.0]
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    with pytest.raises(DataError, match="notes.txt is not an image"):
        read_image(notes, (8, 8, 1))
    fake = tmp_path / "fake.png"
    fake.write_bytes(b"no picture here")
    with pytest.raises(DataError, match="fake.png could not be read as an image: not an image"):
        read_image(fake, (8, 8, 1))
    with pytest.raises(DataError, match="is a folder"):
        read_image(tmp_path, (8, 8, 1))


def test_a_translator_checks_directions_and_shapes():
    translator = Translator(lambda x, d: x + 1, ("a_to_b",), ("A", "B"), "images",
                            {"a_to_b": (2, 2, 1)})
    assert translator(np.zeros((3, 2, 2, 1)), "a_to_b").tolist() == np.ones((3, 2, 2, 1)).tolist()
    with pytest.raises(ModelError, match="does not translate b_to_a"):
        translator(np.zeros((1, 2, 2, 1)), "b_to_a")
    with pytest.raises(ModelError, match="shape"):
        translator(np.zeros((1, 3, 3, 1)), "a_to_b")
    assert direction_label("b_to_a", ("horse", "zebra")) == "zebra → horse"
    assert domain_names({"translation": {"domains": {"a": {"name": "x"},
                                                     "b": {"name": "y"}}}}) == ("x", "y")
    assert domain_names({}) == ("A", "B")


def test_a_live_recipe_translates_with_its_export_functions():
    specs = [SimpleNamespace(name="serving_default", fn=lambda x: x * 2),
             SimpleNamespace(name="b_to_a", fn=lambda x: x - 1)]
    recipe = SimpleNamespace(export_specs=lambda: specs)
    x = np.ones((2, 2), np.float32)
    assert translate_with_recipe(recipe, x, "a_to_b").tolist() == [[2, 2], [2, 2]]
    assert translate_with_recipe(recipe, x, "b_to_a").tolist() == [[0, 0], [0, 0]]
    gan = SimpleNamespace(export_specs=lambda: [specs[0]])
    with pytest.raises(ModelError, match="does not translate"):
        translate_with_recipe(gan, x, "a_to_b")


def test_is_translation_export_reads_only_the_metadata(tmp_path):
    export = tmp_path / "generator"  # a run folder's export
    (export / "assets").mkdir(parents=True)
    (export / "saved_model.pb").write_bytes(b"")
    meta = export / "assets" / "ganstudio.json"
    meta.write_text(json.dumps({"signatures": {"serving_default": {}}}))
    assert not is_translation_export(tmp_path)  # a generator
    meta.write_text("{broken")
    assert not is_translation_export(tmp_path)
    domains = {"a": {"name": "digits"}, "b": {"name": "edges"}}
    meta.write_text(json.dumps({"translation": {"domains": domains}}))
    assert is_translation_export(tmp_path) and is_translation_export(export)
    assert not is_translation_export(tmp_path / "nothing")
