"""The setup panel with each kind of data: built-in points and images, a folder, a csv."""

from __future__ import annotations

import numpy as np
from PIL import Image


def _image_folder(root, n=6):
    for cls, value in (("cats", 40), ("dogs", 200)):
        folder = root / cls
        folder.mkdir(parents=True)
        for i in range(n):
            arr = np.full((12, 12, 3), value, np.uint8)
            arr[i % 12] = 255 - value
            Image.fromarray(arr).save(folder / f"{i}.png")
    (root / "notes.txt").write_text("not an image")
    return root


def test_ring8_is_the_default_and_previews_a_scatter(make_window):
    window = make_window(dataset=None)
    assert window.dataset.name == "ring8"
    assert window.dataset.kind == "points"
    preview = window.setup.preview
    assert preview.stack.currentWidget() is preview.scatter_plot
    assert "100,000" in preview.info.text()
    assert window.start_action.isEnabled()
    assert window.setup.dataset_combo.currentData() == "ring8"


def test_digits_previews_images_and_counts(make_window, qtbot):
    window = make_window(dataset="digits")
    preview = window.setup.preview
    assert window.dataset.kind == "images"
    assert preview.stack.currentWidget() is preview.image_widget
    assert preview.image_item.image is not None
    assert "1,797" in preview.info.text() and "10 classes" in preview.info.text()
    assert window.setup.net_form.isRowVisible(window.setup.filters)
    assert not window.setup.net_form.isRowVisible(window.setup.depth)
    qtbot.waitUntil(lambda: "G 11" in window.setup.params_label.text(), timeout=5000)


def test_picking_a_builtin_in_the_list_loads_it(make_window, qtbot):
    window = make_window()
    combo = window.setup.dataset_combo
    index = combo.findData("moons")
    with qtbot.waitSignal(window.dataset_loaded, timeout=20_000):
        combo.setCurrentIndex(index)
        combo.activated.emit(index)
    assert window.dataset.name == "moons"


def test_image_folder_shows_classes_and_the_validation_report(make_window, qtbot, tmp_path):
    window = make_window()
    folder = _image_folder(tmp_path / "pets")
    with qtbot.waitSignal(window.dataset_loaded, timeout=20_000):
        assert window.open_paths([str(folder)])
    ds = window.dataset
    assert ds.kind == "images" and len(ds) == 12
    report = window.setup.preview.report_text()
    assert "12 read" in report and "2 classes" in report
    assert "cats" in window.setup.preview.info.text()
    assert window.setup.dataset_combo.currentData() == str(folder)
    assert "12 read" in window.banner.text()


def test_csv_of_points(make_window, qtbot, tmp_path):
    window = make_window(dataset="digits")
    path = tmp_path / "pts.csv"
    rng = np.random.default_rng(0)
    pts = rng.normal(size=(300, 2))
    path.write_text("x,y\n" + "\n".join(f"{a:.4f},{b:.4f}" for a, b in pts))
    with qtbot.waitSignal(window.dataset_loaded, timeout=20_000):
        window.open_paths([str(path)])
    assert window.dataset.kind == "points" and len(window.dataset) == 300
    assert window.samples.kind == "points"
    assert "300" in window.setup.preview.info.text()


def test_a_bad_dataset_name_shows_an_error_and_keeps_the_data(make_window, qtbot):
    window = make_window()
    before = window.dataset
    window.load_data("no-such-dataset")
    qtbot.waitUntil(lambda: window.banner.level == "error" and bool(window.banner.text()), timeout=5000)
    assert "unknown dataset" in window.banner.text()
    assert window.dataset is before
    assert window.start_action.isEnabled()
