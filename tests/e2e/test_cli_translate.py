"""`ganstudio translate` end to end: a few cyclegan steps on digits2inverted, then a folder of
images (with broken ones among them) translated both ways, and its one-line mistakes."""

import json

import numpy as np
from PIL import Image

from tests.e2e.conftest import error_lines

TINY = ["--dataset", "digits2inverted", "--steps", "4", "--batch", "8", "--set", "net.filters=4",
        "--set", "data.limit=64", "--eval-every", "0", "--no-eval"]


def test_a_cyclegan_run_translates_a_folder_both_ways(cli, tmp_path, broken_images):
    proc = cli("train", "--family", "cyclegan", *TINY, "--out", "run")
    assert proc.returncode == 0, proc.stderr
    assert "objective CycleGAN (LSGAN, λ=10, pool 50)" in proc.stderr
    data = json.loads((tmp_path / "run" / "run.json").read_text())
    assert data["family"] == "cyclegan" and data["export"]["ok"] is True
    assert data["domains"]["b"]["name"] == "inverted digits"
    assert (tmp_path / "run" / "samples.png").is_file()

    folder = tmp_path / "in" / "sub"
    folder.mkdir(parents=True)
    digit = (np.arange(64).reshape(8, 8) * 4).astype(np.uint8)
    Image.fromarray(digit).save(folder / "one.png")
    Image.fromarray(np.repeat(digit, 4, 0).repeat(4, 1)).save(tmp_path / "in" / "big.bmp")
    (tmp_path / "in" / "broken.png").write_bytes(b"not an image")
    proc = cli("translate", "--model", "run", "--in", "in", "--out", "out")
    assert proc.returncode == 0, proc.stderr
    assert "translated 2 images (digits → inverted digits) into out; 1 skipped" in proc.stdout
    assert "broken.png" in proc.stderr
    for name in ("out/big.png", "out/sub/one.png"):
        image = np.asarray(Image.open(tmp_path / name))
        assert image.shape == (8, 8) and image.dtype == np.uint8
    proc = cli("translate", "--model", "run/generator", "--in", "in", "--out", "back",
               "--direction", "b_to_a")
    assert proc.returncode == 0 and "(inverted digits → digits)" in proc.stdout, proc.stderr

    proc = cli("translate", "--model", "run", "--in", broken_images.name, "--out", "x")
    lines = error_lines(proc.stderr)
    assert proc.returncode == 2 and len(lines) == 1 and "is a usable image" in lines[0]

    meta_path = tmp_path / "run" / "generator" / "assets" / "ganstudio.json"
    meta = json.loads(meta_path.read_text())
    del meta["translation"]  # as a generator's export: no domains, no directions
    meta_path.write_text(json.dumps(meta))
    proc = cli("translate", "--model", "run", "--in", "in", "--out", "x")
    lines = error_lines(proc.stderr)
    assert proc.returncode == 2 and len(lines) == 1 and "is not a translation model" in lines[0]
