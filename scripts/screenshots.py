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

- docs/studio-translation-digits.png, docs/studio-translation-field.png: the translation
  views (`TRANSLATION_SHOTS`): an image pair's round trips and its two D histograms on
  digits2inverted, and a 2D pair's translation field (moons ⇄ ring8). They are drawn from
  synthetic snapshots (a made-up mapping, no training), so they show the views' layout, not a
  model's quality.

docs/studio-shapes.png is the conditional GAN's default shapes run (`ganstudio train --family
cgan --dataset shapes --out runs/cshapes`, ~18 minutes) opened in the studio with File → Open
run: one run too long for this script.

Usage: `python scripts/screenshots.py [--steps 1500] [--out docs] [--only NAME ...]`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

SHOTS: dict[str, tuple[str, int, list[str]]] = {
    "studio-ring8.png": ("ring8", 1500, []),
    "studio-digits.png": ("digits", 600, []),
    "studio-mixture1d.png": ("mixture1d", 1500, []),
    "studio-vae.png": ("digits", 3000, ["--family", "vae"]),
    "studio-rbm.png": ("digits", 3000, ["--family", "rbm"]),
    "studio-metrics.png": ("ring8", 3000, ["--tab", "Metrics", "--eval-every", "200"]),
    "studio-latent.png": ("digits", 600, ["--tab", "Latent explorer"]),
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


TRANSLATION_SHOTS = {"studio-translation-digits.png": "images",
                     "studio-translation-field.png": "points"}


def shoot_translation(kind: str, path: Path, size: str = "1440x900") -> int:
    """Draws the translation views from synthetic snapshots (`kind`: "images" for an image
    pair's round trips, "points" for a 2D pair's field) in a fresh process; saves the window.

    Returns:
        The exit status.
    """
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
           "XDG_CONFIG_HOME": tempfile.mkdtemp(prefix="ganstudio-shots-")}
    cmd = [sys.executable, __file__, "--translation-shot", kind, str(path), "--size", size]
    return subprocess.run(cmd, env=env, stderr=subprocess.DEVNULL).returncode


def _pair_spec():
    """The family the translation shots show: `cyclegan` where it is registered, else a
    stand-in with its panels (the views depend on the panels, not on the recipe)."""
    import dataclasses

    from ganstudio.core import families

    if "cyclegan" in families.FAMILIES:
        return families.FAMILIES["cyclegan"]
    spec = dataclasses.replace(
        families.FAMILIES["gan"], name="cyclegan", title="CycleGAN",
        needs=(families.NEEDS_PAIR,),
        panels=("samples", families.PANEL_ROUND_TRIP, families.PANEL_FIELD,
                families.PANEL_D_HIST, families.PANEL_D_HIST_A),
        loss_curves=(("d_loss", "D loss"), ("g_adv", "adversarial"), ("cycle", "cycle"),
                     ("identity", "identity")))
    families.FAMILIES["cyclegan"] = spec
    return spec


def _points_pair(cfg=None, seed: int = 0):
    """moons (A) and ring8 scaled to the moons' size (B) as a two-domain dataset (the
    registry's `moons2ring8` stands in for it where there is one)."""
    from dataclasses import replace

    from ganstudio.core.data import toy2d

    a = toy2d.moons(4000, seed=1)
    b = toy2d.ring8(4000, seed=2)
    b = replace(b, x=b.x * 1.2 + np.float32([0.5, 0.25]), name="moons2ring8:B")
    return replace(a, name="moons2ring8", domain_b=b, domain_names=("moons", "ring8"),
                   description="moons ↔ ring8 (synthetic, for the screenshot)")


def _translation_snapshots(dataset, kind: str, steps: int = 12):
    """Snapshots a translation family would send, with a made-up mapping that sharpens as
    the steps go."""
    from ganstudio.core.families import PANEL_D_HIST_A, PANEL_FIELD, PANEL_ROUND_TRIP
    from ganstudio.core.panels import Histograms, Samples, TranslationField
    from ganstudio.core.telemetry import Snapshot

    rng = np.random.default_rng(0)
    b = dataset.domain_b
    snaps = []
    for i in range(1, steps + 1):
        t = i / steps  # training progress
        step = i * 250
        scalars = {"d_loss": 0.5 - 0.2 * t + 0.02 * rng.normal(),
                   "g_adv": 0.6 - 0.25 * t + 0.02 * rng.normal(),
                   "cycle": 2.5 * (1 - t) ** 2 + 0.1, "identity": 1.2 * (1 - t) ** 2 + 0.05}
        panels = {}
        noise = 0.6 * (1 - t) + 0.05
        d_b = Histograms({"real": np.clip(rng.normal(0.6, 0.15, 256), 0, 1),
                          "fake": np.clip(rng.normal(0.6 - 0.3 * (1 - t), 0.15, 256), 0, 1)})
        d_a = Histograms({"real": np.clip(rng.normal(0.55, 0.15, 256), 0, 1),
                          "fake": np.clip(rng.normal(0.55 - 0.35 * (1 - t), 0.15, 256), 0, 1)})
        panels["d_hist"], panels[PANEL_D_HIST_A] = d_b, d_a
        if kind == "images":
            xa, xb = dataset.x[:8], b.x[:8]

            def blur(x, amount=noise):
                return np.clip(x + amount * rng.normal(0, 0.3, x.shape), 0, 1).astype(np.float32)

            g_a = blur(1 - xa)
            f_b = blur(1 - xb)
            rows = np.concatenate([xa, g_a, blur(1 - g_a, noise / 2), xb, f_b,
                                   blur(1 - f_b, noise / 2)])
            names = dataset.domain_names
            panels[PANEL_ROUND_TRIP] = Samples(
                rows, "images", row_labels=["a", "G(a)", "F(G(a))", "b", "F(b)", "G(F(b))"],
                columns=8)
            panels["samples"] = Samples(blur(1 - dataset.x[8:72]), "images",
                                        title=f"G(a): {names[0]} → {names[1]}")
        else:
            probes_a, probes_b = dataset.x[:96], b.x[:96]
            # a made-up mapping: a moon point to the ring mode at its angle around the
            # moons' centre, a ring point to the moon point nearest the same angle
            centre = np.float32([0.5, 0.25])
            angle_a = np.arctan2(*(probes_a - centre).T[::-1])
            mode = np.round(angle_a / (np.pi / 4)) * (np.pi / 4)
            a_to_b = centre + 1.2 * np.stack([np.cos(mode), np.sin(mode)], axis=1)
            moons = dataset.x[:3000]
            angle_m = np.arctan2(*(moons - centre).T[::-1])
            angle_b = np.arctan2(*(probes_b - centre).T[::-1])
            b_to_a = moons[np.abs(angle_m[None] - angle_b[:, None]).argmin(axis=1)]
            a_to_b = a_to_b + noise * rng.normal(0, 0.3, a_to_b.shape)
            b_to_a = b_to_a + noise * rng.normal(0, 0.3, b_to_a.shape)
            panels[PANEL_FIELD] = TranslationField(dataset.x[:3000], b.x[:3000], probes_a,
                                                   a_to_b.astype(np.float32), probes_b,
                                                   b_to_a.astype(np.float32),
                                                   names=dataset.domain_names)
        snaps.append(Snapshot(step=step, elapsed=step / 40.0, steps_per_sec=40.0,
                              scalars=scalars, panels=panels,
                              event="final" if i == steps else "tick"))
    return snaps


def _draw_translation_shot(kind: str, path: str, size: str) -> int:
    """In this process: a window on a two-domain dataset, fed the synthetic snapshots."""
    import time

    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    from ganstudio.ui import theme

    app = QApplication(sys.argv[:1])
    theme.apply_theme(app)
    from ganstudio.ui.main_window import MainWindow

    spec = _pair_spec()
    from ganstudio.core.data import registry

    if "moons2ring8" not in registry.BUILTINS:
        registry.BUILTINS["moons2ring8"] = registry.DatasetEntry(
            "moons2ring8", "points", "two domains: moons ↔ ring8 (a stand-in)", False,
            _points_pair)
    window = MainWindow(initial_dataset="digits2inverted" if kind == "images" else "moons2ring8",
                        param_counter=None)
    width, height = (int(v) for v in size.split("x"))
    window.resize(width, height)
    window.show()

    def wait(done, seconds: float) -> None:
        start = time.time()
        while not done() and time.time() - start < seconds:
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)

    wait(lambda: window.dataset is not None and window._loading is None, 60)
    dataset = window.dataset
    window.setup.family.setCurrentIndex(window.setup.family.findData(spec.name))
    window.clear_views()
    window.show_family_views(spec.name)
    for snap in _translation_snapshots(dataset, kind):
        window._on_snapshot(snap)
        window.refresh_views(force=True)
        app.processEvents()
    wait(lambda: False, 0.5)
    window.grab().save(path)
    window.shutdown()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description="Make the README screenshots.")
    parser.add_argument("--out", default="docs", help="output folder (default: docs)")
    parser.add_argument("--steps", type=int, default=None,
                        help="training steps for every shot (default: per shot)")
    parser.add_argument("--only", nargs="*", default=None, metavar="NAME",
                        help="make only these shots (e.g. studio-metrics.png)")
    parser.add_argument("--translation-shot", nargs=2, default=None, metavar=("KIND", "FILE"),
                        help=argparse.SUPPRESS)  # the translation shots' own process
    parser.add_argument("--size", default="1440x900", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.translation_shot:
        return _draw_translation_shot(*args.translation_shot, args.size)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    status = 0
    for name, (dataset, steps, extra) in SHOTS.items():
        if args.only and name not in args.only:
            continue
        code = shoot(dataset, args.steps or steps, out / name, extra=extra)
        print(f"{out / name}: {'ok' if code == 0 else f'failed ({code})'}")
        status = status or code
    for name, kind in TRANSLATION_SHOTS.items():
        if args.only and name not in args.only:
            continue
        code = shoot_translation(kind, out / name)
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
