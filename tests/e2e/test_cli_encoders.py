"""The CLI with the encoder families: a VAE run end to end, sampling its export, bad options."""

import json

import numpy as np

from tests.e2e.conftest import error_lines

TINY = ["--steps", "30", "--batch", "16", "--jit", "off", "--eval-every", "0",
        "--set", "net.filters=4", "--set", "net.latent_dim=2"]


def test_a_vae_run_reports_reconstruction_elbo_and_samples(cli, tmp_path):
    proc = cli("train", "--family", "vae", "--dataset", "digits", *TINY, "--out", "run")
    assert proc.returncode == 0, proc.stderr
    assert "objective ELBO (bernoulli, β=1)" in proc.stderr and " elbo -" in proc.stderr
    assert "held-out ELBO" in proc.stderr and "Fréchet distance" in proc.stderr
    data = json.loads((tmp_path / "run" / "run.json").read_text())
    assert data["family"] == "vae" and data["latent_dim"] == 2
    assert data["split"] == {"train": 1617, "heldout": 180}
    assert data["export"]["ok"] is True
    q = data["quality"]
    assert q["main_metric"] == "heldout_elbo" and q["heldout_elbo"] < 0
    assert q["n_reconstructed"] == 1797 and q["mse_ratio"] == q["recon_mse"] / q["mean_image_mse"]
    assert 0 <= q["recon_agreement"] <= 1 and 0 <= q["class_coverage"] <= 1 and q["fd"] > 0
    history = json.loads((tmp_path / "run" / "history.json").read_text())
    assert {"recon", "kl", "elbo", "loss"} <= set(history[-1])

    proc = cli("sample", "--model", "run", "--n", "4", "--out", "s.npy")
    assert proc.returncode == 0, proc.stderr
    samples = np.load(tmp_path / "s.npy")
    assert samples.shape == (4, 8, 8, 1) and samples.min() >= 0 and samples.max() <= 1


def test_encoder_family_mistakes_are_one_line(cli):
    for args, words in [
        (["--family", "vae", "--set", "vae.likelihood=poisson"], "auto, bernoulli, gaussian"),
        (["--family", "ae", "--dataset", "ring8", "--set", "ae.recon_loss=bce"],
         "bce needs values in [0, 1]"),
    ]:
        proc = cli("train", *args, "--steps", "1", "--out", "bad")
        lines = error_lines(proc.stderr)
        assert proc.returncode == 2 and len(lines) == 1 and words in lines[0], proc.stderr
