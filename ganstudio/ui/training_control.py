"""The training commands of the window: start or continue, pause, step, stop, reset, evaluate.

Each command checks that it makes sense now (a dataset is loaded, training runs or is paused),
hands a request to the worker, and says what happens in the status line; the worker's answers
come back through the window's signal handlers.
"""

from __future__ import annotations

from typing import Any

from ganstudio.config import RunConfig
from ganstudio.core.families import describe_learning_rates, get_family
from ganstudio.core.run_folder import autosave_folder
from ganstudio.core.telemetry import Snapshot
from ganstudio.errors import GanStudioError
from ganstudio.ui.data_sources import source_name
from ganstudio.ui.worker import StartRequest, same_model

__all__ = ["RECOVERY_LR_FACTOR", "TrainingControl"]

RECOVERY_LR_FACTOR = 0.5
"""After a divergence, "go back" multiplies both learning rates by this."""


class TrainingControl:
    """The training commands of `MainWindow` (a mixin).

    They drive the window's `worker` with the settings in `setup` and the loaded `dataset`,
    and update its views, status and actions.
    """

    @property
    def training(self) -> bool:
        """True while the worker prepares or trains."""
        return self.worker.busy

    def current_config(self) -> RunConfig:
        """The settings on the left as a `RunConfig` (raises ConfigError when not allowed)."""
        return self.setup.config(data_name=source_name(self.data_source or "ring8"))

    def start_training(self, cfg: RunConfig | None = None) -> bool:
        """Starts (or continues) training with the current settings.

        Args:
            cfg: The settings (default: those shown on the left).

        Returns:
            True when the worker accepted the request.
        """
        if self.worker.busy:
            return False
        if self.lab_running:
            self.show_message("A theory-lab experiment is running; Start when it is done.",
                              "warning")
            return False
        if self.dataset is None or self._loading is not None:
            self.show_message("The dataset is still loading; press Start again in a moment.",
                              "warning")
            return False
        try:
            cfg = self.current_config() if cfg is None else cfg
        except GanStudioError as exc:
            self.show_message(str(exc), "error")
            return False
        session = self.worker.session
        reuse = session is not None and same_model(session.config, cfg)
        del session  # the worker alone may drop the last reference (in its own thread)
        if not reuse and not self._may_discard("start new networks with these settings"):
            return False
        if not reuse:
            self.clear_views()
            self.run_dir = None
        if self.banner.level == "error":
            self.banner.dismiss()
        if reuse:  # the session keeps the folder it has
            request = StartRequest(cfg, dataset=self.dataset)
        else:  # new networks: autosaved until Save run gives them a folder of their own
            request = StartRequest(cfg, dataset=self.dataset, autosave=True,
                                   out_dir=str(autosave_folder(self.recovery_root, cfg.data.name)))
        if not self.worker.start(request):
            return False
        self.metrics_view.set_train_config(cfg.train)
        self.g_loss_view.set_objective(cfg.objective.name)
        self.show_family_views(cfg.family)
        self._save_choices()
        self.set_status("continuing…" if reuse else "preparing…")
        self._announce_training = True
        self.progress.setVisible(not reuse)
        self._update_actions()
        return True

    def offer_recovery(self, message: str) -> None:
        """After a divergence: the error, with a button that goes back to the last good state
        with half the learning rates and trains on (when the session kept one)."""
        session = self.worker.session
        good = getattr(session, "good_step", None)
        del session
        if good is None:
            return
        self.banner.show_message(message, "error", action=(
            f"Go back to step {good:,} with half the learning rates",
            self.recover_from_divergence))

    def recover_from_divergence(self, factor: float = RECOVERY_LR_FACTOR) -> bool:
        """Goes back to the last good state with the learning rates times `factor`, shows the
        new rates on the left, drops the views' points after that step, and trains on.

        Returns:
            False when training runs or there are no networks.
        """
        if self.worker.busy or self.worker.session is None:
            return False

        def recover(session: Any) -> tuple[int, RunConfig]:
            return session.recover(factor), session.config

        def done(result: tuple[int, RunConfig]) -> None:
            step, cfg = result
            self.setup.set_config(cfg)
            self.rewind_views(step)
            rates = describe_learning_rates(get_family(cfg.family), cfg)
            self.set_status(f"back at step {step:,}; learning rates {rates}")
            self.start_training(cfg)

        self.set_status("going back to the last good state…")
        self.jobs.submit(self._with_session_paused(recover), done, self._on_error)
        return True

    def toggle_pause(self) -> None:
        """Pauses a running training, or resumes a paused one."""
        if not self.worker.busy:
            return
        if self.worker.paused:
            self.worker.resume()
            self.set_status("resumed")
        else:
            self.worker.pause()
            single = "d" in getattr(self, "step_modes", ("d", "g"))
            self.set_status("paused — Step runs one step"
                            + (" (D only / G only from the menu)" if single else ""))
        self._update_actions()

    def step(self, mode: str = "both") -> None:
        """While paused: one step of both players, or of D or G only."""
        if self.worker.paused:
            self.worker.step(mode)
            if "d" in getattr(self, "step_modes", ("d", "g")):  # a family with a D
                label = {"both": "D and G", "d": "D only", "g": "G only"}[mode]
                self.set_status(f"one step ({label})")
            else:
                self.set_status("one step")

    def apply_live_setting(self, key: str) -> None:
        """A family's live setting (`"section.field"`, e.g. StackGAN's training stage) was
        edited: a running or paused session takes it between two steps; otherwise the next
        start reads it with the other settings."""
        if not self.worker.busy:
            return
        try:
            cfg = self.current_config()
        except GanStudioError as exc:
            self.show_message(str(exc), "error")
            return
        section, _, name = key.partition(".")
        value = getattr(getattr(cfg, section), name)

        def done(taken: bool) -> None:
            if taken:
                self.set_status(f"{section}.{name} = {value} from the next step")

        def failed(message: str, kind: str) -> None:
            self.show_message(f"could not change {key}: {message}", "error")

        self.jobs.submit(lambda: self.worker.apply_live_settings(cfg), done, failed)

    def stop_training(self) -> None:
        """Stops training after the current step; the networks are kept (Start continues)."""
        if self.worker.busy:
            self.worker.stop()
            self.set_status("stopping…")

    def _unsaved_steps(self) -> int:
        """The steps of trained networks that are not saved in a run folder (0: none)."""
        session = self.worker.session
        step = int(getattr(session, "step", 0) or 0) if session is not None else 0
        del session
        return 0 if self.run_dir is not None else step

    def _may_discard(self, action: str) -> bool:
        """True when nothing trained would be lost, or the user agrees to lose it.

        Args:
            action: What is about to happen, e.g. "forget the networks".
        """
        step = self._unsaved_steps()
        if step == 0:  # nothing trained, or saved in a run folder
            return True
        return self.confirm(f"The networks trained for {step:,} steps are not saved. "
                            f"Discard them and {action}? (File → Save run keeps them.)")

    def reset(self) -> bool:
        """Stops training, forgets the networks and clears the views (after asking, when
        trained networks would be lost).

        Returns:
            False when the user chose to keep the networks.
        """
        if not self._may_discard("forget them"):
            return False
        self.worker.reset()
        self.run_dir = None
        self.clear_views()
        self.inference.set_generator(None, 0, "")
        if self._has_explorer:
            self.explorer.clear_generator()
        self.setup.set_param_counts({})
        self._schedule_count()
        self.set_status("reset")
        self._update_actions()
        return True

    def evaluate_now(self) -> bool:
        """Scores the current generator now (the Metrics tab's button), off the GUI thread.

        The evaluation runs in the training thread between two steps while training runs
        (or under the worker's TensorFlow lock while paused or idle); the figures arrive as a
        metrics snapshot for the Metrics tab, and `evaluated` is emitted with it.

        Returns:
            False when there is nothing to evaluate or an evaluation is already running.
        """
        if self.worker.session is None:
            self.show_message("Train (or open a run) before evaluating.", "warning")
            return False
        if self._evaluating:
            return False
        self._evaluating = True
        self.set_status("evaluating the generator…")
        self._update_actions()

        def done(snap: Snapshot) -> None:
            self._evaluating = False
            self.metrics_view.add_snapshot(snap, manual=True)
            self.set_status(f"evaluated at step {snap.step:,}")
            self._update_actions()
            self.evaluated.emit(snap)

        def failed(message: str, kind: str) -> None:
            self._evaluating = False
            self._on_error(message, kind)

        self.jobs.submit(self.worker.evaluate, done, failed)
        return True
