"""The latent explorer against a fake host that answers requests with numpy, asynchronously."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402
from PySide6.QtCore import QTimer  # noqa: E402

from ganstudio.core import latent  # noqa: E402
from ganstudio.ui.widgets.latent_explorer import HINT, LatentExplorer  # noqa: E402

DIM = 32
STEPS = LatentExplorer.DEFAULT_STEPS


class FakeHost:
    """Answers `generate_requested` like the worker would: later, from the event loop.

    Images: `sigmoid(z @ W)` as 8x8x1. Points: a fixed linear map of z to 2-D.
    """

    def __init__(self, explorer: LatentExplorer, kind: str, dim: int, auto: bool = True):
        self.explorer, self.kind, self.auto = explorer, kind, auto
        rng = np.random.default_rng(123)
        self.w_images = rng.standard_normal((dim, 64)) / np.sqrt(dim)
        self.w_points = rng.standard_normal((dim, 2))
        self.requests: list[tuple[int, np.ndarray]] = []
        explorer.generate_requested.connect(self.on_request)

    def generate(self, z: np.ndarray) -> np.ndarray:
        if self.kind == "points":
            return z @ self.w_points
        return (1.0 / (1.0 + np.exp(-(z @ self.w_images)))).reshape(-1, 8, 8, 1)

    def on_request(self, request_id: int, z: np.ndarray) -> None:
        assert isinstance(z, np.ndarray) and z.dtype == np.float32 and z.ndim == 2
        self.requests.append((request_id, z.copy()))
        if self.auto:
            QTimer.singleShot(0, lambda: self.answer(request_id))

    def answer(self, request_id: int) -> None:
        z = dict(self.requests)[request_id]
        self.explorer.show_result(request_id, self.generate(z.astype(np.float64)))

    def of_size(self, n: int) -> list[tuple[int, np.ndarray]]:
        return [(i, z) for i, z in self.requests if len(z) == n]


def count(item) -> int:
    """Number of points a pyqtgraph data item holds."""
    xs = item.getData()[0]
    return 0 if xs is None else len(xs)


def sample_size(kind: str) -> int:
    return 1 if kind == "images" else 1 + LatentExplorer.NEIGHBORHOOD


@pytest.fixture
def explorer(qtbot):
    widget = LatentExplorer()
    qtbot.addWidget(widget)
    yield widget
    widget.wait_for_background()


def start(qtbot, explorer, kind="images", dim=DIM, auto=True) -> FakeHost:
    host = FakeHost(explorer, kind, dim, auto=auto)
    explorer.set_generator_info(dim, kind)
    if auto and kind == "images":
        qtbot.waitUntil(lambda: explorer.sample_view.image_item.image is not None)
        qtbot.waitUntil(lambda: explorer.strip_views["lerp"].image_item.image is not None)
    return host


def test_hint_until_a_generator_is_set(qtbot, explorer):
    assert not explorer.isEnabled()
    assert not explorer.is_ready
    assert explorer._hint.text() == HINT
    assert explorer._stack.currentIndex() == 0
    explorer.set_generator_info(DIM, "images")
    assert explorer.isEnabled() and explorer.is_ready
    assert explorer._stack.currentIndex() == 1
    visible = [row for row in explorer.slider_rows if not row.isHidden()]
    assert len(visible) == LatentExplorer.MAX_SLIDERS
    assert explorer.first_dim_spin.maximum() == DIM - LatentExplorer.MAX_SLIDERS
    explorer.clear_generator()
    assert not explorer.isEnabled()
    assert explorer._stack.currentIndex() == 0


def test_first_result_is_displayed(qtbot, explorer):
    host = start(qtbot, explorer)
    (_, z), *_ = host.of_size(1)
    shown = explorer.sample_view.image_item.image
    assert shown.shape == (8, 8)  # grayscale is drawn as HxW, row-major
    np.testing.assert_allclose(shown, host.generate(z.astype(np.float64))[0, ..., 0], atol=1e-6)
    np.testing.assert_allclose(z[0], latent.seeded_latent(0, DIM), rtol=1e-6)


def test_slider_drag_is_throttled_and_moves_one_dimension(qtbot, explorer):
    host = start(qtbot, explorer)
    before = explorer.current_latent()
    count = len(host.of_size(1))
    row = explorer.slider_rows[3]
    for value in range(-100, 150, 5):  # 50 changes without the event loop running
        row.slider.setValue(value)
    qtbot.waitUntil(lambda: np.isclose(host.of_size(1)[-1][1][0, 3], 1.45))
    sent = host.of_size(1)[count:]
    assert 1 <= len(sent) <= 2
    z = sent[-1][1][0]
    changed = np.flatnonzero(~np.isclose(z, before.astype(np.float32)))
    assert changed.tolist() == [3]
    assert row.value.text() == "+1.45"
    # Its result is drawn.
    final_id = sent[-1][0]
    expected = host.generate(sent[-1][1].astype(np.float64))[0, ..., 0]
    qtbot.waitUntil(lambda: np.allclose(explorer.sample_view.image_item.image, expected, atol=1e-6))
    assert final_id == explorer.throttle.latest("sample")


def test_a_move_after_a_quiet_spell_goes_out_at_once(qtbot, explorer):
    host = start(qtbot, explorer)
    qtbot.wait(2 * LatentExplorer.THROTTLE_MS)  # quiet longer than the throttle interval
    count = len(host.of_size(1))
    explorer.slider_rows[0].slider.setValue(120)
    # sent inside setValue, before the event loop runs: no throttle delay on the first move
    assert len(host.of_size(1)) == count + 1
    assert host.of_size(1)[-1][1][0, 0] == pytest.approx(1.2)
    # the next move, straight after, waits for the throttle timer
    explorer.slider_rows[0].slider.setValue(130)
    assert len(host.of_size(1)) == count + 1 and explorer.throttle.timer.isActive()
    qtbot.waitUntil(lambda: host.of_size(1)[-1][1][0, 0] == pytest.approx(1.3))


def test_first_dimension_spin_picks_which_dims_the_sliders_move(qtbot, explorer):
    host = start(qtbot, explorer)
    explorer.first_dim_spin.setValue(10)
    assert explorer.slider_rows[0].name.text() == "z[10]"
    explorer.slider_rows[0].slider.setValue(-250)
    qtbot.waitUntil(lambda: np.isclose(host.of_size(1)[-1][1][0, 10], -2.5))


def test_one_sample_request_outstanding_and_newest_sent_after_result(qtbot, explorer):
    host = start(qtbot, explorer, auto=False)
    qtbot.waitUntil(lambda: len(host.of_size(1)) == 1)
    first_id = host.of_size(1)[0][0]
    for value in (100, 200):  # each time the throttle timer fires, the request is held back
        with qtbot.waitSignal(explorer.throttle.timer.timeout):
            explorer.slider_rows[0].slider.setValue(value)
        assert explorer.throttle.is_pending("sample")
    assert len(host.of_size(1)) == 1  # the first is still outstanding
    host.answer(first_id)
    assert len(host.of_size(1)) == 2  # the newest goes out at once
    assert host.of_size(1)[-1][1][0, 0] == pytest.approx(2.0)


def test_stale_results_are_ignored(qtbot, explorer):
    host = start(qtbot, explorer, auto=False)
    qtbot.waitUntil(lambda: len(host.of_size(2 * STEPS)) == 1)
    old_id = host.of_size(2 * STEPS)[0][0]
    explorer.set_endpoint("B", "random")
    qtbot.waitUntil(lambda: len(host.of_size(2 * STEPS)) == 2)
    new_id = host.of_size(2 * STEPS)[1][0]

    host.answer(old_id)
    assert explorer.strip_views["lerp"].image_item.image is None
    assert not explorer.save_buttons["lerp"].isEnabled()
    explorer.show_result(987654, np.zeros((2 * STEPS, 8, 8, 1)))  # never asked for
    assert explorer.strip_views["lerp"].image_item.image is None

    host.answer(new_id)
    assert explorer.strip_views["lerp"].image_item.image is not None
    assert explorer.save_buttons["lerp"].isEnabled()

    # A new generator makes every earlier request stale.
    sample_id = host.of_size(1)[0][0]
    explorer.set_generator_info(DIM, "images")
    host.answer(sample_id)
    assert explorer.sample_view.image_item.image is None


def test_interpolation_requests_lerp_and_slerp(qtbot, explorer):
    host = start(qtbot, explorer)
    a, b = explorer.endpoints()
    _, z = host.of_size(2 * STEPS)[-1]
    np.testing.assert_allclose(z[:STEPS], latent.lerp(a, b, STEPS), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(z[STEPS:], latent.slerp(a, b, STEPS), rtol=1e-5, atol=1e-6)
    for which in ("lerp", "slerp"):
        strip = explorer.strip_views[which].image_item.image
        assert strip.shape == (8 + 2, STEPS * 9 + 1)

    explorer.steps_spin.setValue(5)
    qtbot.waitUntil(lambda: explorer.strip_views["slerp"].image_item.image.shape == (10, 46))
    _, z = host.of_size(10)[-1]
    expected = host.generate(z.astype(np.float64))
    np.testing.assert_allclose(
        explorer.strip_views["slerp"].image_item.image[1:9, 1:9], expected[5, ..., 0], atol=1e-6
    )

    explorer.slider_rows[0].slider.setValue(-300)
    explorer.set_endpoint("A", "current")
    qtbot.waitUntil(lambda: np.isclose(host.of_size(10)[-1][1][0, 0], -3.0))
    np.testing.assert_allclose(explorer.endpoints()[0], explorer.current_latent())


def test_truncation_psi_zero_requests_the_mean(qtbot, explorer):
    host = start(qtbot, explorer)
    count = len(host.requests)
    explorer.psi_slider.setValue(0)
    assert explorer.psi == 0.0
    qtbot.waitUntil(lambda: len(host.of_size(1)) > 1 and len(host.of_size(2 * STEPS)) > 1)
    for _, z in host.requests[count:]:
        np.testing.assert_array_equal(z, 0.0)
    explorer.psi_slider.setValue(50)
    qtbot.waitUntil(lambda: len(host.of_size(1)) > 2)
    np.testing.assert_allclose(
        host.of_size(1)[-1][1][0], 0.5 * explorer.current_latent(), rtol=1e-6
    )


def test_seed_button_is_deterministic(qtbot, explorer):
    host = start(qtbot, explorer)
    explorer.seed_spin.setValue(7)
    explorer.seed_button.click()
    qtbot.waitUntil(lambda: np.allclose(host.of_size(1)[-1][1][0], latent.seeded_latent(7, DIM)))
    first = host.of_size(1)[-1][1][0].copy()
    explorer.slider_rows[1].slider.setValue(300)
    qtbot.waitUntil(lambda: np.isclose(host.of_size(1)[-1][1][0, 1], 3.0))
    explorer.seed_button.click()
    qtbot.waitUntil(lambda: np.array_equal(host.of_size(1)[-1][1][0], first))
    assert explorer.slider_rows[1].value.text() == f"{latent.seeded_latent(7, DIM)[1]:+.2f}"

    explorer.random_button.click()
    seed = explorer.seed_spin.value()
    qtbot.waitUntil(lambda: np.allclose(host.of_size(1)[-1][1][0], latent.seeded_latent(seed, DIM)))


def test_save_strip_png_and_gif(qtbot, explorer, tmp_path):
    start(qtbot, explorer)
    png = tmp_path / "lerp.png"
    explorer.save_strip(str(png), "lerp")
    with Image.open(png) as im:
        assert im.format == "PNG"
        assert im.mode == "L"
        assert im.size == (STEPS * 9 + 1, 10)
        back = np.asarray(im) / 255.0
    np.testing.assert_allclose(back, explorer.strip_views["lerp"].image_item.image, atol=1 / 255)

    gif = tmp_path / "slerp.gif"
    explorer.save_strip(str(gif), "slerp")
    with Image.open(gif) as im:
        assert im.format == "GIF"
        assert im.n_frames == 2 * STEPS - 2  # ping-pong: forth and back
        assert min(im.size) >= LatentExplorer.GIF_MIN_SIDE

    with pytest.raises(ValueError):
        explorer.save_strip(str(tmp_path / "strip.jpg"), "lerp")
    with pytest.raises(ValueError):
        explorer.save_strip(str(tmp_path / "strip.png"), "nlerp")


def test_save_strip_before_any_result_raises(qtbot, explorer, tmp_path):
    start(qtbot, explorer, auto=False)
    with pytest.raises(ValueError, match="no lerp strip"):
        explorer.save_strip(str(tmp_path / "x.png"), "lerp")


def test_principal_direction_sliders(qtbot, explorer):
    host = start(qtbot, explorer)
    explorer.principal_radio.click()
    assert explorer.mode == "principal"
    qtbot.waitUntil(lambda: len(host.of_size(LatentExplorer.REFERENCE_SAMPLES)) == 1)
    qtbot.waitUntil(lambda: len(explorer._directions) > 0, timeout=10_000)
    directions = explorer._directions
    assert directions.shape == (LatentExplorer.MAX_SLIDERS, DIM)
    assert explorer.slider_rows[0].name.text().startswith("PC1")
    assert not explorer.slider_rows[0].isHidden()

    before = explorer.current_latent()
    explorer.slider_rows[0].slider.setValue(200)
    qtbot.waitUntil(lambda: not np.allclose(host.of_size(1)[-1][1][0], before))
    np.testing.assert_allclose(
        host.of_size(1)[-1][1][0], before + 2.0 * directions[0], rtol=1e-5, atol=1e-5
    )
    explorer.reset_button.click()
    np.testing.assert_allclose(explorer.current_latent(), before)

    explorer.dims_radio.click()
    assert explorer.slider_rows[0].name.text() == "z[0]"


def test_points_kind(qtbot, explorer, tmp_path):
    dim = 4
    host = start(qtbot, explorer, kind="points", dim=dim)
    n_sample = sample_size("points")
    qtbot.waitUntil(lambda: count(explorer.sample_view.cloud) == n_sample - 1)
    assert [row.isHidden() for row in explorer.slider_rows[:5]] == [False] * 4 + [True]
    assert explorer.first_dim_spin.maximum() == 0

    _, z = host.of_size(n_sample)[-1]
    points = host.generate(z.astype(np.float64))
    hx, hy = explorer.sample_view.highlight.getData()
    np.testing.assert_allclose([hx[0], hy[0]], points[0], rtol=1e-5)
    # The neighbourhood is the current latent plus small noise.
    assert np.abs(z[1:] - z[0]).max() < 2.0

    # The reference batch draws the model's distribution and yields <= 2 directions.
    qtbot.waitUntil(
        lambda: count(explorer.sample_view.reference) == LatentExplorer.REFERENCE_SAMPLES
    )
    qtbot.waitUntil(lambda: len(explorer._directions) == 2, timeout=10_000)

    # Interpolation draws both paths as connected points.
    qtbot.waitUntil(lambda: count(explorer.strip_views["slerp"].path) == STEPS)
    _, zi = host.of_size(2 * STEPS)[-1]
    path = host.generate(zi.astype(np.float64))
    px, py = explorer.strip_views["lerp"].path.getData()
    np.testing.assert_allclose(np.column_stack([px, py]), path[:STEPS], rtol=1e-5)

    explorer.save_strip(str(tmp_path / "path.png"), "lerp")
    explorer.save_strip(str(tmp_path / "path.gif"), "slerp")
    with Image.open(tmp_path / "path.png") as im:
        assert im.size[0] > 10 and im.size[1] > 10
    with Image.open(tmp_path / "path.gif") as im:
        assert im.n_frames >= 2

    explorer.slider_rows[2].slider.setValue(150)
    qtbot.waitUntil(lambda: np.isclose(host.of_size(n_sample)[-1][1][0, 2], 1.5))


def test_new_generator_rebuilds_sliders(qtbot, explorer):
    start(qtbot, explorer)
    explorer.set_generator_info(3, "images")
    assert explorer.latent_dim == 3
    assert [row.isHidden() for row in explorer.slider_rows[:4]] == [False, False, False, True]
    assert explorer.sample_view.image_item.image is None
    with pytest.raises(ValueError):
        explorer.set_generator_info(3, "audio")
