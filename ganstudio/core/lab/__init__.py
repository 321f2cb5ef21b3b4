"""The theory lab: the seeds' arguments as experiments that run in seconds on 1D data.

Each lab is a module of this package with a `run(seed, status) -> dict` function returning
JSON-ready numbers (and the arrays a view draws, as lists); `ganstudio lab NAME --json FILE`
writes them. `LABS` names each lab with its two-line caption: what to look at, and the seed's
formula.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ganstudio.errors import ConfigError

__all__ = ["LABS", "Lab", "lab_names", "run_lab"]


@dataclass(frozen=True)
class Lab:
    """One experiment: its module (under `ganstudio.core.lab`) and its caption."""

    module: str
    title: str
    caption: str


LABS: dict[str, Lab] = {
    "dstar": Lab(
        "dstar", "The optimal discriminator",
        "D trained against a frozen G approaches D*(x) = p_data(x) / (p_data(x) + p_G(x)); "
        "released, G moves until D(x) = ½ everywhere (max_D V = −2 log 2 + 2 JSD)."),
    "jsd-vs-w": Lab(
        "jsd_vs_w", "JS divergence against the earth mover's distance",
        "For disjoint supports the JSD is log 2 at every distance θ, so it gives G no slope; "
        "the Wasserstein distance W = |θ| keeps shrinking as P_G comes closer."),
    "gan-vs-wgan": Lab(
        "gan_vs_wgan", "The GAN against the WGAN",
        "From a G disjoint from the data, the GAN's D saturates; WGAN's four changes (linear "
        "output, difference of means, clipping or penalty, G loss −E[f(G(z))]) keep a slope."),
    "g-losses": Lab(
        "g_losses", "G's two losses",
        "While D rejects the fakes (D(G(z)) near 0), log(1 − D) is flat: its slope in D's logit "
        "is −D; −log D has slope −(1 − D), nearly the largest it can be, so G still learns."),
    "mle-vs-gan": Lab(
        "mle_vs_gan", "Maximum likelihood against the GAN",
        "Within a family (a Gaussian, a 2-mixture) maximum likelihood has the lowest "
        "KL(P_data‖P) and covers every mode; a GAN in the same family seeks modes: compare "
        "KL(P_data‖P), KL(P‖P_data) and JSD."),
}


def lab_names() -> list[str]:
    """The labs, in the order they are listed."""
    return list(LABS)


def run_lab(name: str, seed: int = 0, status: Callable[[str], Any] | None = None
            ) -> dict[str, Any]:
    """Runs one lab and returns its numbers (JSON-ready), with its name and caption.

    Args:
        name: A key of `LABS`.
        seed: Seeds data, networks and sampling.
        status: Receives one-line progress messages.

    Returns:
        The lab's own keys, with `lab`, `title`, `caption`, `seed` and `wall_seconds` (the
        whole run, imports included).

    Raises:
        ConfigError: for an unknown lab name.
    """
    if name not in LABS:
        raise ConfigError(f"unknown lab {name!r}.", f"Labs: {', '.join(LABS)}.")
    lab = LABS[name]
    started = time.perf_counter()
    module = importlib.import_module(f"ganstudio.core.lab.{lab.module}")
    result = module.run(seed=seed, status=status or (lambda text: None))
    return {"lab": name, "title": lab.title, "caption": lab.caption, "seed": seed, **result,
            "wall_seconds": round(time.perf_counter() - started, 2)}
