"""The CLI with model families: --family, --set, a conditional run, sampling by label."""

import json

import numpy as np
from PIL import Image

from tests.e2e.conftest import error_lines

TINY = ["--steps", "4", "--batch", "16", "--jit", "off", "--eval-every", "0",
        "--set", "net.filters=8", "--set", "net.latent_dim=8"]


def test_a_conditional_run_exports_and_samples_by_label(cli, tmp_path):
    proc = cli("train", "--family", "cgan", "--dataset", "digits", *TINY,
               "--set", "cgan.d_design=separate", "--out", "run")
    assert proc.returncode == 0, proc.stderr
    data = json.loads((tmp_path / "run" / "run.json").read_text())
    assert data["family"] == "cgan" and data["config"]["cgan"]["d_design"] == "separate"
    assert data["condition"] == {"kind": "label", "count": 10, "design": "separate"}
    assert data["export"]["ok"] is True
    quality = data["quality"]
    assert quality["main_metric"] == "label_agreement" and 0 <= quality["label_agreement"] <= 1
    assert 0 <= quality["mismatch_auc"] <= 1
    assert "label agreement" in proc.stderr and "mismatch ROC-AUC" in proc.stderr
    # the samples grid: one row per class, 8 fixed latents per row, 8 px digits scaled up
    grid = Image.open(tmp_path / "run" / "samples.png")
    assert grid.size[0] < grid.size[1]

    proc = cli("sample", "--model", "run", "--n", "6", "--label", "7", "--out", "sevens.npy")
    assert proc.returncode == 0, proc.stderr
    sevens = np.load(tmp_path / "sevens.npy")
    assert sevens.shape == (6, 8, 8, 1) and sevens.min() >= 0 and sevens.max() <= 1
    # a class name works as well as an index
    assert cli("sample", "--model", "run", "--n", "2", "--label", "3",
               "--out", "threes.png").returncode == 0

    proc = cli("eval", "--model", "run", "--n", "200")
    assert proc.returncode == 0, proc.stderr
    assert "label agreement" in proc.stdout
    evaluated = json.loads((tmp_path / "run" / "eval.json").read_text())
    assert evaluated["main_metric"] == "label_agreement" and evaluated["model"]["trained_on"] \
        == "digits"

    for args, words in [
        ([], "give --label"),
        (["--label", "12"], "out of range"),
        (["--label", "seven"], "is not a class"),
        (["--caption", "a red circle"], "takes a label"),
    ]:
        proc = cli("sample", "--model", "run", "--n", "2", *args, "--out", "x.npy")
        lines = error_lines(proc.stderr)
        assert proc.returncode == 2 and len(lines) == 1 and words in lines[0], proc.stderr


def test_family_and_setting_mistakes_are_one_line(cli):
    for args, words in [
        (["--family", "cgna"], "invalid choice"),
        (["--set", "cgan.d_desgin=joint"], "Did you mean 'd_design'"),
        (["--set", "cgan.d_design=both"], "joint, separate, projection"),
        (["--set", "cgan.embed_dim=many"], "not an integer"),
        (["--set", "nosection"], "section.field=value"),
        (["--family", "cgan", "--dataset", "spiral", "--steps", "1"], "needs labels or captions"),
    ]:
        proc = cli("train", *args, "--out", "bad")
        lines = error_lines(proc.stderr)
        assert proc.returncode == 2 and len(lines) == 1 and words in lines[0], proc.stderr


def test_families_lists_every_family_and_setting(cli):
    proc = cli("families", "--settings")
    assert proc.returncode == 0, proc.stderr
    assert "gan " in proc.stdout and "cgan " in proc.stdout
    assert "cgan.d_design = 'projection'" in proc.stdout and "[joint, separate, projection]" \
        in proc.stdout
    assert "train.steps = 5000" in proc.stdout
