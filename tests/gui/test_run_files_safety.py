"""The studio never writes over what is not its own: exports and saved runs."""

from __future__ import annotations

from tests.gui.conftest import train_to


def _trained(make_window, qtbot, fake_factory):
    factory = fake_factory(step_seconds=0.0002)
    window = make_window(factory=factory)
    train_to(window, qtbot, 20)
    return window, factory.sessions[0]


def test_export_onto_a_folder_of_other_files_is_refused_and_keeps_them(make_window, qtbot,
                                                                        fake_factory, tmp_path):
    window, session = _trained(make_window, qtbot, fake_factory)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    assert not window.export_generator(mine)
    assert window.banner.level == "error" and "not a GAN Studio export" in window.banner.text()
    assert (mine / "notes.txt").read_text() == "keep me"
    assert not getattr(session, "exports", [])


def test_export_onto_an_earlier_export_asks_first(make_window, qtbot, fake_factory, tmp_path,
                                                  monkeypatch):
    window, session = _trained(make_window, qtbot, fake_factory)
    old = tmp_path / "old"
    (old / "assets").mkdir(parents=True)
    (old / "saved_model.pb").write_bytes(b"pb")
    (old / "assets" / "ganstudio.json").write_text("{}")
    questions: list[str] = []
    answer = {"yes": False}
    monkeypatch.setattr(window, "confirm", lambda q: questions.append(q) or answer["yes"])
    assert not window.export_generator(old)  # No: nothing happens
    assert questions and "earlier export" in questions[0]
    answer["yes"] = True
    with qtbot.waitSignal(window.export_done, timeout=10_000):
        assert window.export_generator(old)
    assert session.exports == [(str(old), True)]


def test_saving_a_run_into_another_runs_folder_is_refused(make_window, qtbot, fake_factory,
                                                         tmp_path):
    window, _session = _trained(make_window, qtbot, fake_factory)
    other = tmp_path / "other-run"
    (other / "checkpoints").mkdir(parents=True)
    assert not window.save_run(other)
    assert "holds an earlier run" in window.banner.text()


def test_open_model_says_once_that_a_savedmodel_runs_code(make_window, monkeypatch):
    from ganstudio.ui import run_files

    window = make_window()
    dialogs: list[str] = []
    monkeypatch.setattr(run_files.QFileDialog, "getExistingDirectory",
                        lambda *a, **k: dialogs.append("asked") or "")
    window.answers = [False]
    window.open_model_dialog()  # "No": no file dialog
    assert "runs its own graph" in window.questions[-1] and dialogs == []
    window.open_model_dialog()  # "Yes": the file dialog
    window.open_model_dialog()  # said once: straight to the file dialog
    assert len(window.questions) == 2 and dialogs == ["asked", "asked"]
