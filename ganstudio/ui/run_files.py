"""What the window saves and opens: run folders, generator exports, sample PNGs, models.

Saving a run writes its config, a checkpoint, the loss history, `run.json` and the generator;
opening one restores its settings, data and weights so Start continues it. Everything that
touches the session runs in the job thread with training paused (`_with_session_paused`), and
its outcome shows in the banner.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QMessageBox

from ganstudio.config import RunConfig
from ganstudio.core.run_folder import (
    AUTOSAVE_PREFIX,
    adopt_autosaves,
    check_export_target,
    check_run_target,
    folder_in_use,
    folder_state,
    recovery_name,
)
from ganstudio.errors import ConfigError, DataError, GanStudioError
from ganstudio.ui.data_sources import source_name
from ganstudio.ui.worker import StartRequest

__all__ = ["RunFiles", "read_run_config"]


TRUST_SETTING = "notices/savedmodel_trust"
KEPT_KEY = "run/kept_on_close"  # the folder of networks kept when nobody answered a close
TRUST_NOTICE = ("Opening a model loads a TensorFlow SavedModel, and a SavedModel runs its own "
                "graph, which can read and write files. Open only models from sources you "
                "trust. Go on?")


def read_run_config(folder: Path) -> RunConfig:
    """The config of a run folder (run.json, or config.toml beside it)."""
    run_json = folder / "run.json"
    if run_json.is_file():
        try:
            data = json.loads(run_json.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise DataError(f"{run_json} is not readable: {exc}.") from None
        if isinstance(data, dict) and "config" in data:
            return RunConfig.from_dict(data["config"])
    for name in ("config.toml", "config.json"):
        if (folder / name).is_file():
            return RunConfig.load(folder / name)
    raise DataError(f"{folder} is not a run folder (no run.json or config.toml).",
                    "Open the folder written by Save run or `ganstudio train --out`.")


class RunFiles:
    """Saving and opening runs, exports, sample PNGs and models in `MainWindow` (a mixin).

    It uses the window's `worker` (its session and TensorFlow lock), `jobs`, `samples`,
    `inference`, `setup` and `run_dir`, and emits its `export_done` and `run_saved`.
    """

    def _with_session_paused(self, fn: Callable[[Any], Any]) -> Callable[[], Any]:
        worker = self.worker

        def job() -> Any:
            session = worker.session
            if session is None:
                raise ConfigError("there is no trained generator yet.", "Press Start first.")
            was_running = worker.busy and not worker.paused
            if worker.busy:
                worker.pause()
                worker.wait_idle(120.0)
            try:
                with worker.tf_lock:
                    return fn(session)
            finally:
                if was_running:
                    worker.resume()

        return job

    def export_generator(self, path: str | Path) -> bool:
        """Exports the generator as a SavedModel in the job thread; the round-trip check's
        summary shows in the banner.

        Args:
            path: The export folder to write.
        """
        if self.worker.session is None:
            self.show_message("Train (or open a run) before exporting a generator.", "warning")
            return False
        path = str(path)
        try:
            state = folder_state(path)
            if state == "export" and not self.confirm(
                    f"{path} holds an earlier export. Replace it?"):
                return False
            check_export_target(path, replace=True)  # a file, or a folder of other files
        except ConfigError as exc:
            self.show_message(str(exc), "error")
            return False
        self.set_status(f"exporting to {path}…")

        def done(report: Any) -> None:
            self.last_export = report
            ok = bool(getattr(report, "ok", True))
            self.show_message(report.summary(), "info" if ok else "warning")
            self.set_status("export done" if ok else "export finished with a mismatch")
            self.export_done.emit(report)

        self.jobs.submit(self._with_session_paused(lambda s: s.export(path, replace=True)), done,
                         self._on_error)
        return True

    def confirm(self, question: str) -> bool:
        """Asks a yes/no question in a dialog (No is the default)."""
        answer = QMessageBox.question(
            self, "GAN Studio", question,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def export_dialog(self) -> None:
        """Asks for a folder name and exports the generator there."""
        start = str(Path(self.run_dir) / "generator") if self.run_dir else str(
            Path.home() / "generator")
        path, _ = QFileDialog.getSaveFileName(self, "Export generator (a SavedModel folder)",
                                              start, "SavedModel folder (*)")
        if path:
            self.export_generator(path)

    def save_png(self, path: str | Path) -> bool:
        """Saves the samples on screen as a PNG."""
        try:
            saved = self.samples.save_png(path)
        except (OSError, ValueError) as exc:
            self.show_message(f"Could not save the samples: {exc}", "error")
            return False
        self.set_status(f"samples saved to {saved}")
        return True

    def save_png_dialog(self) -> None:
        """Asks for a PNG path and saves the samples on screen."""
        step = self.samples.shown_frame.step if self.samples.shown_frame else 0
        path, _ = QFileDialog.getSaveFileName(self, "Save samples", str(
            Path.home() / f"samples-step{step}.png"), "PNG image (*.png)")
        if path:
            self.save_png(path if path.lower().endswith(".png") else path + ".png")

    def save_run(self, folder: str | Path) -> bool:
        """Saves the run to a folder (config, checkpoint, history, run.json and the generator);
        later checkpoints of this session also go there.

        Args:
            folder: The run folder (created if needed).
        """
        if self.worker.session is None:
            self.show_message("Train before saving a run.", "warning")
            return False
        folder = Path(folder)
        try:
            check_run_target(folder, own=getattr(self.worker.session, "out_dir", None))
        except ConfigError as exc:
            self.show_message(str(exc), "error")
            return False
        save = self._run_saver(folder)

        def done(message: str) -> None:
            self.run_dir = str(folder)
            self.show_message(message, "info")
            self.set_status(f"run saved to {folder}")
            self.run_saved.emit(str(folder))

        self.set_status(f"saving the run to {folder}…")
        self.jobs.submit(self._with_session_paused(save), done, self._on_error)
        return True

    def _run_saver(self, folder: Path, **extra: Any) -> Callable[[Any], str]:
        """What saves a session's run to `folder` (run in the thread that owns the session);
        `extra` goes into run.json beside `saved_from`."""
        latest = self.latest

        def save(session: Any) -> str:
            from ganstudio.core.session import RunResult

            scalars = dict(latest.scalars) if latest is not None else {}
            result = RunResult(session.step, latest.elapsed if latest else 0.0,
                               latest.steps_per_sec if latest else 0.0, scalars,
                               stopped_early=session.step < session.config.train.steps)
            report = session.save_run(folder, result, {"saved_from": "studio", **extra})
            return f"Saved the run to {folder} (step {session.step:,}). {report.summary()}"

        return save

    def _unsaved_keeper(self) -> tuple[Path, Callable[[Any], str]] | None:
        """For a close nobody answered: where trained networks that are not saved go, and
        what saves them there (`None` when nothing trained would be lost)."""
        if self._unsaved_steps() == 0:
            return None
        shown = source_name(self.data_source) if self.data_source is not None else ""
        folder = Path(self.recovery_root) / recovery_name(shown)
        return folder, self._run_saver(folder, kept_on_close=True)

    def _note_kept(self, folder: Path) -> None:
        """After the worker has stopped: records a run kept by `_unsaved_keeper` (if it was
        written) for the next start, and says where it is on stderr."""
        if not (folder / "run.json").is_file():
            print(f"ganstudio: the unsaved networks could not be kept in {folder}",
                  file=sys.stderr)
            return
        self.settings.setValue(KEPT_KEY, str(folder))
        self.settings.sync()
        print(f"ganstudio: the networks that were not saved are kept in {folder} "
              "(File → Open run)", file=sys.stderr)

    def offer_kept_run(self) -> None:
        """At start: says where networks that were not saved were kept, with a button that
        opens them (once): those of a session that closed unanswered, and the autosaves of
        sessions that crashed or were killed (`core.run_folder.adopt_autosaves` keeps them as
        run folders under `recovery_root`)."""
        offers: list[tuple[Path, str]] = []
        kept = self.settings.value(KEPT_KEY)
        if kept:
            self.settings.remove(KEPT_KEY)
            folder = Path(str(kept))
            if (folder / "run.json").is_file():
                offers.append((folder, "The last session closed (a logout, a signal or a "
                                       "closed terminal) while its networks were not saved; "
                                       f"they were kept in {folder}."))
        for run in adopt_autosaves(self.recovery_root):
            offers.append((run.folder, "GAN Studio did not close normally (a crash, a kill or "
                                       "a power cut) while training networks that were not "
                                       f"saved; their autosave at step {run.step:,} is kept in "
                                       f"{run.folder}."))
        if not offers:
            return
        folder, text = offers[0]
        if len(offers) > 1:
            text += f" {len(offers) - 1} more such run(s) are in {self.recovery_root}."
        self.banner.show_message(text, "info",
                                 action=("Open that run", lambda: self.open_run(folder)))

    def save_run_dialog(self) -> None:
        """Asks for a folder and saves the run there."""
        path = QFileDialog.getExistingDirectory(self, "Save the run to a folder",
                                                self.run_dir or str(Path.home()))
        if path:
            self.save_run(path)

    def open_run(self, folder: str | Path) -> bool:
        """Opens a saved run folder: its settings, data, weights, history and last samples;
        Start continues training it.

        Returns:
            False when training runs or the folder holds no run (the banner says why), or
            when the user keeps networks that are not saved.
        """
        if self.worker.busy:
            self.show_message("Stop training before opening a run.", "warning")
            return False
        folder = Path(folder)
        if folder.name.startswith(AUTOSAVE_PREFIX) and folder_in_use(folder):
            self.show_message(f"{folder} is the autosave of networks a GAN Studio is training "
                              "now (this one or another); it goes when they are saved or "
                              "discarded.", "warning")
            return False
        try:
            cfg = read_run_config(folder)
        except GanStudioError as exc:
            self.show_message(str(exc), "error")
            return False
        if not self._may_discard("open that run"):
            return False
        self.setup.set_config(cfg)
        self.clear_views()

        def prepare() -> None:
            self.run_dir = str(folder)
            request = StartRequest(cfg, dataset=self.dataset, resume=str(folder),
                                   out_dir=str(folder), train=False, fresh=True)
            self.worker.start(request)
            self.set_status(f"opening the run in {folder}…")
            self._update_actions()

        self._pending_after_load = prepare
        if not self.load_data(cfg.data.name):
            self._pending_after_load = None
            return False
        return True

    def open_run_dialog(self) -> None:
        """Asks for a run folder and opens it."""
        path = QFileDialog.getExistingDirectory(self, "Open a run folder", str(Path.home()))
        if path:
            self.open_run(path)

    def open_kept_run_dialog(self) -> None:
        """Asks for a run among those kept after a crash or an unattended close
        (`recovery_root`) and opens it."""
        root = Path(self.recovery_root)
        if not root.is_dir() or not any(p.is_dir() and not p.name.startswith(AUTOSAVE_PREFIX)
                                        for p in root.iterdir()):
            self.show_message(f"No runs were kept: {root} holds none (networks that were not "
                              "saved are kept there after a crash or an unattended close).",
                              "info")
            return
        path = QFileDialog.getExistingDirectory(self, "Open a kept run", str(root))
        if path:
            self.open_run(path)

    def open_model(self, path: str | Path) -> None:
        """Loads an exported generator (or a run's) into the latent explorer, or a translation
        export into the Translate tab, off the GUI thread."""
        from ganstudio.core.translator import is_translation_export

        self.set_status(f"opening the model in {path}…")
        if is_translation_export(path):
            self._live_translator = False  # the opened export replaces a live session's
            self.translation.open_model(str(path))
            return
        self.inference.open_model(str(path))

    def open_model_dialog(self) -> None:
        """Asks for an export (or run) folder and opens it in the latent explorer (the first
        time, after saying that a SavedModel runs code)."""
        if not self.settings.value(TRUST_SETTING, False, type=bool):
            if not self.confirm(TRUST_NOTICE):
                return
            self.settings.setValue(TRUST_SETTING, True)
        path = QFileDialog.getExistingDirectory(self, "Open an exported generator",
                                                str(Path.home()))
        if path:
            self.open_model(path)
