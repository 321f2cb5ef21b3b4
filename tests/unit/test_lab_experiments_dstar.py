"""The theory lab's trained experiments, at reduced sizes: `dstar` (D against a frozen G meets
D*, then G is released) through the CLI, and `jsd-vs-w` (the JSD stays at log 2 for disjoint
bars while W grows with their distance), with the animations they record. The full-size runs'
numbers are in each lab's docstring and the branch's report; these check the structure and the
bounds a short run meets.
"""

from __future__ import annotations

import functools
import json
import math

import numpy as np
import pytest

from ganstudio.cli import main
from ganstudio.core.lab import dstar, jsd_vs_w
from ganstudio.core.lab.nets1d import (
    animation,
    binned_kde,
    central_interval,
    frame,
    frame_steps,
    plot,
)

SMALL_DSTAR = {"fit_steps": 150, "d_steps": 600, "release_steps": 600, "batch": 1024,
               "kde_samples": 300_000, "eval_samples": 20_000}
SMALL_JSD_VS_W = {"thetas": (0.0, 1.0, 4.0), "d_steps": 150, "gp_steps": 300, "clip_steps": 150,
                  "batch": 512, "eval_samples": 5000}


def _check_plots(plots: list[dict]) -> None:
    for p in plots:
        assert {"title", "x_label", "y_label", "x", "lines"} <= set(p)
        assert 2 <= len(p["x"]) <= 400
        for label, ys in p["lines"].items():
            assert len(ys) == len(p["x"]), label
            assert all(math.isfinite(y) for y in ys), label
        for points in p.get("dots", {}).values():
            assert all(len(point) == 2 for point in points)


def _check_animations(animations: list[dict]) -> None:
    """Each animation: its titles, at most 60 frames, each frame's lines as long as its x (at
    most 400 points), finite, and the same labels in every frame; all of it JSON-ready."""
    json.dumps(animations, allow_nan=False)
    for a in animations:
        assert {"title", "x_label", "y_label", "frame_label", "fps", "frames"} <= set(a)
        assert 2 <= len(a["frames"]) <= 60 and a["fps"] > 0
        labels = set(a["frames"][0]["lines"])
        for f in a["frames"]:
            assert {"label", "x", "lines"} <= set(f) and f["label"]
            assert 2 <= len(f["x"]) <= 400
            assert set(f["lines"]) == labels, f["label"]
            for label, ys in f["lines"].items():
                assert len(ys) == len(f["x"]), label
                assert all(math.isfinite(y) for y in ys), label


def _at(f: dict, line: str, x: float) -> float:
    """A frame's line at the point of its x nearest to `x`."""
    xs = np.asarray(f["x"])
    return f["lines"][line][int(np.abs(xs - x).argmin())]


@pytest.fixture(scope="module")
def dstar_json(tmp_path_factory) -> dict:
    """`ganstudio lab dstar --json F`, in-process, with the lab's sizes reduced."""
    out = tmp_path_factory.mktemp("lab") / "d.json"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(dstar, "run", functools.partial(dstar.run, **SMALL_DSTAR))
        assert main(["lab", "dstar", "--json", str(out), "--seed", "3"]) == 0
    return json.loads(out.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def jsd_vs_w_result() -> dict:
    return jsd_vs_w.run(seed=0, status=lambda text: None, **SMALL_JSD_VS_W)


def test_dstar_through_the_cli_writes_the_required_keys_and_plots(dstar_json, capsys):
    assert dstar_json["lab"] == "dstar" and dstar_json["seed"] == 3
    for key in ("max_abs_gap", "d_real_after", "d_fake_after", "interval_98", "value_frozen",
                "jsd_bound_frozen", "steps", "seconds"):
        assert key in dstar_json, key
    assert dstar_json["steps"]["d_frozen"] == SMALL_DSTAR["d_steps"]
    lo, hi = dstar_json["interval_98"]
    assert lo < -2.0 < 2.0 < hi  # both of the data's modes lie inside
    assert len(dstar_json["plots"]) == 5
    _check_plots(dstar_json["plots"])
    frozen = dstar_json["plots"][1]["lines"]
    assert set(frozen) == {"D(x) trained", "D*(x) = p_data / (p_data + p_G)"}


def test_dstar_d_approaches_d_star_and_the_release_moves_toward_one_half(dstar_json):
    assert dstar_json["max_abs_gap"] <= 0.15
    assert dstar_json["mean_abs_gap"] <= 0.06
    # D nearly optimal: its V gives nearly the JSD of the two densities
    assert dstar_json["jsd_bound_frozen"] == pytest.approx(dstar_json["jsd_frozen"], abs=0.03)
    assert dstar_json["d_real_frozen"] > 0.6 and dstar_json["d_fake_frozen"] < 0.4
    # released, G comes closer to the data and D closer to ½ on both sides
    assert dstar_json["jsd_after"] < dstar_json["jsd_frozen"] / 2
    assert abs(dstar_json["d_real_after"] - 0.5) < abs(dstar_json["d_real_frozen"] - 0.5) / 2
    assert abs(dstar_json["d_fake_after"] - 0.5) < abs(dstar_json["d_fake_frozen"] - 0.5) / 2


def test_jsd_vs_w_rows_compare_estimates_with_the_exact_values(jsd_vs_w_result):
    rows = jsd_vs_w_result["rows"]
    assert [r["theta"] for r in rows] == [0.0, 1.0, 4.0]
    for r in rows:
        assert {"theta", "jsd", "w", "w_clip", "jsd_exact", "w_exact"} <= set(r)
        assert r["w_exact"] == r["theta"]
        if r["theta"] == 0:
            assert r["jsd_exact"] == pytest.approx(0.0, abs=1e-12)
            assert r["jsd"] == pytest.approx(0.0, abs=0.02)
            assert abs(r["w"]) < 0.05 and abs(r["w_clip"]) < 0.05
            continue
        assert r["jsd_exact"] == pytest.approx(math.log(2), abs=1e-9)
        assert r["jsd"] == pytest.approx(math.log(2), abs=0.05)
        assert r["w"] == pytest.approx(r["theta"], rel=0.15)
        # the clipped critic is 1-Lipschitz by construction: its gap can only fall short of W
        assert 0.5 * r["theta"] < r["w_clip"] <= r["theta"] * 1.01
    _check_plots(jsd_vs_w_result["plots"])
    assert set(jsd_vs_w_result["plots"][0]["lines"]) == {
        "JSD (from V)", "log 2", "W (gradient penalty)", "W (weight clipping)", "|θ|"}


def test_dstar_frames_show_d_meeting_d_star_then_flattening_to_one_half(dstar_json):
    (movie,) = dstar_json["frames"]
    _check_animations([movie])
    frames = movie["frames"]
    frozen = [f for f in frames if f["label"].startswith("D trains, G frozen")]
    released = [f for f in frames if f["label"].startswith("G released")]
    assert len(frozen) + len(released) == len(frames) and frozen and released
    assert frames == frozen + released  # the frozen phase first, the release after it
    values = [f["value"] for f in frames]
    assert values == sorted(values) and len(set(values)) == len(values)
    assert values[0] == 0
    assert values[-1] == SMALL_DSTAR["d_steps"] + SMALL_DSTAR["release_steps"]
    assert set(frames[0]["lines"]) == {"p_data", "p_G (KDE)", "D(x)",
                                       "D*(x) = p_data / (p_data + p_G)", "½"}
    lo, hi = dstar_json["interval_98"]

    def gap(f: dict, target: str) -> float:
        xs = np.asarray(f["x"])
        inside = (xs >= lo) & (xs <= hi)
        d = np.asarray(f["lines"]["D(x)"])
        return float(np.abs(d - np.asarray(f["lines"][target]))[inside].max())

    # against the frozen G, D starts far from D* and ends at it (as max_abs_gap says)
    star = "D*(x) = p_data / (p_data + p_G)"
    assert gap(frozen[0], star) > 0.2
    assert gap(frozen[-1], star) == pytest.approx(dstar_json["max_abs_gap"], abs=0.03)
    # released, G's density moves and D comes closer to ½ where the data lies
    assert frozen[-1]["lines"]["p_G (KDE)"] != released[-1]["lines"]["p_G (KDE)"]
    assert gap(released[-1], "½") < gap(frozen[-1], "½")
    assert _at(frozen[-1], "D(x)", 2.0) > _at(released[-1], "D(x)", 2.0) > 0.4


def test_jsd_vs_w_frames_show_the_bars_d_and_both_critics_for_each_theta(jsd_vs_w_result):
    (movie,) = jsd_vs_w_result["frames"]
    _check_animations([movie])
    assert movie["frame_label"] == "θ"
    rows = jsd_vs_w_result["rows"]
    assert [f["value"] for f in movie["frames"]] == [r["theta"] for r in rows]
    xs = movie["frames"][0]["x"]
    for f, row in zip(movie["frames"], rows, strict=True):
        theta = row["theta"]
        assert f["x"] == xs  # one line for every θ
        assert _at(f, "P_data (bar at 0)", 0.0) == 1.0 and _at(f, "P_G (bar at θ)", theta) == 1.0
        assert _at(f, "f(x) − f(θ), gradient penalty", theta) == 0.0
        assert _at(f, "f(x) − f(θ), weight clipping", theta) == 0.0
        if theta:
            assert _at(f, "P_data (bar at 0)", theta) == 0.0
            # D separates the bars whatever θ; the critics' drop between them reads W
            assert _at(f, "D(x)", 0.0) > 0.9 and _at(f, "D(x)", theta) < 0.1
            assert _at(f, "f(x) − f(θ), gradient penalty", 0.0) == pytest.approx(row["w"],
                                                                                 rel=0.1)
            assert _at(f, "f(x) − f(θ), weight clipping", 0.0) == pytest.approx(row["w_clip"],
                                                                                rel=0.1)


def test_frames_are_thinned_like_plots_and_animations_keep_at_most_60():
    x = np.linspace(0.0, 1.0, 5000)
    frames = [frame(f"step {k}", x, {"x·k": x * k, "½": 0.5}, dots={"k": [[0.0, k]]}, value=k)
              for k in range(100)]
    assert len(frames[3]["x"]) == 400 and len(frames[3]["lines"]["x·k"]) == 400
    assert frames[3]["value"] == 3.0 and frames[3]["dots"] == {"k": [[0.0, 3.0]]}
    movie = animation("t", "x", "y", "step", frames, fps=4)
    assert len(movie["frames"]) == 60 and movie["fps"] == 4.0
    assert movie["frames"][0]["label"] == "step 0" and movie["frames"][-1]["label"] == "step 99"
    assert [f["value"] for f in movie["frames"]] == sorted({f["value"] for f in movie["frames"]})
    assert len(animation("t", "x", "y", "step", frames[:5])["frames"]) == 5
    json.dumps(movie, allow_nan=False)


def test_frame_steps_cover_the_run_and_crowd_the_start_when_asked():
    assert frame_steps(100, 5) == [0, 25, 50, 75, 100]
    early = frame_steps(100, 5, power=2.0)
    assert early[0] == 0 and early[-1] == 100 and early[1] < 25
    assert frame_steps(3, 10) == [0, 1, 2, 3]  # no repeats


def test_binned_kde_matches_a_known_density_and_the_central_interval():
    rng = np.random.default_rng(0)
    grid = np.linspace(-6.0, 6.0, 2401)
    density, bandwidth = binned_kde(rng.standard_normal(400_000), grid)
    normal = np.exp(-0.5 * grid ** 2) / math.sqrt(2 * math.pi)
    assert 0 < bandwidth < 0.1
    assert np.max(np.abs(density - normal)) < 0.01
    lo, hi = central_interval(grid, normal, 0.98)
    assert lo == pytest.approx(-2.326, abs=0.01) and hi == pytest.approx(2.326, abs=0.01)


def test_plot_thins_long_lines_to_400_points():
    x = np.linspace(0.0, 1.0, 5000)
    p = plot("t", "x", "y", x, {"x²": x ** 2, "½": 0.5}, dots={"ends": [[0.0, 0.0], [1.0, 1.0]]})
    assert len(p["x"]) == 400 and p["x"][0] == 0.0 and p["x"][-1] == 1.0
    assert len(p["lines"]["x²"]) == 400 and set(p["lines"]["½"]) == {0.5}
    assert p["dots"]["ends"] == [[0.0, 0.0], [1.0, 1.0]]
