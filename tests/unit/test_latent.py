"""Latent-space tools: interpolation, truncation, principal directions, grids and files."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from ganstudio.core import latent


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def test_lerp_endpoints_and_shape():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(16), rng.standard_normal(16)
    path = latent.lerp(a, b, 7)
    assert path.shape == (7, 16)
    np.testing.assert_array_equal(path[0], a)
    np.testing.assert_array_equal(path[-1], b)
    np.testing.assert_allclose(path[3], (a + b) / 2)


def test_lerp_midpoint_norm_is_smaller():
    a, b = _unit(np.array([1.0, 0.2, 0.0])), _unit(np.array([0.0, 1.0, 0.3]))
    mid = latent.lerp(a, b, 3)[1]
    assert np.linalg.norm(mid) < 1.0 - 1e-3


def test_slerp_endpoints_exact_and_stays_on_unit_sphere():
    rng = np.random.default_rng(1)
    a, b = _unit(rng.standard_normal(32)), _unit(rng.standard_normal(32))
    path = latent.slerp(a, b, 9)
    assert path.shape == (9, 32)
    np.testing.assert_array_equal(path[0], a)
    np.testing.assert_array_equal(path[-1], b)
    np.testing.assert_allclose(np.linalg.norm(path, axis=1), 1.0, atol=1e-12)
    # Equal angular steps along the great circle.
    cos = np.sum(path[:-1] * path[1:], axis=1)
    np.testing.assert_allclose(cos, cos[0], atol=1e-12)


@pytest.mark.parametrize("scale", [2.0, -3.0])
def test_slerp_falls_back_to_lerp_on_parallel_vectors(scale):
    a = np.array([1.0, 2.0, -1.0])
    b = scale * a
    path = latent.slerp(a, b, 5)
    assert np.all(np.isfinite(path))
    np.testing.assert_allclose(path, latent.lerp(a, b, 5))


def test_slerp_falls_back_to_lerp_on_zero_vector():
    a, b = np.zeros(4), np.array([1.0, 0.0, 0.0, 0.0])
    path = latent.slerp(a, b, 4)
    assert np.all(np.isfinite(path))
    np.testing.assert_allclose(path, latent.lerp(a, b, 4))


def test_single_step_is_the_first_endpoint():
    a, b = np.ones(3), np.zeros(3)
    np.testing.assert_array_equal(latent.lerp(a, b, 1), a[None])
    np.testing.assert_array_equal(latent.slerp(a, b + [0, 1, 0], 1), a[None])
    with pytest.raises(ValueError):
        latent.lerp(a, b, 0)


def test_truncate_shrinks_towards_mean():
    rng = np.random.default_rng(2)
    z = rng.standard_normal((5, 8))
    mean = rng.standard_normal(8)
    np.testing.assert_allclose(latent.truncate(z, 1.0), z)
    np.testing.assert_allclose(latent.truncate(z, 0.0), 0.0)
    np.testing.assert_allclose(latent.truncate(z, 0.0, mean), np.broadcast_to(mean, z.shape))
    np.testing.assert_allclose(latent.truncate(z, 1.0, mean), z)
    half = latent.truncate(z, 0.5, mean)
    np.testing.assert_allclose(
        np.linalg.norm(half - mean, axis=1), 0.5 * np.linalg.norm(z - mean, axis=1)
    )
    with pytest.raises(ValueError):
        latent.truncate(z, -0.1)


def test_truncated_normal_within_threshold_and_deterministic():
    z = latent.truncated_normal(np.random.default_rng(3), 500, 16, threshold=0.5)
    assert z.shape == (500, 16)
    assert np.abs(z).max() <= 0.5
    assert z.std() > 0.2  # still spread over the interval, not collapsed
    again = latent.truncated_normal(np.random.default_rng(3), 500, 16, threshold=0.5)
    np.testing.assert_array_equal(z, again)


def test_principal_directions_recover_a_dominant_direction():
    rng = np.random.default_rng(4)
    d, m, n = 12, 30, 400
    u = _unit(rng.standard_normal(d))  # the latent direction that matters
    v = _unit(rng.standard_normal(m))
    a = 10.0 * np.outer(u, v) + 0.3 * rng.standard_normal((d, m))  # linear "generator"
    z = rng.standard_normal((n, d))
    outputs = (z @ a).reshape(n, 5, 6, 1)

    directions, explained = latent.principal_directions(z, outputs, k=3)
    assert directions.shape == (3, d)
    assert explained.shape == (3,)
    np.testing.assert_allclose(np.linalg.norm(directions, axis=1), 1.0)
    assert abs(directions[0] @ u) > 0.99
    assert explained[0] > 0.7
    assert np.all(np.diff(explained) <= 0)
    assert explained.sum() <= 1.0 + 1e-9


def test_principal_directions_on_points_and_wide_outputs():
    rng = np.random.default_rng(5)
    z = rng.standard_normal((64, 8))
    points = z[:, :2] * [3.0, 0.5]
    directions, explained = latent.principal_directions(z, points, k=16)
    assert directions.shape == (2, 8)  # at most the output dimension
    assert abs(directions[0, 0]) > 0.99
    # Wide outputs (m >> n) go through the Gram matrix; same answer as the covariance route.
    wide = np.concatenate([points] + [0.0 * points] * 100, axis=1)
    directions_wide, explained_wide = latent.principal_directions(z, wide, k=2)
    np.testing.assert_allclose(directions_wide, directions, atol=1e-8)
    np.testing.assert_allclose(explained_wide, explained, atol=1e-8)


def test_principal_directions_shape_errors():
    with pytest.raises(ValueError):
        latent.principal_directions(np.zeros((4, 3)), np.zeros((5, 2)), 1)
    with pytest.raises(ValueError):
        latent.principal_directions(np.zeros(3), np.zeros((3, 2)), 1)


def test_seeded_latent_is_deterministic():
    a = latent.seeded_latent(42, 10)
    np.testing.assert_array_equal(a, latent.seeded_latent(42, 10))
    np.testing.assert_array_equal(a, np.random.default_rng(42).standard_normal(10))
    assert not np.allclose(a, latent.seeded_latent(43, 10))


def test_image_grid_shape_and_placement():
    images = np.zeros((5, 4, 3, 1), dtype=np.float32)
    images[4] = 0.5
    grid = latent.image_grid(images, ncols=3, pad=1)
    assert grid.shape == (2 * 5 + 1, 3 * 4 + 1, 1)
    assert grid.dtype == np.float32
    assert grid[0, 0, 0] == 1.0  # padding is white
    assert grid[1, 1, 0] == 0.0  # first tile
    assert grid[6, 5, 0] == 0.5  # fifth tile: row 1, column 1
    assert latent.image_grid(np.zeros((9, 2, 2, 3))).shape == (10, 10, 3)  # 3x3 by default
    assert latent.image_grid(np.zeros((3, 2, 2)), ncols=3, pad=0).shape == (2, 6, 1)


def test_png_round_trip(tmp_path):
    rng = np.random.default_rng(6)
    rgb = rng.random((6, 7, 3))
    path = tmp_path / "rgb.png"
    latent.save_png(rgb, path)
    with Image.open(path) as im:
        back = np.asarray(im)
    assert back.shape == (6, 7, 3)
    np.testing.assert_array_equal(back, np.round(rgb * 255).astype(np.uint8))

    gray = rng.random((5, 4, 1)).astype(np.float32)
    latent.save_png(gray, tmp_path / "gray.png")
    with Image.open(tmp_path / "gray.png") as im:
        assert im.mode == "L"
        assert np.asarray(im).shape == (5, 4)

    latent.save_png(np.full((2, 2, 3), 200, dtype=np.uint8), tmp_path / "u8.png")
    with Image.open(tmp_path / "u8.png") as im:
        assert np.asarray(im)[0, 0, 0] == 200


@pytest.mark.parametrize("channels", [1, 3])
def test_gif_round_trip_frame_count(tmp_path, channels):
    frames = [np.full((8, 8, channels), i / 5.0) for i in range(6)]
    path = tmp_path / "walk.gif"
    latent.save_gif(frames, path, duration_ms=50)
    with Image.open(path) as im:
        assert im.n_frames == 6
        assert im.size == (8, 8)
        assert im.info.get("loop") == 0
        assert im.info.get("duration") == 50

    latent.save_gif(frames, tmp_path / "pingpong.gif", ping_pong=True)
    with Image.open(tmp_path / "pingpong.gif") as im:
        assert im.n_frames == 6 + 4

    with pytest.raises(ValueError):
        latent.save_gif([], tmp_path / "empty.gif")
