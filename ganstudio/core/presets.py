"""Named presets: sets of settings measured to reach a goal, applied on top of a family's defaults.

No TensorFlow and no Qt here: the CLI (`--preset`) and the studio read the same table.

Example:

```python
cfg = apply_preset(RunConfig.for_family("gan"), "fast-best")
```
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ganstudio.config import suggest
from ganstudio.errors import ConfigError


@dataclass(frozen=True)
class Preset:
    """A named set of settings.

    Args:
        name: What `--preset` takes.
        title: A few words for menus.
        description: What it is for and what it reached, measured (one or two sentences).
        changes: The settings it sets, `{"section": {"field": value}}`.
        families: The families it applies to.
        kinds: The data kinds it was measured on (`points`, `images`); another kind is
            refused with a message.
    """

    name: str
    title: str
    description: str
    changes: dict[str, dict[str, Any]]
    families: tuple[str, ...] = ("gan",)
    kinds: tuple[str, ...] = ("points",)

    def settings_text(self) -> str:
        """`"objective.name=minimax, net.latent_dim=2, ..."`: what it sets, for listings."""
        return ", ".join(f"{section}.{name}={value}"
                         for section, values in self.changes.items()
                         for name, value in values.items())


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in [
        Preset(
            "fast-best", "Best in a minute (2D points)",
            "The best 2D mixture quality in about a minute of CPU: the saturating (minimax) "
            "loss, a 2-D latent (thinner trails between modes), learning rates falling "
            "linearly to 1%, 8 steps per compiled call, 8,000 steps. Measured on the 2-core "
            "CPU, 5 seeds: ring8 98.2% high quality (8/8 modes) in 70 s; grid25 92.5% (25/25) "
            "in 70 s.",
            {"objective": {"name": "minimax", "lr_decay": "linear"},
             "net": {"latent_dim": 2},
             "train": {"steps": 8000, "steps_per_execution": 8}},
        ),
    ]
}


def preset_names() -> tuple[str, ...]:
    """The preset names, in listing order."""
    return tuple(PRESETS)


def get_preset(name: str) -> Preset:
    """Returns a preset by name.

    Raises:
        ConfigError: for an unknown name, with the closest match.
    """
    preset = PRESETS.get(str(name).strip())
    if preset is None:
        hint = suggest(str(name), list(PRESETS))
        raise ConfigError(f"preset: {name!r} is not a preset; presets are "
                          f"{', '.join(PRESETS)}.{hint}")
    return preset


def apply_preset(config: Any, name: str, data_kind: str | None = None,
                 data_name: str | None = None) -> Any:
    """Returns `config` with a preset's settings.

    Args:
        config: A `RunConfig`.
        name: The preset's name.
        data_kind: The data's kind when known (`points`, `images`), checked against the
            kinds the preset was measured on.
        data_name: The data's name, for the message (default: `config.data.name`).

    Raises:
        ConfigError: for an unknown preset, or one made for other families or data.
    """
    preset = get_preset(name)
    if config.family not in preset.families:
        raise ConfigError(f"preset {preset.name} is for family {' or '.join(preset.families)}, "
                          f"not {config.family}.", hint="Drop --preset, or pick that family.")
    if data_kind is not None and data_kind not in preset.kinds:
        raise ConfigError(f"preset {preset.name} was made for {' or '.join(preset.kinds)}; "
                          f"{data_name or config.data.name!r} is {data_kind}.",
                          hint="Drop --preset for this data.")
    return config.with_changes(**preset.changes)
