"""The studio's autosave: a run saved nowhere yet checkpoints into an autosave folder, which
goes when the run is saved elsewhere or dropped, and which a crash leaves for the next start
to keep (`core.run_folder.adopt_autosaves`)."""

import os
import subprocess
import sys
import textwrap

import pytest

from ganstudio.config import RunConfig
from ganstudio.core import session as session_module
from ganstudio.core.checkpoint import save_checkpoint
from ganstudio.core.run_folder import (
    AUTOSAVE_PREFIX,
    RunLock,
    adopt_autosaves,
    autosave_folder,
    folder_in_use,
    remove_autosave,
)
from ganstudio.core.session import TrainingSession
from tests.conftest import run_lock_held_elsewhere
from tests.unit.test_session import Collect, tiny


def _autosave_with_checkpoint(root, step=40):
    folder = autosave_folder(root, "/data/my pics")
    save_checkpoint(folder / "checkpoints", step, [], {})
    return folder


def test_autosave_folders_are_named_by_data_and_time_and_never_reused(tmp_path):
    first = autosave_folder(tmp_path, "/home/me/my photos/")
    assert first.parent == tmp_path and first.name.startswith(f"{AUTOSAVE_PREFIX}my_photos-")
    first.mkdir()
    second = autosave_folder(tmp_path, "/home/me/my photos/")
    assert second != first and not second.exists()


def test_an_orphaned_autosave_is_kept_once_as_a_run_folder(tmp_path):
    folder = _autosave_with_checkpoint(tmp_path, step=40)
    empty = autosave_folder(tmp_path, "ring8")
    empty.mkdir()
    (empty / "config.toml").write_text("")  # killed before its first checkpoint
    other = tmp_path / "autosave-notes"
    other.write_text("a file, not a folder")
    saved = _autosave_with_checkpoint(tmp_path / "saved")  # Save run chose this very folder
    (saved / "run.json").write_text("{}")
    assert adopt_autosaves(tmp_path / "saved") == [] and saved.is_dir()

    kept = adopt_autosaves(tmp_path)
    assert len(kept) == 1 and kept[0].step == 40
    assert kept[0].folder == tmp_path / folder.name[len(AUTOSAVE_PREFIX):]
    assert (kept[0].folder / "checkpoints" / "ckpt-00000040.npz").is_file()
    assert not folder.exists() and not empty.exists() and other.is_file()
    assert adopt_autosaves(tmp_path) == []  # offered once
    assert adopt_autosaves(tmp_path / "missing") == []


def test_an_autosave_a_live_process_writes_is_left_alone(tmp_path):
    here = _autosave_with_checkpoint(tmp_path / "a")
    with RunLock(here):  # this process (another window of it)
        assert folder_in_use(here) and adopt_autosaves(tmp_path / "a") == []
    elsewhere = _autosave_with_checkpoint(tmp_path / "b")
    with run_lock_held_elsewhere(elsewhere):  # another studio
        assert folder_in_use(elsewhere) and adopt_autosaves(tmp_path / "b") == []
    # that studio was killed (the helper's SIGKILL): the system let its lock go
    assert not folder_in_use(elsewhere) and len(adopt_autosaves(tmp_path / "b")) == 1


def test_only_autosave_folders_are_removed(tmp_path):
    run = tmp_path / "my-run"
    run.mkdir()
    remove_autosave(run)
    assert run.is_dir()
    folder = _autosave_with_checkpoint(tmp_path)
    remove_autosave(folder)
    assert not folder.exists()


def test_a_session_autosaves_and_drops_its_folder_when_closed(tmp_path):
    folder = autosave_folder(tmp_path, "ring8")
    rep = Collect()
    session = TrainingSession(tiny(train={"steps_per_execution": 1}), out_dir=folder,
                              reporter=rep, autosave=True)
    session.run()
    assert (folder / "checkpoints" / "ckpt-00000030.npz").is_file()
    assert (folder / "history.json").is_file()
    assert RunConfig.load(folder / "config.toml") == session.config
    # by the clock (a minute) and at the end, not every 10 steps: the state is kept in memory
    assert [s for s in rep.statuses if s.startswith("autosaved")] == [
        "autosaved at step 30 (a crash loses only what follows)"]
    assert session.good_step == 30
    assert folder_in_use(folder)
    session.close()
    assert not folder.exists()


def test_saving_the_run_elsewhere_supersedes_its_autosave(tmp_path):
    folder = autosave_folder(tmp_path, "ring8")
    session = TrainingSession(tiny(), out_dir=folder, autosave=True)
    session.run()
    run = tmp_path / "mine"
    session.save_run(run, export=False)
    assert not folder.exists() and (run / "run.json").is_file()
    assert not session.autosave and not session.autosave_due()
    session.close()
    assert (run / "checkpoints").is_dir()  # the user's run stays


def test_an_autosave_that_cannot_be_written_turns_off_and_training_goes_on(tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")  # the kept-runs folder cannot be made (a read-only or odd home)
    rep = Collect()
    session = TrainingSession(tiny(), out_dir=autosave_folder(blocked, "ring8"), reporter=rep,
                              autosave=True)
    assert session.run().steps == 30
    assert not session.autosave and session.out_dir is None
    assert any(s.startswith("autosave is off:") and "Save run" in s for s in rep.statuses)
    session.save_run(tmp_path / "run", export=False)  # saving by hand still works
    assert (tmp_path / "run" / "checkpoints" / "ckpt-00000030.npz").is_file()
    session.close()


def test_an_autosave_that_fails_later_turns_off_and_training_goes_on(tmp_path, monkeypatch):
    import shutil

    monkeypatch.setattr(session_module, "AUTOSAVE_SECONDS", 0.0)  # an autosave every step
    monkeypatch.setattr(session_module, "AUTOSAVE_SHARE", float("inf"))
    folder = autosave_folder(tmp_path, "ring8")

    class BreakTheDisk(Collect):
        def status(self, text):
            super().status(text)
            if text.startswith("autosaved at step 5 "):  # the next write fails
                shutil.rmtree(folder / "checkpoints")
                (folder / "checkpoints").write_text("")

    rep = BreakTheDisk()
    session = TrainingSession(tiny(train={"steps_per_execution": 1}), out_dir=folder,
                              reporter=rep, autosave=True)
    assert session.run().steps == 30
    assert [s for s in rep.statuses if s.startswith("autosave")][-1].startswith(
        "autosave is off:")
    assert not folder.exists() and session.out_dir is None
    session.close()


def test_a_run_saved_to_another_folder_takes_its_checkpoint_along(tmp_path):
    """The state on disk in the first folder is not the second folder's checkpoint."""
    session = TrainingSession(tiny(), out_dir=tmp_path / "first")
    session.run()
    session.save_run(tmp_path / "second", export=False)
    assert (tmp_path / "second" / "checkpoints" / "ckpt-00000030.npz").is_file()
    session.close()
    assert (tmp_path / "first" / "checkpoints" / "ckpt-00000030.npz").is_file()


def test_an_autosave_checkpoints_by_the_clock(tmp_path, monkeypatch):
    """An autosave is written every `AUTOSAVE_SECONDS` of training whatever the steps (slow
    steps reach `checkpoint_every` late; fast ones would write too often)."""
    monkeypatch.setattr(session_module, "AUTOSAVE_SECONDS", 0.0)  # an autosave every step
    monkeypatch.setattr(session_module, "AUTOSAVE_SHARE", float("inf"))
    rep = Collect()
    cfg = tiny(train={"checkpoint_every": 0, "steps": 12, "steps_per_execution": 1})
    session = TrainingSession(cfg, out_dir=autosave_folder(tmp_path, "ring8"), reporter=rep,
                              autosave=True)
    session.run()
    assert sum(s.startswith("autosaved at step") for s in rep.statuses) >= 10
    # the newest only: an autosave's checkpoints do not pile up in the data folder
    assert [p.name for p in (session.out_dir / "checkpoints").glob("ckpt-*.npz")] == [
        "ckpt-00000012.npz"]
    session._write_seconds = 1.0  # a large net's write: 1% of the time at most
    monkeypatch.setattr(session_module, "AUTOSAVE_SECONDS", 60.0)
    monkeypatch.setattr(session_module, "AUTOSAVE_SHARE", 0.01)
    assert not session.autosave_due()
    session._written_at -= 99.0
    assert not session.autosave_due()
    session._written_at -= 1.0
    assert session.autosave_due()
    plain = Collect()
    TrainingSession(cfg, out_dir=tmp_path / "run", reporter=plain).run()
    assert sum("checkpoint saved" in s for s in plain.statuses) == 1  # at the end only
    session.close()


CRASH = textwrap.dedent("""
    import os, signal, sys
    from ganstudio.config import RunConfig
    from ganstudio.core import session as session_module
    from ganstudio.core.session import TrainingSession

    class KillAfterAutosave:
        def snapshot(self, snap):
            pass

        def status(self, text):
            if text.startswith("autosaved at step 20 "):
                os.kill(os.getpid(), signal.SIGKILL)  # a crash: nothing runs after this

    session_module.AUTOSAVE_SECONDS = 0.0  # an autosave at every step
    session_module.AUTOSAVE_SHARE = float("inf")
    cfg = RunConfig.load(sys.argv[1])
    TrainingSession(cfg, out_dir=sys.argv[2], reporter=KillAfterAutosave(), autosave=True).run()
""")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="SIGKILL and flock: POSIX")
def test_a_killed_run_is_kept_from_its_autosave_and_resumes(tmp_path):
    cfg = tiny(train={"steps": 100_000, "steps_per_execution": 1})
    cfg.save(tmp_path / "cfg.toml")
    root = tmp_path / "kept-runs"
    folder = autosave_folder(root, "ring8")
    done = subprocess.run([sys.executable, "-c", CRASH, str(tmp_path / "cfg.toml"), str(folder)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == -9, done.stderr[-2000:]
    kept = adopt_autosaves(root)
    assert len(kept) == 1 and kept[0].step == 20
    resumed = TrainingSession(RunConfig.load(kept[0].folder / "config.toml"),
                              out_dir=kept[0].folder, resume=kept[0].folder)
    resumed.prepare()
    assert resumed.step == 20 and len(resumed.history) >= 1
