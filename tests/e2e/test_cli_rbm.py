"""The CLI with the rbm family: a short run end to end (run.json with both log-likelihoods,
the export, samples.png), and one-line errors for a bad option and for point data."""

import json

import numpy as np
from PIL import Image

from tests.e2e.conftest import error_lines

TINY = ["--steps", "20", "--batch", "10", "--jit", "off", "--eval-every", "0",
        "--set", "rbm.hidden=16", "--set", "rbm.sample_steps=10", "--set", "rbm.ais_runs=20",
        "--set", "rbm.ais_betas=300", "--set", "data.limit=300"]


def test_an_rbm_run_writes_both_log_likelihoods_and_its_export(cli, tmp_path):
    proc = cli("train", "--family", "rbm", "--dataset", "digits", *TINY, "--out", "run")
    assert proc.returncode == 0, proc.stderr
    data = json.loads((tmp_path / "run" / "run.json").read_text())
    assert data["family"] == "rbm" and data["steps"] == 20
    assert data["rbm"]["hidden"] == 16 and data["rbm"]["test_examples"] == 60
    quality = data["quality"]
    assert quality["log_likelihood_method"] == "exact"  # 16 hidden units: log Z by enumeration
    assert -64 * 0.7 < quality["log_likelihood"] < 0  # better than uniform (64 log ½)
    assert quality["sklearn_log_likelihood"] < 0 and quality["sklearn"]["n_iter"] == 1
    assert abs(quality["ais_minus_exact"]) < 1.0
    assert data["export"]["ok"] is True
    assert set(data["final"]) == {"recon_error", "free_energy_gap", "pseudo_likelihood"}
    assert "sklearn BernoulliRBM log-likelihood" in proc.stderr
    assert "recon_error" in proc.stderr and "D nan" not in proc.stderr
    meta = json.loads((tmp_path / "run" / "generator" / "assets" / "ganstudio.json").read_text())
    assert set(meta["signatures"]) == {"serving_default", "sample", "free_energy"}
    grid = Image.open(tmp_path / "run" / "samples.png")
    assert grid.size[0] > 8 and grid.size[1] > 8

    # `sample` runs the export's Gibbs chains: --n chains, --seed, the run's own sweeps
    assert meta["signatures"]["serving_default"]["inputs"][1]["default"] == 10
    proc = cli("sample", "--model", "run", "--n", "4", "--seed", "3", "--out", "x.npy")
    assert proc.returncode == 0, proc.stderr
    first = np.load(tmp_path / "x.npy")
    assert first.shape == (4, 8, 8, 1) and first.min() >= 0 and first.max() <= 1
    assert cli("sample", "--model", "run", "--n", "4", "--seed", "3", "--out",
               "y.npy").returncode == 0
    np.testing.assert_array_equal(first, np.load(tmp_path / "y.npy"))  # same seed, same chains
    proc = cli("sample", "--model", "run", "--n", "4", "--truncation", "0.5", "--out", "z.png")
    lines = error_lines(proc.stderr)
    assert proc.returncode == 2 and len(lines) == 1 and "nothing to truncate" in lines[0]


def test_rbm_mistakes_are_one_line(cli):
    for args, words in [
        (["--set", "rbm.binarize=fuzzy"], "threshold, stochastic"),
        (["--dataset", "ring8", "--steps", "1"], "does not train on points"),
    ]:
        proc = cli("train", "--family", "rbm", *args, "--out", "bad")
        lines = error_lines(proc.stderr)
        assert proc.returncode == 2 and len(lines) == 1 and words in lines[0], proc.stderr
