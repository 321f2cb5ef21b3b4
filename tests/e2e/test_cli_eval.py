"""`ganstudio eval` end to end: train a tiny model with the CLI, evaluate it, check by hand."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ganstudio.core.metrics import mode_stats


def _env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    env["GANSTUDIO_CACHE"] = str(tmp / "cache")
    env["KERAS_HOME"] = str(tmp / "keras-home")
    for proxy in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        env[proxy] = "http://127.0.0.1:9"  # offline: a download attempt fails at once
    env["no_proxy"] = env["NO_PROXY"] = ""
    return env


def _ganstudio(args: list[str], tmp: Path, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ganstudio", *args], capture_output=True,
                          text=True, env=_env(tmp), cwd=tmp, timeout=timeout)


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("cli-eval")
    run = tmp / "run"
    done = _ganstudio(["train", "--dataset", "ring8", "--steps", "30", "--batch", "64",
                       "--out", str(run)], tmp)
    assert done.returncode == 0, done.stderr
    assert (run / "generator" / "saved_model.pb").is_file()
    return run


def test_eval_matches_a_hand_computation(trained):
    import tensorflow as tf

    tmp = trained.parent
    out = tmp / "eval.json"
    done = _ganstudio(["eval", "--model", str(trained), "--n", "500", "--json", str(out)], tmp)
    assert done.returncode == 0, done.stderr
    assert "real vs real" in done.stdout and "modes captured" in done.stdout
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["dataset"] == "ring8" and result["n"] == 500

    # By hand: the export's own signature on the documented latents, scored with mode_stats.
    meta = json.loads((trained / "generator" / "assets" / "ganstudio.json").read_text())
    fn = tf.saved_model.load(str(trained / "generator")).signatures["serving_default"]
    z = np.random.default_rng(0).standard_normal((500, meta["latent_dim"])).astype(np.float32)
    samples = fn(z=tf.constant(z))["output_0"].numpy()
    stats = mode_stats(samples, np.asarray(meta["modes"]), meta["sigma"])

    m = result["metrics"]
    assert m["modes"]["value"] == stats.modes_captured
    assert m["hq"]["value"] == stats.high_quality
    assert m["reverse_kl"]["value"] == stats.reverse_kl  # both may be inf (no HQ sample)
    assert result["details"]["mode_counts"] == [int(c) for c in stats.counts]
    # Every figure comes with its real-vs-real baseline and direction.
    assert m["modes"]["baseline"] == 8 and m["hq"]["baseline"] > 0.95
    assert all(entry["better"] in ("lower", "higher") for entry in m.values())
    assert result["model"]["steps"] == 30


def test_eval_writes_json_beside_the_model_by_default(trained):
    done = _ganstudio(["eval", "--model", str(trained), "--n", "100"], trained.parent)
    assert done.returncode == 0, done.stderr
    assert json.loads((trained / "eval.json").read_text(encoding="utf-8"))["n"] == 100


def test_eval_with_a_typo_dataset_exits_2_with_one_line(trained):
    done = _ganstudio(["eval", "--model", str(trained), "--dataset", "rign8"], trained.parent)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("ganstudio: error:") and "'rign8'" in lines[0]
    assert "ring8" in lines[0]


def test_an_os_error_is_one_line_not_a_traceback(trained):
    folder = trained.parent / "a-folder"
    folder.mkdir(exist_ok=True)
    done = _ganstudio(["eval", "--model", str(trained), "--n", "100", "--json", str(folder)],
                      trained.parent)
    assert done.returncode == 2, done.stderr
    lines = [ln for ln in done.stderr.strip().splitlines() if ln.startswith("ganstudio:")]
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert "a-folder" in lines[0]


def test_a_diverged_export_is_refused_by_sample(trained, tmp_path):
    """A generator whose weights are NaN is never written by export; an export made
    elsewhere that gives NaN is refused by `sample` with one line."""
    import shutil

    import tensorflow as tf

    broken = tmp_path / "broken"
    model = tf.saved_model.load(str(trained / "generator"))
    for var in model.variables:
        if var.dtype.is_floating:
            var.assign(tf.fill(var.shape, float("nan")))
    tf.saved_model.save(model, str(broken), signatures=model.signatures)
    (broken / "assets").mkdir(exist_ok=True)
    shutil.copy(trained / "generator" / "assets" / "ganstudio.json", broken / "assets")
    done = _ganstudio(["sample", "--model", str(broken), "--n", "4", "--out", "x.csv"], tmp_path)
    assert done.returncode == 2, done.stderr
    assert "NaN or infinite" in done.stderr and not (tmp_path / "x.csv").exists()
