"""Makes the README screenshots of the studio (offscreen) into docs/.

Runs `python -m ganstudio gui --demo-steps N --screenshot FILE` once per view, each with a
fresh settings folder, so the user's settings are neither used nor changed:

- docs/studio-ring8.png: the 2D GAN-Lab view on ring8 (decision surface, points, G's push);
- docs/studio-digits.png: the image view on digits;
- docs/studio-mixture1d.png: the 1D view on mixture1d (densities, D(x) against D*(x));
- docs/studio-vae.png: the VAE on digits (reconstructions, the latent space, the loss terms);
- docs/studio-rbm.png: the RBM on digits (Gibbs samples, chain, filters, free energies);
- docs/studio-metrics.png: the Metrics tab on ring8 (theory strip, quality curves, stop rule);
- docs/studio-latent.png: the latent explorer on digits.

- docs/lab-<name>.png: the Theory lab tab after running each lab (`LAB_SHOTS`); a lab that
  records an animation (dstar, jsd-vs-w, gan-vs-wgan) is shown at its middle frame.

- docs/studio-translation-digits.png: CycleGAN on digits2inverted (G(a), the round trips, a
  D histogram per domain);
- docs/studio-translation-field.png: CycleGAN on spiral2moons (the translation field: an arrow
  from each fixed point to its translation, both ways).

docs/studio-shapes.png is the conditional GAN's default shapes run (`ganstudio train --family
cgan --dataset shapes --out runs/cshapes`, ~18 minutes) opened in the studio with File → Open
run: one run too long for this script. docs/studio-stackgan.png likewise is StackGAN's default
run (`ganstudio train --family stackgan --dataset shapes --image-size 64 --out runs/stack`, ~24
minutes) opened the same way.

Usage: `python scripts/screenshots.py [--steps 1500] [--out docs] [--only NAME ...]`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

SHOTS: dict[str, tuple[str, int, list[str]]] = {
    "studio-ring8.png": ("ring8", 1500, []),
    "studio-digits.png": ("digits", 600, []),
    "studio-mixture1d.png": ("mixture1d", 1500, []),
    "studio-vae.png": ("digits", 3000, ["--family", "vae"]),
    "studio-rbm.png": ("digits", 3000, ["--family", "rbm"]),
    "studio-metrics.png": ("ring8", 3000, ["--tab", "Metrics", "--eval-every", "200"]),
    "studio-latent.png": ("digits", 600, ["--tab", "Latent explorer"]),
    "studio-translation-digits.png": ("digits2inverted", 3000, ["--family", "cyclegan"]),
    "studio-translation-field.png": ("spiral2moons", 3000, ["--family", "cyclegan"]),
}


def shoot(dataset: str, steps: int, path: Path, size: str = "1440x900",
          extra: list[str] | None = None) -> int:
    """Runs the studio on `dataset` for `steps` steps and saves the window to `path`.

    Returns:
        The studio's exit status.
    """
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
           "XDG_CONFIG_HOME": tempfile.mkdtemp(prefix="ganstudio-shots-")}
    cmd = [sys.executable, "-m", "ganstudio.ui.app", "--dataset", dataset, "--demo-steps",
           str(steps), "--screenshot", str(path), "--size", size, *(extra or [])]
    return subprocess.run(cmd, env=env, stderr=subprocess.DEVNULL).returncode


LAB_SHOTS = ("dstar", "jsd-vs-w", "gan-vs-wgan", "g-losses", "mle-vs-gan")

_LAB_PROGRAM = """
import sys, time
from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QApplication
from ganstudio.ui import theme
app = QApplication(sys.argv[:1])
theme.apply_theme(app)
from ganstudio.ui.main_window import MainWindow
name, path, width, height = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
window = MainWindow(initial_dataset="ring8")
window.resize(width, height)
window.show()
def wait(done, seconds):
    start = time.time()
    while not done() and time.time() - start < seconds:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
wait(lambda: window.dataset is not None and window._loading is None, 60)
window.tabs.setCurrentWidget(window.lab_view)
labs = window.lab_view.labs
labs.setCurrentRow([labs.item(i).data(256) for i in range(labs.count())].index(name))
window.run_lab(name)
wait(lambda: not window.lab_running, 600)
view = window.lab_view
if view.animation is not None:  # the animation at its middle frame
    view.frame_slider.setValue(view.frame_slider.maximum() // 2)
wait(lambda: False, 0.5)
window.grab().save(path)
window.shutdown()
sys.exit(0 if window.lab_view.result is not None else 1)
"""


def shoot_lab(name: str, path: Path, size: str = "1440x900") -> int:
    """Runs one theory lab in the studio's Theory lab tab and saves the window to `path`.

    Returns:
        The exit status (1 when the lab gave no result).
    """
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
           "XDG_CONFIG_HOME": tempfile.mkdtemp(prefix="ganstudio-shots-")}
    width, height = size.split("x")
    cmd = [sys.executable, "-c", _LAB_PROGRAM, name, str(path), width, height]
    return subprocess.run(cmd, env=env, stderr=subprocess.DEVNULL).returncode


def main() -> int:
    parser = argparse.ArgumentParser(description="Make the README screenshots.")
    parser.add_argument("--out", default="docs", help="output folder (default: docs)")
    parser.add_argument("--steps", type=int, default=None,
                        help="training steps for every shot (default: per shot)")
    parser.add_argument("--only", nargs="*", default=None, metavar="NAME",
                        help="make only these shots (e.g. studio-metrics.png)")
    parser.add_argument("--size", default="1440x900", help=argparse.SUPPRESS)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    status = 0
    for name, (dataset, steps, extra) in SHOTS.items():
        if args.only and name not in args.only:
            continue
        code = shoot(dataset, args.steps or steps, out / name, extra=extra)
        print(f"{out / name}: {'ok' if code == 0 else f'failed ({code})'}")
        status = status or code
    for lab in LAB_SHOTS:
        name = f"lab-{lab}.png"
        if args.only and name not in args.only:
            continue
        code = shoot_lab(lab, out / name)
        print(f"{out / name}: {'ok' if code == 0 else f'failed ({code})'}")
        status = status or code
    return status


if __name__ == "__main__":
    sys.exit(main())
