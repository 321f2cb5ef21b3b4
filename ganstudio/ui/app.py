"""Start the studio: `ganstudio`, `ganstudio gui`, or `python -m ganstudio.ui.app`.

The window appears before TensorFlow is imported (the worker imports it in its own thread when
training starts). Without a display it says so in one line, names the headless command and
returns 2; on X11 without a library Qt needs, it names all the missing ones and the command
that installs them, and returns 2.

Options:
    PATH ...              data files, a folder, a run or an exported model to open
    --dataset NAME        a built-in dataset name or a path to load first
    --demo-steps N        train N steps on the current choice, then exit
    --screenshot FILE     with --demo-steps: save a screenshot of the window before exiting
    --tab NAME            with --demo-steps: show this tab (e.g. Metrics) before the screenshot
    --eval-every N        with --demo-steps: evaluate the quality metrics every N steps
    --family NAME         the model family to show (gan, cgan; `ganstudio families` lists them)
    --set S.F=VALUE       any setting, e.g. --set cgan.d_design=separate (repeatable)
    --exit-after-show     print the seconds from launch to the window on screen, then exit
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from ganstudio.config import RunConfig
from ganstudio.errors import GanStudioError
from ganstudio.system_libs import gui_blocker

_T0 = time.perf_counter()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parses the studio's command line (see the module docstring).

    A mistake (an unknown option, a bad `--family` or `--set`) prints one line and exits 2,
    as in the CLI.
    """
    from ganstudio.cli import EXIT_USER_ERROR, OneLineParser
    from ganstudio.core.families import family_names

    parser = OneLineParser(prog="ganstudio gui", description="Open the GAN Studio window.")
    parser.add_argument("paths", nargs="*", default=[],
                        help="data files or a folder to open (as dropping them on the window)")
    parser.add_argument("--dataset", default=None,
                        help="built-in dataset name or a path to load first")
    parser.add_argument("--demo-steps", type=int, default=None, metavar="N",
                        help="train N steps on the current choice, then exit")
    parser.add_argument("--screenshot", default=None, metavar="FILE",
                        help="with --demo-steps: save a screenshot of the window, then exit")
    parser.add_argument("--exit-after-show", action="store_true",
                        help="print the launch-to-window time in seconds and exit")
    parser.add_argument("--size", default=None, metavar="WxH",
                        help="window size, e.g. 1440x900 (for screenshots)")
    parser.add_argument("--tab", default=None, metavar="NAME",
                        help="with --demo-steps: the tab to show (Training, Metrics, ...)")
    parser.add_argument("--eval-every", type=int, default=None, metavar="N",
                        help="with --demo-steps: evaluate the quality metrics every N steps")
    parser.add_argument("--family", choices=family_names(), default=None,
                        help="the model family to show (default: the last one used)")
    parser.add_argument("--set", dest="settings", action="append", default=[],
                        metavar="SECTION.FIELD=VALUE",
                        help="any setting, e.g. --set cgan.d_design=separate (repeatable)")
    args = parser.parse_args(argv)
    if args.demo_steps is not None and args.demo_steps < 1:
        parser.error("--demo-steps must be at least 1")
    try:
        apply_overrides(RunConfig(), args.family, args.settings)
    except GanStudioError as exc:
        parser.exit(EXIT_USER_ERROR, f"ganstudio: error: {exc}\n")
    if args.screenshot and args.demo_steps is None:
        args.demo_steps = 200
    return args


def apply_overrides(cfg: RunConfig, family: str | None, settings: list[str]) -> RunConfig:
    """Applies `--family` and the `--set` assignments to a config.

    Args:
        cfg: The config to start from.
        family: A model family name, or None to keep the config's.
        settings: `section.field=value` assignments, applied in order.

    Returns:
        The changed, validated config.

    Raises:
        ConfigError: for an unknown family, section or field, or a bad value.
    """
    if family is not None:
        cfg = cfg.switch_family(family)
    for assignment in settings:
        cfg = cfg.with_setting(assignment)
    return cfg


def main(argv: list[str] | None = None) -> int:
    """Runs the studio until its window closes.

    Args:
        argv: Arguments after `ganstudio gui` (default: `sys.argv[1:]`).

    Returns:
        The exit status: 0, or 2 without a display or when a demo run failed.
    """
    args = parse_args(sys.argv[1:] if argv is None else argv)
    blocker = gui_blocker()  # Qt would abort, naming only the first missing library
    if blocker is not None:
        print(blocker, file=sys.stderr)
        return 2

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from ganstudio.ui import theme
    from ganstudio.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName("GANStudio")
    app.setApplicationName("GANStudio")
    app.setApplicationDisplayName("GAN Studio")
    app.setDesktopFileName("ganstudio")  # Wayland matches the launcher by this name
    theme.apply_theme(app)
    initial = args.dataset
    if args.family or args.settings:
        shown = _remember_overrides(args.family, args.settings)
        if initial is None and any(s.partition("=")[0].strip() == "data.name"
                                   for s in args.settings):
            initial = shown.data.name
    window = MainWindow(initial_dataset=initial)
    if args.paths:
        QTimer.singleShot(0, lambda: window.open_paths([os.path.abspath(p) for p in args.paths]))
    if args.size:
        try:
            w, h = (int(v) for v in args.size.lower().split("x"))
            window.resize(w, h)
        except ValueError:
            print(f"ganstudio: --size {args.size!r} is not WxH; ignored", file=sys.stderr)
    window.show()
    _close_on_signals(window)
    status = {"code": 0}

    if args.exit_after_show:
        def shown() -> None:
            print(f"window shown after {time.perf_counter() - _T0:.3f} s", flush=True)
            window.close()

        QTimer.singleShot(0, shown)
    elif args.demo_steps is not None:
        _run_demo(window, args.demo_steps, args.screenshot, status, args.tab, args.eval_every)

    app.exec()
    window.shutdown()
    return status["code"]


def _close_on_signals(window) -> None:
    """SIGTERM, SIGINT and SIGHUP (a logout, Ctrl+C in the terminal, a closed terminal) close
    the window as its close button does: settings saved, training stopped after its step,
    threads joined. Without this they killed the process on the spot. They do not ask about
    networks that are not saved, as the close button does (nobody may be there to answer):
    those are saved to a new folder, which the next start offers to open.

    Python runs a signal handler only between bytecodes, and Qt's event loop runs in C++, so a
    timer gives the interpreter a turn four times a second.
    """
    import signal

    from PySide6.QtCore import QTimer

    def close(signum: int, frame: object) -> None:
        QTimer.singleShot(0, window.close_unattended)

    for name in ("SIGTERM", "SIGINT", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), close)
    wake = QTimer(window)
    wake.timeout.connect(lambda: None)
    wake.start(250)


def _remember_overrides(family: str | None, settings: list[str]) -> RunConfig:
    """Applies `--family` and `--set` on top of the settings the studio remembers, and stores
    the result where the window reads its last settings, so that the first dataset already
    loads with them (as if the user had picked them last time).

    Returns:
        The config the window will show.
    """
    import json

    from ganstudio.ui.window_settings import default_settings

    store = default_settings()
    try:
        remembered = RunConfig.from_dict(json.loads(str(store.value("run/config") or "{}")))
    except (GanStudioError, ValueError, TypeError):  # damaged or stale: start afresh
        remembered = RunConfig()
    try:
        cfg = apply_overrides(remembered, family, settings)
    except GanStudioError:  # clashes with a remembered setting: on the defaults (checked)
        cfg = apply_overrides(RunConfig(), family, settings)
    store.setValue("run/config", cfg.to_json())
    store.sync()
    return cfg


def _run_demo(window, steps: int, screenshot: str | None, status: dict, tab: str | None = None,
              eval_every: int | None = None) -> None:
    """Trains `steps` steps once the data is loaded, saves a screenshot, closes the window."""
    from PySide6.QtCore import QTimer

    if tab:
        titles = [window.tabs.tabText(i).lower() for i in range(window.tabs.count())]
        if tab.lower() in titles:
            window.tabs.setCurrentIndex(titles.index(tab.lower()))
        else:
            print(f"ganstudio: no tab {tab!r} (tabs: {', '.join(titles)}); ignored",
                  file=sys.stderr)

    def start() -> None:
        window.setup.steps.setValue(steps)
        if eval_every is not None:
            window.setup.eval_every.setValue(eval_every)
        if not window.start_training():
            print(f"ganstudio: could not start: {window.banner.text()}", file=sys.stderr)
            status["code"] = 2
            window.close_unattended(keep_unsaved=False)

    def finished(info: dict) -> None:
        if not info.get("ok"):
            print(f"ganstudio: the demo run failed: {window.banner.text()}", file=sys.stderr)
            status["code"] = 2
        QTimer.singleShot(300, shoot)

    def shoot() -> None:
        window.refresh_views(force=True)
        if screenshot:
            window.grab().save(screenshot)
            print(f"screenshot saved to {screenshot}", flush=True)
        window.close_unattended(keep_unsaved=False)

    window.training_finished.connect(finished)
    if window.dataset is not None and window._loading is None:
        QTimer.singleShot(0, start)
    else:
        window.dataset_loaded.connect(lambda _ds: QTimer.singleShot(0, start)
                                      if not window.worker.busy else None)


if __name__ == "__main__":
    sys.exit(main())
