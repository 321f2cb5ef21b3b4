"""The CLI as a new user drives it: train, sample, export, resume, datasets, and mistakes."""

import csv
import json

import numpy as np
from PIL import Image

from tests.e2e.conftest import error_lines

TINY = ["--steps", "40", "--batch", "64", "--seed", "3", "--jit", "off"]


def test_train_writes_the_whole_run_folder(cli, tmp_path):
    proc = cli("train", "--dataset", "ring8", *TINY, "--out", "run")
    assert proc.returncode == 0, proc.stderr
    run = tmp_path / "run"
    data = json.loads((run / "run.json").read_text())
    assert data["steps"] == 40 and data["config"]["data"]["name"] == "ring8"
    assert data["export"]["ok"] is True
    modes = data["quality"]["metrics"]["modes"]
    assert 0 <= modes["value"] <= 8 and modes["baseline"] == 8
    assert set(data["final"]) >= {"d_loss", "g_loss", "value", "d_real", "d_fake"}
    if data["device"].startswith("CPU"):  # a points run of its own (core.distribute)
        assert (data["threads"], data["critic_chains"]) == (1, 2)
    assert (run / "generator" / "saved_model.pb").is_file()
    assert (run / "generator" / "assets" / "ganstudio.json").is_file()
    assert (run / "checkpoints" / "ckpt-00000040.npz").is_file()
    assert Image.open(run / "samples.png").size == (640, 640)
    # not a terminal: periodic lines, the last at 100%
    assert "step 40/40" in proc.stderr and "steps/s" in proc.stderr

    # sample from the export: CSV for points, PNG too
    proc = cli("sample", "--model", "run", "--n", "25", "--out", "pts.csv")
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.reader((tmp_path / "pts.csv").open()))
    assert rows[0] == ["x", "y"] and len(rows) == 26
    assert cli("sample", "--model", "run", "--n", "100", "--out", "pts.png").returncode == 0

    # resume continues the step count
    proc = cli("train", "--resume", "run", "--steps", "60")
    assert proc.returncode == 0, proc.stderr
    assert json.loads((run / "run.json").read_text())["steps"] == 60
    assert "resumed from ckpt-00000040.npz at step 40" in proc.stderr

    # export again, to another folder
    proc = cli("export", "--run", "run", "--out", "exported")
    assert proc.returncode == 0, proc.stderr
    assert "matches the in-memory one" in proc.stdout

    # nothing a user made is overwritten: an earlier export needs --force, other files never go
    proc = cli("export", "--run", "run", "--out", "exported")
    assert proc.returncode == 2 and "holds an earlier export" in error_lines(proc.stderr)[0]
    assert cli("export", "--run", "run", "--out", "exported", "--force").returncode == 0
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    for command in (("export", "--run", "run", "--out", "mine", "--force"),
                    ("train", "--dataset", "ring8", *TINY, "--out", "mine")):
        proc = cli(*command)
        assert proc.returncode == 2, proc.stderr
        assert len(error_lines(proc.stderr)) == 1 and "not empty" in error_lines(proc.stderr)[0]
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
    assert (mine / "notes.txt").read_text() == "keep me"
    # a fresh run into the old run's folder: refused, the old run untouched
    before = sorted(p.name for p in (run / "checkpoints").iterdir())
    proc = cli("train", "--dataset", "ring8", *TINY, "--out", "run")
    assert proc.returncode == 2 and "--resume" in error_lines(proc.stderr)[0]
    assert sorted(p.name for p in (run / "checkpoints").iterdir()) == before


def test_train_on_digits_writes_an_image_grid(cli, tmp_path):
    proc = cli("train", "--dataset", "digits", "--steps", "5", "--batch", "32", "--out", "d",
               "--jit", "off")
    assert proc.returncode == 0, proc.stderr
    assert "dcgan" in proc.stderr
    proc = cli("sample", "--model", "d", "--n", "16", "--out", "grid.png")
    assert proc.returncode == 0, proc.stderr
    img = np.asarray(Image.open(tmp_path / "grid.png"))
    assert img.ndim in (2, 3) and img.shape[0] > 8 * 4


def test_typo_in_dataset_name_is_one_line_and_exit_2(cli):
    proc = cli("train", "--dataset", "rign8", "--steps", "5")
    assert proc.returncode == 2
    lines = error_lines(proc.stderr)
    assert len(lines) == 1 and "unknown dataset 'rign8'" in lines[0]
    assert "Did you mean 'ring8'?" in lines[0]
    assert "Traceback" not in proc.stderr


def test_folder_of_broken_images_is_one_line_and_exit_2(cli, broken_images):
    proc = cli("train", "--dataset", broken_images, "--steps", "5")
    assert proc.returncode == 2
    lines = error_lines(proc.stderr)
    assert len(lines) == 1 and "no usable images" in lines[0]
    assert "Traceback" not in proc.stderr


def test_keras_dataset_offline_names_the_dataset_and_where_to_put_files(cli, tmp_path):
    proc = cli("train", "--dataset", "mnist", "--steps", "5")
    assert proc.returncode == 2
    (line,) = error_lines(proc.stderr)
    assert "'mnist'" in line and str(tmp_path / "keras-home" / "datasets") in line
    assert "digits" in line and "Traceback" not in proc.stderr


def test_bad_option_values_are_one_line(cli):
    proc = cli("train", "--dataset", "ring8", "--steps", "0")
    assert proc.returncode == 2
    (line,) = error_lines(proc.stderr)
    assert "train.steps: 0" in line
    proc = cli("sample", "--model", "nowhere", "--out", "x.png")
    assert proc.returncode == 2 and "no SavedModel at 'nowhere'" in proc.stderr
    proc = cli("train", "--resume", "nowhere")
    assert proc.returncode == 2 and "no checkpoints" in proc.stderr
    for options, expected in ((("--truncation", "-1", "--out", "x.png"), "--truncation: -1.0"),
                              (("--n", "10000000", "--out", "x.png"), "--n: 10000000"),
                              (("--out", "."), "is a folder")):
        proc = cli("sample", "--model", "nowhere", *options)
        assert proc.returncode == 2, proc.stderr
        (line,) = error_lines(proc.stderr)
        assert expected in line and "Traceback" not in proc.stderr



def test_datasets_lists_builtins_and_checks_a_path(cli, broken_images, tmp_path):
    assert cli("--verbose", "datasets").returncode == 0  # --verbose goes with any command
    proc = cli("datasets")
    assert proc.returncode == 0
    for name in ("ring8", "grid25", "spiral", "moons", "swissroll", "digits", "mnist",
                 "fashion_mnist", "cifar10"):
        assert name in proc.stdout
    good = tmp_path / "imgs" / "cats"
    good.mkdir(parents=True)
    for i in range(3):
        Image.fromarray(np.full((12, 12, 3), 40 * i, np.uint8)).save(good / f"{i}.png")
    (good / "bad.png").write_bytes(b"")
    proc = cli("datasets", tmp_path / "imgs")
    assert proc.returncode == 0, proc.stderr
    assert "3 read" in proc.stdout and "1 skipped" in proc.stdout and "zero bytes" in proc.stdout


def test_bare_command_without_display_says_so(cli, tmp_path):
    proc = cli()
    assert proc.returncode == 2
    (line,) = error_lines(proc.stderr) or [proc.stderr.strip().splitlines()[-1]]
    assert "display" in line.lower() and "ganstudio train" in line
    # `ganstudio PATH` (the desktop launcher's `Exec=ganstudio %F`) goes to the studio too
    proc = cli(str(tmp_path))
    assert proc.returncode == 2 and "invalid choice" not in proc.stderr
    assert "display" in error_lines(proc.stderr)[0].lower()


def test_option_typos_are_one_line_with_the_choices(cli):
    proc = cli("train", "--objective", "wgan_gp")
    assert proc.returncode == 2
    (line,) = error_lines(proc.stderr)
    assert "invalid choice: 'wgan_gp'" in line and "'wgan-gp'" in line and "--help" in line
    proc = cli("trian")
    assert proc.returncode == 2 and "invalid choice: 'trian'" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_a_one_point_dataset_still_writes_the_whole_run(cli, tmp_path):
    (tmp_path / "one.csv").write_text("0.5,0.2\n")
    proc = cli("train", "--dataset", "one.csv", "--steps", "3", "--batch", "8", "--out", "run",
               "--jit", "off")
    assert proc.returncode == 0, proc.stderr
    data = json.loads((tmp_path / "run" / "run.json").read_text())
    assert "need at least 4 real points" in data["quality"]["skipped"]
    assert "quality metrics skipped" in proc.stderr
    assert (tmp_path / "run" / "generator" / "saved_model.pb").is_file()
