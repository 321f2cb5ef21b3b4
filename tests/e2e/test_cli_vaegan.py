"""The CLI with the VAE-GAN: a short run end to end (its report, files and export), sampling
its export."""

import json

import numpy as np

from tests.e2e.test_cli_encoders import TINY


def test_a_vaegan_run_reports_reconstruction_and_samples(cli, tmp_path):
    args = [a if a != "30" else "10" for a in TINY]  # 10 steps: the report is the cost
    proc = cli("train", "--family", "vaegan", "--dataset", "digits", *args, "--out", "run")
    assert proc.returncode == 0, proc.stderr
    assert "objective VAE-GAN (γ=" in proc.stderr and " feature_recon " in proc.stderr
    assert "Fréchet distance" in proc.stderr and "held-out ELBO" not in proc.stderr
    data = json.loads((tmp_path / "run" / "run.json").read_text())
    assert data["family"] == "vaegan" and data["latent_dim"] == 2
    assert data["export"]["ok"] is True
    q = data["quality"]
    assert q["main_metric"] == "mse_ratio" and "heldout_elbo" not in q
    assert q["n_reconstructed"] == 1797 and 0 <= q["recon_agreement"] <= 1 and q["fd"] > 0
    history = json.loads((tmp_path / "run" / "history.json").read_text())
    assert {"kl", "feature_recon", "d_loss", "g_loss"} <= set(history[-1])

    proc = cli("sample", "--model", "run", "--n", "4", "--out", "s.npy")
    assert proc.returncode == 0, proc.stderr
    samples = np.load(tmp_path / "s.npy")
    assert samples.shape == (4, 8, 8, 1) and samples.min() >= 0 and samples.max() <= 1
