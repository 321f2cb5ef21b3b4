"""Nothing a user made is overwritten: run folders, exports, checkpoints of other runs,
non-finite checkpoints, and two writers on one run folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest

from ganstudio.core.checkpoint import (
    latest_checkpoint,
    list_checkpoints,
    load_checkpoint,
    save_checkpoint,
)
from ganstudio.core.run_folder import (
    RunLock,
    check_export_target,
    check_run_target,
    folder_state,
)
from ganstudio.errors import ConfigError, TrainingError
from tests.conftest import run_lock_held_elsewhere


def _fake_export(path):
    (path / "assets").mkdir(parents=True)
    (path / "saved_model.pb").write_bytes(b"pb")
    (path / "assets" / "ganstudio.json").write_text("{}")


def test_folder_states(tmp_path):
    assert folder_state(tmp_path / "nope") == "missing"
    (tmp_path / "empty").mkdir()
    assert folder_state(tmp_path / "empty") == "empty"
    (tmp_path / "f.txt").write_text("x")
    assert folder_state(tmp_path / "f.txt") == "file"
    _fake_export(tmp_path / "export")
    assert folder_state(tmp_path / "export") == "export"
    (tmp_path / "run" / "checkpoints").mkdir(parents=True)
    assert folder_state(tmp_path / "run") == "run"
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("x")
    assert folder_state(tmp_path / "mine") == "other"


def test_an_export_target_is_refused_unless_it_is_empty_or_an_earlier_export(tmp_path):
    check_export_target(tmp_path / "new")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    for replace in (False, True):
        with pytest.raises(ConfigError, match="not a GAN Studio export; nothing in it was"):
            check_export_target(tmp_path / "mine", replace=replace)
    _fake_export(tmp_path / "old")
    with pytest.raises(ConfigError, match="holds an earlier export.*--force"):
        check_export_target(tmp_path / "old")
    check_export_target(tmp_path / "old", replace=True)
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError, match="is a file"):
        check_export_target(tmp_path / "file", replace=True)


def test_a_run_target_is_refused_when_it_holds_another_run_or_other_files(tmp_path):
    check_run_target(tmp_path / "new")
    run = tmp_path / "run"
    (run / "checkpoints").mkdir(parents=True)
    with pytest.raises(ConfigError, match=r"earlier run.*--resume"):
        check_run_target(run)
    check_run_target(run, own=run)  # resuming it
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "a.jpg").write_bytes(b"x")
    with pytest.raises(ConfigError, match="not a GAN Studio run"):
        check_run_target(tmp_path / "photos")


def test_pruning_never_deletes_a_later_numbered_checkpoint_of_another_run(tmp_path):
    folder = tmp_path / "checkpoints"
    save_checkpoint(folder, 30_000, [np.ones(2)], {})  # an older run that went further
    for step in (10, 20, 30, 40):
        save_checkpoint(folder, step, [np.full(2, step, np.float32)], {}, keep=2)
    names = [p.name for p in list_checkpoints(folder)]
    assert names == ["ckpt-00000030.npz", "ckpt-00000040.npz", "ckpt-00030000.npz"]
    assert latest_checkpoint(folder).name == "ckpt-00000040.npz"
    assert load_checkpoint(tmp_path).step == 40  # resume follows latest.json


def test_a_non_finite_checkpoint_is_never_written(tmp_path):
    folder = tmp_path / "checkpoints"
    save_checkpoint(folder, 10, [np.ones(3, np.float32), np.arange(2)], {})
    bad = [np.array([1.0, np.nan, 2.0], np.float32), np.arange(2)]
    with pytest.raises(TrainingError, match=r"step 20: 1 state variables hold NaN.*"
                                            r"last good checkpoint is ckpt-00000010.npz"):
        save_checkpoint(folder, 20, bad, {})
    assert [p.name for p in list_checkpoints(folder)] == ["ckpt-00000010.npz"]
    assert json.loads((folder / "latest.json").read_text())["step"] == 10
    assert np.isfinite(load_checkpoint(tmp_path).arrays[0]).all()


def test_stale_temporary_checkpoint_files_are_cleaned(tmp_path):
    folder = tmp_path / "checkpoints"
    folder.mkdir()
    stale = folder / ".ckpt-00000010.npz.abc.tmp"
    fresh = folder / ".ckpt-00000020.npz.def.tmp"
    stale.write_bytes(b"x")
    fresh.write_bytes(b"x")
    old = time.time() - 2 * 3600
    os.utime(stale, (old, old))
    save_checkpoint(folder, 30, [np.ones(1)], {})
    assert not stale.exists() and fresh.exists()  # a fresh one may be another writer's


@pytest.mark.skipif(sys.platform == "win32", reason="flock")
def test_a_second_writer_is_refused_until_the_first_lets_go(tmp_path):
    run = tmp_path / "run"
    with run_lock_held_elsewhere(run), pytest.raises(
            ConfigError, match=r"is being written by ganstudio process \d+"):
        RunLock(run).acquire()
    with RunLock(run):  # the killed holder's lock went with it
        pass
    assert folder_state(run) == "empty"  # the lock file alone does not make it a run


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_files_get_the_permissions_of_the_users_umask(tmp_path):
    from ganstudio.core.checkpoint import UMASK, normal_permissions

    folder = tmp_path / "checkpoints"
    path = save_checkpoint(folder, 10, [np.ones(2)], {})
    for written in (path, folder / "latest.json"):
        assert written.stat().st_mode & 0o777 == 0o666 & ~UMASK
    made = tmp_path / "made"
    made.mkdir(mode=0o700)
    normal_permissions(made)
    assert made.stat().st_mode & 0o777 == 0o777 & ~UMASK


@pytest.mark.skipif(sys.platform == "win32", reason="flock")
def test_the_lock_is_shared_within_one_process_and_let_go_by_the_last_holder(tmp_path):
    run = tmp_path / "run"
    outer = RunLock(run).acquire()
    inner = RunLock(run).acquire()  # the CLI's lock, then the session's: no refusal
    assert outer.held and inner.held
    inner.release()
    code = ("import sys; from ganstudio.core.run_folder import RunLock; "
            "RunLock(sys.argv[1]).acquire()")
    still = subprocess.run([sys.executable, "-c", code, str(run)], capture_output=True,
                           text=True)
    assert "is being written by" in still.stderr  # the outer holder keeps it
    outer.release()
    free = subprocess.run([sys.executable, "-c", code, str(run)], capture_output=True,
                          text=True)
    assert free.returncode == 0, free.stderr
