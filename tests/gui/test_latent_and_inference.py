"""Latent explorer requests flow to the inference service and results come back."""

from __future__ import annotations

import threading

import numpy as np

from ganstudio.ui.inference import InferenceService
from tests.gui.conftest import train_to


def test_slider_moves_request_samples_that_show(make_window, qtbot):
    window = make_window(dataset="digits", step_seconds=0.0005)
    window.setup.steps.setValue(20)
    with qtbot.waitSignal(window.training_finished, timeout=10_000):
        window.start_training()
    explorer = window.explorer
    qtbot.waitUntil(lambda: explorer.is_ready, timeout=5000)
    window.tabs.setCurrentIndex(1)
    session = window.worker.session
    qtbot.waitUntil(lambda: session.generate_calls > 0 and window.inference.handled > 0,
                    timeout=5000)
    handled = window.inference.handled
    slider = explorer.slider_rows[0].slider
    slider.setValue(slider.value() + 150)
    qtbot.waitUntil(lambda: window.inference.handled > handled, timeout=5000)
    assert explorer.latent_dim == session.net_config.latent_dim
    assert explorer.sample_view.image_item.image is not None


def test_open_model_uses_the_loaded_generator(make_window, qtbot):
    from ganstudio.ui.main_window import MainWindow

    calls = []

    def loader(path):
        calls.append(path)
        return (lambda z: np.tanh(np.asarray(z)[:, :2])), 4, "points", {"dataset": "x",
                                                                      "steps": 7}

    window = make_window()
    window.inference.shutdown()
    window.inference = InferenceService(loader)
    window.inference.generator_changed.connect(window._on_generator_changed)
    window.inference.samples_ready.connect(window.explorer.show_result)
    window.inference.errored.connect(window._on_error)
    assert isinstance(window, MainWindow)
    window.open_model("/some/export")
    qtbot.waitUntil(lambda: window.explorer.is_ready, timeout=5000)
    assert calls == ["/some/export"]
    assert window.tabs.currentIndex() == 1
    assert "step 7" in window.banner.text()
    qtbot.waitUntil(lambda: window.inference.handled > 0, timeout=5000)


def test_open_model_error_is_shown(make_window, qtbot, tmp_path):
    window = make_window()
    window.open_model(str(tmp_path))  # an empty folder: the real loader raises ModelError
    qtbot.waitUntil(lambda: window.banner.level == "error", timeout=30_000)
    assert "SavedModel" in window.banner.text()


def _gated_service():
    """A service whose generator records z[0, 0] and waits for `gate` before it answers."""
    service = InferenceService()
    gate = threading.Event()
    seen: list[float] = []
    results: list[int] = []

    def generator(z):
        seen.append(float(z[0, 0]))
        gate.wait(5)
        return z * 2

    service.set_generator(generator, 3, "points")
    service.samples_ready.connect(lambda rid, s: results.append(rid))
    return service, gate, seen, results


def test_only_the_newest_pending_request_runs(qtbot):
    service, gate, seen, results = _gated_service()
    service.request(1, np.full((1, 3), 1.0))
    qtbot.waitUntil(lambda: len(seen) == 1, timeout=5000)
    for rid in range(2, 7):
        service.request(rid, np.full((1, 3), float(rid)))
    gate.set()
    qtbot.waitUntil(lambda: 6 in results, timeout=5000)
    assert seen == [1.0, 6.0]
    assert results == [1, 6]
    assert service.dropped == 4
    assert service.shutdown()


def test_a_newer_request_replaces_only_one_of_its_own_purpose(qtbot):
    service, gate, seen, results = _gated_service()
    service.request(1, np.full((1, 3), 1.0), "sample")
    qtbot.waitUntil(lambda: len(seen) == 1, timeout=5000)
    service.request(2, np.full((1, 3), 2.0), "reference")  # waits behind the running one
    service.request(3, np.full((1, 3), 3.0), "interp")
    service.request(4, np.full((1, 3), 4.0), "sample")
    service.request(5, np.full((1, 3), 5.0), "sample")  # replaces 4 only
    gate.set()
    qtbot.waitUntil(lambda: len(results) == 4, timeout=5000)
    assert results == [1, 2, 3, 5] and service.dropped == 1
    assert service.shutdown()


def test_principal_directions_follow_the_generator_through_training(make_window, qtbot):
    window = make_window(step_seconds=0.001)
    train_to(window, qtbot, 100)
    explorer = window.explorer
    window.tabs.setCurrentIndex(1)
    explorer.principal_radio.click()
    qtbot.waitUntil(lambda: len(explorer._directions) > 0 and len(explorer._strips) == 2,
                    timeout=10_000)
    train_to(window, qtbot, 400)  # train on with the explorer open: it refreshes often
    # the last refresh's reference batch is answered and its directions computed (it used to
    # be pushed out of the service by the sample request sent right after it)
    qtbot.waitUntil(lambda: len(explorer._directions) > 0, timeout=10_000)
    assert "Computing" not in explorer._slider_note.text()


def test_a_bad_latent_size_is_reported(qtbot):
    service = InferenceService()
    service.set_generator(lambda z: z, 3, "points")
    errors = []
    service.errored.connect(lambda message, kind: errors.append(message))
    service.request(1, np.zeros((2, 5), np.float32))
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert "takes 3" in errors[0]
    assert service.shutdown()


def test_a_conditional_generator_gets_the_condition_picked_in_the_explorer(qtbot):
    from ganstudio.ui.widgets.latent_explorer import LatentExplorer

    explorer = LatentExplorer()
    qtbot.addWidget(explorer)
    service = InferenceService()
    calls = []

    def generator(z, condition=None):
        calls.append(condition)
        return np.full((len(z), 4, 4, 1), 0.5, np.float32)

    explorer.condition_changed.connect(service.set_condition)
    explorer.generate_requested.connect(service.request)
    service.conditions_changed.connect(explorer.set_conditions)
    service.samples_ready.connect(explorer.show_result)
    service.generator_changed.connect(lambda latent, kind, _: explorer.set_generator_info(latent,
                                                                                         kind))
    service.set_generator(generator, 3, "images", "test",
                          {"name": "label", "choices": ["zero", "one", "two"]})
    assert explorer.condition_box.isVisibleTo(explorer) and not explorer.condition_box.isEditable()
    qtbot.waitUntil(lambda: bool(calls), timeout=5000)
    assert calls[0] == 0  # the first class is asked for before the first sample
    explorer.condition_box.setCurrentIndex(2)
    explorer.condition_box.activated.emit(2)
    qtbot.waitUntil(lambda: calls[-1] == 2, timeout=5000)

    captions = ["a large red circle at the top", "a small blue square on the left"]
    service.set_generator(generator, 3, "images", "test",
                          {"name": "caption", "choices": captions, "vocabulary": ["red"]})
    assert explorer.condition_box.isEditable() and explorer.condition() == captions[0]
    explorer.condition_box.setEditText("a large green triangle in the center")
    explorer.condition_box.lineEdit().returnPressed.emit()
    qtbot.waitUntil(lambda: calls[-1] == "a large green triangle in the center", timeout=5000)

    service.set_generator(lambda z: z, 3, "points", "test", None)  # unconditional: no picker
    assert not explorer.condition_box.isVisibleTo(explorer) and explorer.condition() is None
    assert service.shutdown()
    explorer.wait_for_background()
