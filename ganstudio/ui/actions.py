"""The window's menus, toolbar and keyboard shortcuts, and which of them are enabled.

Every command is a `QAction`: its menu entry, shortcut and tooltip are made in one place, and
the toolbar's buttons show the same actions. `_update_actions` enables what makes sense in the
current state (loading, idle, training, paused, a session to continue, save or export) and is
called whenever that state changes.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QPushButton, QSizePolicy, QToolButton, QWidget

__all__ = ["WindowActions"]


class WindowActions:
    """The menus, toolbar and shortcuts of `MainWindow`, and their enabled state (a mixin).

    The actions call the window's commands (`start_training`, `toggle_pause`, `step`,
    `open_run_dialog`, ...); `_update_actions` reads its `worker`, `dataset`, `latest`,
    `samples` and `setup`.

    Attributes made by `_build_actions`: one `*_action` per command (`start_action`,
    `pause_action`, `step_action`, `step_d_action`, `step_g_action`, `stop_action`,
    `reset_action`, `open_file_action`, `open_folder_action`, `open_model_action`,
    `open_run_action`, `open_kept_action`, `save_run_action`, `export_action`,
    `save_png_action`, `quit_action`),
    the toolbar's `start_button`, `pause_button`, `step_button`, `step_d_button`,
    `step_g_button`, `stop_button`, `reset_button`, `export_button`, and `state_label`.
    """

    def _build_actions(self) -> None:
        def action(text: str, slot: Callable, shortcut: str | QKeySequence | None = None,
                   tip: str = "") -> QAction:
            act = QAction(text, self)
            if shortcut:
                act.setShortcut(QKeySequence(shortcut))
            act.setToolTip(f"{tip or text} ({QKeySequence(shortcut).toString()})" if shortcut
                           else (tip or text))
            # triggered(checked) would hand `checked` to a slot's first optional argument
            act.triggered.connect(lambda _checked=False, slot=slot: slot())
            self.addAction(act)
            return act

        self.start_action = action("Start", self.start_training, "F5",
                                   "Train with the settings on the left")
        # Ctrl+Return too (as the README has always said), also while a field has the focus
        self.start_action.setShortcuts([QKeySequence("F5"), QKeySequence("Ctrl+Return")])
        self.pause_action = action("Pause", self.toggle_pause, "F6", "Pause or resume training")
        self.step_action = action("Step", lambda: self.step("both"), "F10",
                                  "One step of D and G (while paused)")
        self.step_d_action = action("Step D only", lambda: self.step("d"), "Ctrl+D",
                                    "One discriminator update (while paused)")
        self.step_g_action = action("Step G only", lambda: self.step("g"), "Ctrl+G",
                                    "One generator update (while paused)")
        self.stop_action = action("Stop", self.stop_training, "Shift+F5",
                                  "Stop after the current step (weights are kept)")
        self.reset_action = action("Reset", self.reset, "Ctrl+R",
                                   "Forget the trained networks and clear the views")
        self.open_file_action = action("Open data file…", self.open_data_file, "Ctrl+O")
        self.open_folder_action = action("Open data folder…", self.open_data_folder,
                                         "Ctrl+Shift+O")
        self.open_model_action = action("Open model…", self.open_model_dialog, "Ctrl+M",
                                        "Open an exported generator in the latent explorer")
        self.open_run_action = action("Open run…", self.open_run_dialog, "Ctrl+Shift+R",
                                      "Open a saved run folder to look at or continue")
        self.open_kept_action = action("Open kept run…", self.open_kept_run_dialog, None,
                                       "Open networks kept after a crash or an unattended "
                                       "close")
        self.save_run_action = action("Save run…", self.save_run_dialog, "Ctrl+S",
                                      "Save config, checkpoint, history and generator to a folder")
        self.export_action = action("Export generator…", self.export_dialog, "Ctrl+E",
                                    "Export the generator as a TensorFlow SavedModel")
        self.save_png_action = action("Save samples as PNG…", self.save_png_dialog,
                                      "Ctrl+Shift+S")
        self.quit_action = action("Quit", self.close, QKeySequence.StandardKey.Quit)

        menu = self.menuBar().addMenu("&File")
        for act in (self.open_file_action, self.open_folder_action, None, self.open_run_action,
                    self.open_kept_action, self.save_run_action, None, self.open_model_action,
                    self.export_action, self.save_png_action, None, self.quit_action):
            menu.addSeparator() if act is None else menu.addAction(act)
        train = self.menuBar().addMenu("&Training")
        for act in (self.start_action, self.pause_action, self.step_action, self.step_d_action,
                    self.step_g_action, self.stop_action, None, self.reset_action):
            train.addSeparator() if act is None else train.addAction(act)
        view = self.menuBar().addMenu("&View")
        view.addAction(action("Training views", lambda: self.tabs.setCurrentIndex(0), "Ctrl+1"))
        view.addAction(action("Latent explorer", self._show_explorer_tab, "Ctrl+2"))
        view.addAction(action("Metrics", lambda: self.tabs.setCurrentWidget(self.metrics_page),
                              "Ctrl+3"))

        tb = self.addToolBar("Controls")
        tb.setObjectName("controls")
        tb.setMovable(False)
        self.start_button = QPushButton("▶  Start")
        self.start_button.setObjectName("primary")
        self.start_button.setToolTip(self.start_action.toolTip())
        # not connected directly: clicked(checked) would pass False as start_training's cfg
        self.start_button.clicked.connect(lambda: self.start_training())
        tb.addWidget(self.start_button)
        self.pause_button = QPushButton("⏸  Pause")
        self.pause_button.setToolTip(self.pause_action.toolTip())
        self.pause_button.clicked.connect(self.toggle_pause)
        tb.addWidget(self.pause_button)
        self.step_button = QToolButton()
        self.step_button.setDefaultAction(self.step_action)
        self.step_button.setText("⏭  Step")
        tb.addWidget(self.step_button)
        self.step_d_button = QToolButton()
        self.step_d_button.setDefaultAction(self.step_d_action)
        tb.addWidget(self.step_d_button)
        self.step_g_button = QToolButton()
        self.step_g_button.setDefaultAction(self.step_g_action)
        tb.addWidget(self.step_g_button)
        self.stop_button = QPushButton("■  Stop")
        self.stop_button.setToolTip(self.stop_action.toolTip())
        self.stop_button.clicked.connect(self.stop_training)
        tb.addWidget(self.stop_button)
        self.reset_button = QPushButton("↺  Reset")
        self.reset_button.setToolTip(self.reset_action.toolTip())
        self.reset_button.clicked.connect(self.reset)
        tb.addWidget(self.reset_button)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        tb.addWidget(spacer)
        self.state_label = QLabel("idle")
        self.state_label.setObjectName("caption")
        tb.addWidget(self.state_label)
        for act in (self.save_png_action, self.save_run_action, self.export_action):
            button = QToolButton()
            button.setDefaultAction(act)
            tb.addWidget(button)
        self.export_button = tb.widgetForAction(self.export_action)

    def _update_actions(self) -> None:
        busy = self.worker.busy
        paused = self.worker.paused
        has_session = self.worker.session is not None
        self.start_action.setEnabled(not busy and self.dataset is not None
                                     and self._loading is None)
        self.pause_action.setEnabled(busy)
        self.pause_action.setText("Resume" if paused else "Pause")
        modes = getattr(self, "step_modes", ("d", "g"))  # the family's single-player steps
        self.step_action.setEnabled(busy and paused)
        self.step_d_action.setEnabled(busy and paused and "d" in modes)
        self.step_g_action.setEnabled(busy and paused and "g" in modes)
        self.stop_action.setEnabled(busy)
        self.reset_action.setEnabled(busy or has_session or self.latest is not None)
        self.export_action.setEnabled(has_session)
        self.save_run_action.setEnabled(has_session)
        self.save_png_action.setEnabled(self.samples.shown_frame is not None)
        for act in (self.open_file_action, self.open_folder_action, self.open_run_action,
                    self.open_kept_action):
            act.setEnabled(not busy)
        self.start_button.setEnabled(self.start_action.isEnabled())
        self.start_button.setText("▶  Continue" if has_session and not busy else "▶  Start")
        self.pause_button.setEnabled(self.pause_action.isEnabled())
        self.pause_button.setText("▶  Resume" if paused else "⏸  Pause")
        self.stop_button.setEnabled(busy)
        self.reset_button.setEnabled(self.reset_action.isEnabled())
        self.metrics_view.set_can_evaluate(has_session and not self._evaluating)
        self.setup.set_running(busy)
        if busy:
            state = "paused" if paused else "training"
        else:
            state = "stopped" if has_session else "idle"
        self.state_label.setText(state)
