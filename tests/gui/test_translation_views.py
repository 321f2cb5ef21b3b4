"""The translation families' views: the round trips and a D histogram per domain, the 2D
translation field, both domains in the dataset preview, a two-folder drop, and the Translate
tab running a model on a dropped image."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from ganstudio.core import families
from ganstudio.core.data.base import Dataset
from ganstudio.core.panels import Histograms, Samples, TranslationField
from ganstudio.core.telemetry import Snapshot
from ganstudio.core.translator import Translator
from ganstudio.errors import ModelError
from ganstudio.ui.data_sources import classify_drop
from ganstudio.ui.widgets.dataset_preview import DatasetPreview
from ganstudio.ui.widgets.histogram_view import HistogramView
from ganstudio.ui.widgets.sample_view import SampleView
from ganstudio.ui.widgets.translation_field import TranslationFieldView, arrow_segments
from tests.gui.conftest import FakeSession, fake_counter
from tests.gui.test_drop_and_persistence import _drop

ROW_LABELS = ["x_a", "G(x_a)", "F(G(x_a))", "x_b", "F(x_b)", "G(F(x_b))"]


@pytest.fixture
def pair_family(monkeypatch):
    """A translation family's registry entry (its panels and its need for two domains)."""
    spec = dataclasses.replace(
        families.FAMILIES["gan"], name="pairfam", title="Pair family",
        needs=(families.NEEDS_PAIR,),
        panels=("samples", families.PANEL_ROUND_TRIP, families.PANEL_D_HIST,
                families.PANEL_D_HIST_A),
        loss_curves=(("d_loss", "D loss"), ("cycle", "cycle")))
    monkeypatch.setitem(families.FAMILIES, "pairfam", spec)
    return spec


def _field(shift: float = 0.0) -> TranslationField:
    cloud_a = np.array([[0, 0], [1, 0], [0, 1]], np.float32)
    cloud_b = np.array([[5, 5], [6, 5], [5, 6], [6, 6]], np.float32)
    probes_a = np.array([[0, 0], [1, 0], [np.nan, 0]], np.float32)  # the NaN one is dropped
    a_to_b = np.array([[5, 5], [6, 5 + shift], [5, 5]], np.float32)
    probes_b = np.array([[5, 6], [6, 6]], np.float32)
    b_to_a = np.array([[0, 1], [1, 1]], np.float32)
    return TranslationField(cloud_a, cloud_b, probes_a, a_to_b, probes_b, b_to_a,
                            names=("moons", "ring8"))


def test_the_translation_field_draws_both_clouds_and_an_arrow_per_probe(qtbot):
    view = TranslationFieldView()
    qtbot.addWidget(view)
    view.set_snapshot(Snapshot(step=1, panels={"field": _field()}))
    assert view.refresh() and not view.refresh()  # drawn once per new panel
    x, y = view.cloud_items["a"].getData()
    assert np.allclose(np.c_[x, y], [[0, 0], [1, 0], [0, 1]])
    assert len(view.cloud_items["b"].getData()[0]) == 4
    x, y = view.arrow_items["a_to_b"].getData()  # shaft, head, head per arrow (6 rows)
    assert len(x) == 2 * 6
    assert np.allclose(np.c_[x, y][0::6], [[0, 0], [1, 0]])  # from each finite probe
    assert np.allclose(np.c_[x, y][1::6], [[5, 5], [6, 5]])  # to its translation
    assert np.allclose(np.c_[x, y][2::6], [[5, 5], [6, 5]])  # the heads sit on the ends
    ex, ey = view.end_items["b_to_a"].getData()
    assert np.allclose(np.c_[ex, ey], [[0, 1], [1, 1]])
    assert view.title.text() == "Translation field: moons ⇄ ring8"
    assert view.toggles["a_to_b"].text() == "moons → ring8"
    assert "moons (A)" in view.legend_label.text() and "ring8 (B)" in view.legend_label.text()
    lo_x, hi_x, lo_y, hi_y = view._range  # fits both clouds and every arrow's end
    assert lo_x < 0 and hi_x > 6 and lo_y < 0 and hi_y > 6
    view.toggles["b_to_a"].setChecked(False)
    assert not view.arrow_items["b_to_a"].isVisible() and view.arrow_items["a_to_b"].isVisible()
    view.set_snapshot(Snapshot(step=2, panels={"field": _field(shift=0.5)}))
    view.refresh()
    x, y = view.arrow_items["a_to_b"].getData()
    assert np.allclose([x[7], y[7]], [6, 5.5])  # the newest panel's translations
    view.clear()
    cleared = view.arrow_items["a_to_b"].getData()[0]
    assert cleared is None or len(cleared) == 0


def test_arrow_heads_are_short_on_short_arrows_and_absent_on_none():
    seg = arrow_segments(np.array([[0, 0], [0, 0]]), np.array([[10, 0], [0, 0]]), head=1.0)
    shaft_end, left, right = seg[1], seg[3], seg[5]
    assert np.allclose(shaft_end, [10, 0])
    assert np.allclose(left, [9, 0.5]) and np.allclose(right, [9, -0.5])  # a V behind the end
    assert np.allclose(seg[6:12], 0)  # zero length: the head collapses onto the point
    short = arrow_segments(np.array([[0, 0]]), np.array([[1, 0]]), head=1.0)
    assert np.isclose(short[3][0], 0.6)  # at most 40% of the arrow


def _pair_snapshot(step: int) -> Snapshot:
    rng = np.random.default_rng(step)
    rows = rng.uniform(0, 1, (6 * 4, 8, 8, 1)).astype(np.float32)
    round_trip = Samples(rows, "images", row_labels=ROW_LABELS, columns=4)
    d_b = Histograms({"real": rng.uniform(0.5, 1, 100), "fake": rng.uniform(0, 0.5, 100)})
    d_a = Histograms({"real": np.full(50, 0.9), "fake": np.full(50, 0.1)})
    return Snapshot(step=step, scalars={"d_loss": 1.0, "cycle": 2.0 - step},
                    panels={"samples": Samples(rows[:16], "images"), "round_trip": round_trip,
                            "d_hist": d_b, "d_hist_a": d_a})


def test_an_image_pair_shows_its_round_trips_and_a_histogram_per_domain(make_window,
                                                                         pair_family):
    window = make_window(dataset="digits2inverted")
    window.show_family_views("pairfam")
    hist_a = window.histograms["d_hist_a"]
    assert isinstance(hist_a, HistogramView) and window.g_loss_view.isHidden()
    right = window.right_splitter
    assert right.indexOf(hist_a) == right.indexOf(window.histogram) - 1  # D_A above D_B
    for step in (1, 2):
        window._on_snapshot(_pair_snapshot(step))
    window.refresh_views(force=True)
    view = window.panel_views["round_trip"]
    assert isinstance(view, SampleView)
    assert view.title.text() == ("Round trips: digits → inverted digits → digits, then "
                                 "inverted digits → digits → inverted digits")
    assert view.shown_frame.row_labels == tuple(ROW_LABELS)
    assert view.shown_frame.grid.shape[0] > 5 * view.shown_frame.grid.shape[1] / 4  # 6 rows
    assert window.histogram.title.text().startswith("D_B on inverted digits · D(x)")
    assert hist_a.title.text().startswith("D_A on digits · D(x)")
    x, heights = hist_a.real_curve.getData()
    assert np.isclose(heights.sum(), 1.0) and x[np.argmax(heights)] > 0.85  # all at 0.9
    assert hist_a.overlap == 0.0 and window.histogram.isVisible()
    assert list(window.loss_plot.series["cycle"].y) == [1.0, 0.0]
    window.show_family_views("gan")  # back to one domain: no headings, the G loss view
    assert window.histogram.title.text().startswith("D(x)")
    assert not window.g_loss_view.isHidden()
    window.clear_views()
    assert "d_hist_a" not in window.histograms


def test_a_2d_pairs_translation_field_takes_the_samples_place(make_window):
    window = make_window()
    window._on_snapshot(Snapshot(step=5, panels={"field": _field()}))
    window.refresh_views(force=True)
    view = window.panel_views["field"]
    assert isinstance(view, TranslationFieldView)
    assert len(view.arrow_items["b_to_a"].getData()[0]) == 12
    assert window.samples.isHidden()  # no samples grid in these snapshots: the field's column
    window.clear_views()
    assert not window.samples.isHidden()


def _points(n: int, centre: float) -> Dataset:
    return Dataset("p", "points", np.random.default_rng(0).normal(centre, 1, (n, 2))
                   .astype(np.float32))


def test_the_preview_shows_both_domains_of_a_pair(qtbot):
    from ganstudio.core.data.pairs import digits2inverted

    preview = DatasetPreview()
    qtbot.addWidget(preview)
    preview.show()
    pair = digits2inverted()
    preview.set_dataset(pair)
    assert not preview.picture_b.isHidden()
    assert preview.picture.title.text() == "A: digits"
    assert preview.picture_b.title.text() == "B: inverted digits"
    a, b = preview.picture.image_item.image, preview.picture_b.image_item.image
    assert a.shape == b.shape and b.mean() > a.mean() + 60  # B is 1 − A: mostly white
    assert f"{len(pair):,}" in preview.info.text() and "inverted digits" in preview.info.text()
    points = dataclasses.replace(_points(300, 0.0), domain_b=_points(200, 5.0),
                                 domain_names=("left", "right"))
    preview.set_dataset(points)
    assert len(preview.picture.scatter_item.getData()[0]) == 300
    assert len(preview.picture_b.scatter_item.getData()[0]) == 200
    assert preview.picture_b.stack.currentWidget() is preview.picture_b.scatter_plot
    preview.set_dataset(_points(100, 0.0))  # one domain: one picture, no title
    assert preview.picture_b.isHidden() and preview.picture.title.isHidden()


def _image_folder(folder: Path, n: int, value: int) -> Path:
    folder.mkdir(parents=True)
    for i in range(n):
        Image.fromarray(np.full((8, 8), value + i, np.uint8)).save(folder / f"{i}.png")
    return folder


def test_classify_drop_finds_pairs(tmp_path):
    a = _image_folder(tmp_path / "horses", 1, 10)
    b = _image_folder(tmp_path / "zebras", 1, 200)
    assert classify_drop([str(a), str(b)]) == ("pair", [str(a), str(b)], "")
    both = tmp_path / "both"
    _image_folder(both / "trainA", 1, 10)
    _image_folder(both / "trainB", 1, 10)
    _image_folder(both / "testA", 1, 10)
    assert classify_drop([str(both)]) == ("pair", [str(both / "trainA"), str(both / "trainB")],
                                          "")
    letters = tmp_path / "letters"  # classes A, B and C: one labelled dataset
    for name in "ABC":
        _image_folder(letters / name, 1, 10)
    assert classify_drop([str(letters)])[0] == "data"


def test_dropping_two_folders_loads_them_as_domains_a_and_b(make_window, qtbot, tmp_path,
                                                            monkeypatch, pair_family):
    """The window hands the loader `data.name` = A and `data.name_b` = B; the real pair
    loader joins them, naming the domains after the folders."""
    from ganstudio.ui import data_sources

    real_load = data_sources.load_source
    calls = []

    def load(source, options, *args, **kwargs):
        calls.append((source, dict(options)))
        return real_load(source, options, *args, **kwargs)

    monkeypatch.setattr(data_sources, "load_source", load)
    window = make_window()
    horses = _image_folder(tmp_path / "horses", 3, 10)
    zebras = _image_folder(tmp_path / "zebras", 2, 200)
    with qtbot.waitSignal(window.dataset_loaded, timeout=20_000):
        assert _drop(window, [horses, zebras])
    assert calls[-1] == (str(horses), {**calls[-1][1], "name_b": str(zebras)})
    cfg = window.current_config()
    assert (cfg.data.name, cfg.data.name_b) == (str(horses), str(zebras))
    assert window.setup.is_field_shown("data", "name_b")
    assert window.setup.preview.picture_b.title.text() == "B: zebras"
    assert len(window.dataset.domain_b) == 2
    with qtbot.waitSignal(window.dataset_loaded, timeout=20_000):  # one folder: one domain
        assert _drop(window, [horses])
    assert not window.current_config().data.name_b
    assert window.dataset.domain_b is None and window.setup.preview.picture_b.isHidden()
    window.setup.family.setCurrentIndex(window.setup.family.findData("pairfam"))
    assert window.setup.is_field_shown("data", "name_b")  # a translation family asks for B


def _inverting_translator(description: str = "fake · step 7") -> Translator:
    return Translator(lambda x, direction: 1.0 - x, ("a_to_b", "b_to_a"),
                      ("digits", "inverted digits"), "images",
                      {"a_to_b": (8, 8, 1), "b_to_a": (8, 8, 1)}, description)


# the metadata's `translation` entry, as `TranslationRecipe.export_metadata` writes it
_TRANSLATION = {"domains": {key: {"name": name, "kind": "images", "shape": [8, 8, 1]}
                            for key, name in (("a", "digits"), ("b", "inverted digits"))}}


def _export_folder(folder: Path) -> Path:
    """What the Translate tab looks for in an export: its metadata's signatures."""
    (folder / "assets").mkdir(parents=True)
    sigs = {d: {"inputs": [{"name": "x", "dtype": "float32", "shape": [8, 8, 1]}]}
            for d in ("serving_default", "a_to_b", "b_to_a")}
    (folder / "assets" / "ganstudio.json").write_text(json.dumps(
        {"signatures": sigs, "translation": _TRANSLATION}))
    (folder / "saved_model.pb").write_bytes(b"")
    return folder


def test_an_opened_translation_export_translates_a_dropped_image(qtbot, settings, fake_factory,
                                                                tmp_path):
    from ganstudio.ui.main_window import MainWindow

    opened = []

    def loader(path):
        opened.append(path)
        if "broken" in path:
            raise ModelError(f"no SavedModel at {path!r}.", "Give a translation run's folder.")
        return _inverting_translator()

    window = MainWindow(session_factory=fake_factory(), settings=settings,
                        param_counter=fake_counter, initial_dataset="ring8",
                        translator_loader=loader)
    qtbot.addWidget(window)
    window.show()
    box = window.translate_box
    tab = window.tabs.indexOf(window.translate_page)
    assert not window.tabs.isTabVisible(tab)
    broken = _export_folder(tmp_path / "broken")
    with qtbot.waitSignal(window.translation.open_failed, timeout=10_000):
        window.open_model(str(broken))
    assert window.banner.level == "error" and "no SavedModel" in window.banner.text()
    assert not window.tabs.isTabVisible(tab)
    export = _export_folder(tmp_path / "export")
    with qtbot.waitSignal(window.translation.model_changed, timeout=10_000):
        window.open_model(str(export))
    assert opened == [str(broken), str(export)]
    assert window.tabs.isTabVisible(tab) and window.tabs.currentIndex() == tab
    assert box.choose_button.isEnabled() and "fake · step 7" in box.model_label.text()
    assert box.pictures["b_to_a"].label.text() == "inverted digits → digits"
    image = tmp_path / "seven.png"
    pixels = np.zeros((16, 16), np.uint8)
    pixels[4:12, 6:10] = 255
    Image.fromarray(pixels).save(image)
    with qtbot.waitSignal(window.translation.translated, timeout=10_000):
        assert box.drop_paths([str(image)]) == 1
    result = box.result
    assert result["input"].shape == (8, 8, 1) and result["input"].max() > 0.9
    for direction in ("a_to_b", "b_to_a"):
        assert np.allclose(result["outputs"][direction], 1.0 - result["input"])
        shown = box.pictures[direction].image
        assert shown.shape == (8, 8) and shown.max() == 255 and shown.min() < 30
    assert "seven.png" in box.pictures["input"].label.text()
    notes = tmp_path / "notes.txt"
    notes.write_text("not an image")
    with qtbot.waitSignal(window.translation.errored, timeout=10_000):
        box.drop_paths([str(notes)])
    assert "notes.txt is not an image" in box.message.text()
    assert box.result is None and box.pictures["a_to_b"].image is None
    window.close()


def _pair_session_factory():
    """Fake sessions whose recipe serves a_to_b and b_to_a (1 − x), as a translation recipe's
    `export_specs` do."""

    def factory(config, **kwargs):
        session = FakeSession(config, **kwargs)
        invert = [SimpleNamespace(name=n, fn=lambda x: 1.0 - np.asarray(x))
                  for n in ("serving_default", "a_to_b", "b_to_a")]
        session.recipe = SimpleNamespace(export_specs=lambda: invert)
        factory.sessions.append(session)
        return session

    factory.sessions = []
    return factory


def test_a_trained_translation_model_translates_in_the_translate_tab(make_window, qtbot,
                                                                      pair_family, tmp_path):
    window = make_window(factory=_pair_session_factory(), dataset="digits2inverted")
    window.setup.steps.setValue(10)
    cfg = window.current_config().with_changes(family="pairfam")
    with qtbot.waitSignal(window.training_finished, timeout=20_000):
        assert window.start_training(cfg)
    box = window.translate_box
    assert window.tabs.isTabVisible(window.tabs.indexOf(window.translate_page))
    assert box.translator is not None and "step 10" in box.model_label.text()
    image = tmp_path / "digit.png"
    Image.fromarray(np.tile(np.linspace(0, 255, 8).astype(np.uint8), (8, 1))).save(image)
    with qtbot.waitSignal(window.translation.translated, timeout=10_000):
        box.translate_file(str(image))
    x = box.result["input"]
    assert np.allclose(box.result["outputs"]["a_to_b"], 1.0 - x, atol=1e-6)
    window.show_family_views("gan")
    window._use_live_translator("gan")  # a one-domain run lets go of the live translator
    assert box.translator is None
    assert not window.tabs.isTabVisible(window.tabs.indexOf(window.translate_page))


def _write_export(folder: Path) -> None:
    """A tiny SavedModel as a translation family exports one: a_to_b = 1 − x, b_to_a = x²,
    with GAN Studio's metadata (the test imports TensorFlow; the studio's loader does too,
    in its inference thread)."""
    import tensorflow as tf

    spec = tf.TensorSpec([None, 8, 8, 1], tf.float32, name="x")
    module = tf.Module()
    module.a_to_b = tf.function(lambda x: {"output_0": 1.0 - x}, input_signature=[spec])
    module.b_to_a = tf.function(lambda x: {"output_0": x * x}, input_signature=[spec])
    tf.saved_model.save(module, str(folder), signatures={
        "serving_default": module.a_to_b, "a_to_b": module.a_to_b, "b_to_a": module.b_to_a})
    inputs = [{"name": "x", "dtype": "float32", "shape": [8, 8, 1]}]
    meta = {"family": "cyclegan", "dataset": "digits2inverted", "steps": 12, "kind": "images",
            "data_shape": [8, 8, 1], "translation": _TRANSLATION,
            "signatures": {n: {"inputs": inputs} for n in ("serving_default", "a_to_b",
                                                           "b_to_a")}}
    (folder / "assets").mkdir(exist_ok=True)
    (folder / "assets" / "ganstudio.json").write_text(json.dumps(meta))


def test_a_real_export_opened_in_the_studio_translates_an_image(make_window, qtbot, tmp_path):
    """The whole path with the real loader: a SavedModel with a_to_b = 1 − x and b_to_a = x²,
    opened with File > Open model, run on a dropped PNG."""
    export = tmp_path / "export"
    _write_export(export)
    window = make_window()
    with qtbot.waitSignal(window.translation.model_changed, timeout=60_000):
        window.open_model(str(export))
    box = window.translate_box
    assert box.pictures["a_to_b"].label.text() == "digits → inverted digits"
    translator = box.translator
    assert translator.directions == ("a_to_b", "b_to_a")
    assert translator.input_shape("b_to_a") == (8, 8, 1)
    assert "cyclegan" in translator.description and "step 12" in translator.description
    image = tmp_path / "ramp.png"
    Image.fromarray(np.tile(np.linspace(0, 255, 8).astype(np.uint8), (8, 1))).save(image)
    with qtbot.waitSignal(window.translation.translated, timeout=30_000):
        box.drop_paths([str(image)])
    x = box.result["input"]
    assert np.allclose(box.result["outputs"]["a_to_b"], 1.0 - x, atol=1e-6)
    assert np.allclose(box.result["outputs"]["b_to_a"], x * x, atol=1e-6)


def test_a_translation_family_hides_the_latent_explorer(make_window):
    """A translation model has no latent space: its family hides the explorer tab (and View >
    Latent explorer says why); a one-domain family shows it again."""
    window = make_window()
    index = window.tabs.indexOf(window.explorer_page)
    window.show_family_views("cyclegan")
    assert not window.tabs.isTabVisible(index)
    window._show_explorer_tab()
    assert window.tabs.currentIndex() != index
    window.show_family_views("gan")
    assert window.tabs.isTabVisible(index)
    window._show_explorer_tab()
    assert window.tabs.currentIndex() == index
