"""Drag-and-drop through real Qt drop events, and settings that persist."""

from __future__ import annotations

import warnings

import numpy as np
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from ganstudio.ui.data_sources import classify_drop
from ganstudio.ui.main_window import MainWindow


def _enter_event(pos, mime):
    # QDragEnterEvent takes a QPoint (deprecated in favour of QPointF from PySide6 6.12 on)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return QDragEnterEvent(pos.toPoint(), Qt.DropAction.CopyAction, mime,
                               Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)


def _drop(window, paths):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    pos = QPointF(window.width() / 2, window.height() / 2)
    enter = _enter_event(pos, mime)
    QApplication.sendEvent(window, enter)
    accepted = enter.isAccepted()
    drop = QDropEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, drop)
    return accepted


def test_dropping_an_npy_of_points_loads_it(make_window, qtbot, tmp_path):
    window = make_window()
    path = tmp_path / "blob.npy"
    np.save(path, np.random.default_rng(0).normal(size=(500, 2)).astype(np.float32))
    with qtbot.waitSignal(window.dataset_loaded, timeout=20_000):
        assert _drop(window, [path])
    assert len(window.dataset) == 500 and window.dataset.kind == "points"


def test_dropping_image_files_loads_them(make_window, qtbot, tmp_path):
    from PIL import Image

    window = make_window()
    paths = []
    for i in range(4):
        p = tmp_path / f"im{i}.png"
        Image.fromarray(np.full((10, 10), 40 * i, np.uint8)).save(p)
        paths.append(p)
    with qtbot.waitSignal(window.dataset_loaded, timeout=20_000):
        _drop(window, paths)
    assert window.dataset.kind == "images" and len(window.dataset) == 4
    assert "4 read" in window.setup.preview.report_text()


def test_dropping_an_unsupported_file_explains_and_keeps_the_data(make_window, tmp_path):
    window = make_window()
    before = window.dataset
    bad = tmp_path / "report.docx"
    bad.write_bytes(b"PK\x03\x04 not really")
    assert _drop(window, [bad])
    assert window.banner.level == "error"
    assert "report.docx" in window.banner.text() and "not a dataset format" in window.banner.text()
    assert window.dataset is before and window._loading is None


def test_dropping_a_corrupt_zip_shows_the_loader_message(make_window, qtbot, tmp_path):
    window = make_window()
    before = window.dataset
    bad = tmp_path / "broken.zip"
    bad.write_bytes(b"this is not a zip archive")
    _drop(window, [bad])
    qtbot.waitUntil(lambda: window._loading is None and window.banner.level == "error",
                    timeout=10_000)
    assert "broken.zip" in window.banner.text()
    assert window.dataset is before


def test_dropping_while_training_is_refused(make_window, qtbot, tmp_path):
    window = make_window(step_seconds=0.002)
    window.setup.steps.setValue(100_000)
    window.start_training()
    path = tmp_path / "pts.npy"
    np.save(path, np.zeros((200, 2), np.float32))
    _drop(window, [path])
    assert "Stop training" in window.banner.text()
    with qtbot.waitSignal(window.training_finished, timeout=10_000):
        window.stop_training()
    assert window.dataset.name == "ring8"


def test_a_drag_without_files_is_ignored(make_window):
    window = make_window()
    mime = QMimeData()
    mime.setText("hello")
    enter = _enter_event(QPointF(window.rect().center()), mime)
    QApplication.sendEvent(window, enter)
    assert not enter.isAccepted()


def test_classify_drop(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "run.json").write_text("{}")
    assert classify_drop([str(tmp_path / "run")])[0] == "run"
    (tmp_path / "gen").mkdir()
    (tmp_path / "gen" / "saved_model.pb").write_bytes(b"")
    assert classify_drop([str(tmp_path / "gen")])[0] == "model"
    assert classify_drop([str(tmp_path)])[0] == "data"
    assert classify_drop([])[0] == "unsupported"
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("1,2")
    b.write_text("1,2")
    assert classify_drop([str(a), str(b)])[0] == "unsupported"


def test_choices_and_recent_data_persist(qtbot, settings, fake_factory, tmp_path):
    path = tmp_path / "pts.npy"
    np.save(path, np.random.default_rng(1).normal(size=(300, 2)).astype(np.float32))
    first = MainWindow(session_factory=fake_factory(), settings=settings, param_counter=None)
    qtbot.addWidget(first)
    qtbot.waitUntil(lambda: first.dataset is not None, timeout=20_000)
    with qtbot.waitSignal(first.dataset_loaded, timeout=20_000):
        first.open_paths([str(path)])
    first.setup.objective.setCurrentIndex(first.setup.objective.findData("wgan-gp"))
    first.setup.batch.setValue(64)
    first.setup.lr_decay.setCurrentIndex(first.setup.lr_decay.findData("cosine"))
    assert first.setup.config().objective.lr_decay == "cosine"
    first.resize(760, 560)
    first.close()
    assert settings.value("data/last") == str(path)

    second = MainWindow(session_factory=fake_factory(), settings=settings, param_counter=None)
    qtbot.addWidget(second)
    qtbot.waitUntil(lambda: second.dataset is not None, timeout=20_000)
    assert second.setup.objective.currentData() == "wgan-gp"
    assert second.setup.batch.value() == 64
    assert second.setup.config().objective.lr_decay == "cosine"
    assert str(path) in second.setup.recent_sources()
    assert second.dataset.name.endswith("pts.npy") or len(second.dataset) == 300
    assert (second.width(), second.height()) == (760, 560)


def test_a_saved_geometry_larger_than_the_screen_is_fitted_to_it(qtbot, settings, fake_factory):
    first = MainWindow(session_factory=fake_factory(), settings=settings, param_counter=None)
    qtbot.addWidget(first)
    qtbot.waitUntil(lambda: first.dataset is not None, timeout=20_000)
    free = first.screen().availableGeometry()
    first.resize(free.width() + 700, free.height() + 400)  # saved on a bigger screen
    first.move(free.right() - 50, free.bottom() - 50)
    first.close()

    second = MainWindow(session_factory=fake_factory(), settings=settings, param_counter=None)
    qtbot.addWidget(second)
    assert second.width() <= free.width() and second.height() <= free.height()
    assert free.contains(second.frameGeometry().topLeft())


def test_no_tab_widens_a_1024_pixel_window(make_window, qtbot):
    window = make_window()
    window.resize(1024, 700)
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        qtbot.wait(20)
        assert window.width() == 1024, window.tabs.tabText(index)
    assert window.minimumSizeHint().width() <= 1024
