"""What every dataset is: numpy arrays in their own units, plus what is known about them."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

POINTS = "points"
IMAGES = "images"


@dataclass(frozen=True)
class SkippedFile:
    """One input file that could not be used, and why (shown to the user as is)."""

    path: str
    reason: str


@dataclass
class LoadReport:
    """What a load of user files found: the validation report shown in the CLI and the studio.

    Args:
        source: The path the user gave.
        files_read: How many files became examples.
        skipped: Each file left out, with the reason.
        classes: Class names found (subfolder names), in label order.
        sizes: The most common original sizes seen, `"WxH": count`.
        caption_issues: Problems with the captions (a caption file that is not UTF-8, a line
            naming a file that does not exist, an empty caption, images left without one),
            each a sentence shown to the user as is.
    """

    source: str
    files_read: int = 0
    skipped: list[SkippedFile] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)
    sizes: dict[str, int] = field(default_factory=dict)
    caption_issues: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """Returns a one-paragraph, human-readable summary."""
        parts = [f"{self.files_read} read"]
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped")
        if self.classes:
            parts.append(f"{len(self.classes)} classes ({', '.join(self.classes[:8])}"
                         + (", ..." if len(self.classes) > 8 else "") + ")")
        if self.caption_issues:
            plural = "" if len(self.caption_issues) == 1 else "s"
            parts.append(f"{len(self.caption_issues)} caption issue{plural}")
        text = f"{self.source}: " + ", ".join(parts) + "."
        for item in self.skipped[:20]:
            text += f"\n  skipped {item.path}: {item.reason}"
        if len(self.skipped) > 20:
            text += f"\n  ... and {len(self.skipped) - 20} more skipped"
        for issue in self.caption_issues[:20]:
            text += f"\n  captions: {issue}"
        if len(self.caption_issues) > 20:
            text += f"\n  ... and {len(self.caption_issues) - 20} more caption issues"
        return text

    def to_dict(self) -> dict:
        """Returns the report as JSON-friendly dicts."""
        return {
            "source": self.source,
            "files_read": self.files_read,
            "skipped": [{"path": s.path, "reason": s.reason} for s in self.skipped],
            "classes": list(self.classes),
            "sizes": dict(self.sizes),
            "caption_issues": list(self.caption_issues),
        }


@dataclass
class Dataset:
    """A loaded dataset, in its own units.

    Args:
        name: Registry name or the user's path.
        kind: `"points"` (x is [N, D] float32 in original coordinates) or `"images"` (x is
            [N, H, W, C] float32 in [0, 1]).
        x: The examples.
        y: Integer labels [N] where the data has them, else `None`.
        class_names: Label names, index = label.
        modes: For mixture-of-Gaussians toys: the mode centers [M, D].
        sigma: For mixture toys: the standard deviation of each mode.
        report: For user files: what was read and skipped.
        description: One line for listings.
        captions: One caption per example, where the data has them, else `None`.
        attributes: Per-attribute integer value indices, each [N] (for `shapes`: `"shape"`,
            `"colour"`, `"size"`, `"position"`), else `None`.
        attribute_names: The value names of each attribute in `attributes`, index = value.
        density: For synthetic 1D data: the exact distribution (a `toy1d.Dist1D`, with
            `pdf(x)`), which the 1D views draw and use for the optimal discriminator D*.
        domain_b: For two-domain (unpaired translation) data: the second domain, a `Dataset`
            of its own (its own examples, labels and kind); this dataset is domain A. The two
            are never paired in training.
        domain_names: For two-domain data: the names of domains A and B, for views and the
            export's metadata (`("digits", "inverted digits")`).
        truth: For two-domain data whose true mapping is known: aligned examples of both
            domains (a `pairs.PairTruth`), for the metrics only; never trained on.
    """

    name: str
    kind: str
    x: np.ndarray
    y: np.ndarray | None = None
    class_names: list[str] | None = None
    modes: np.ndarray | None = None
    sigma: float | None = None
    report: LoadReport | None = None
    description: str = ""
    captions: list[str] | None = None
    attributes: dict[str, np.ndarray] | None = None
    attribute_names: dict[str, list[str]] | None = None
    density: Any = None
    domain_b: Dataset | None = None
    domain_names: tuple[str, str] | None = None
    truth: Any = None

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of one example."""
        return tuple(int(s) for s in self.x.shape[1:])

    def __len__(self) -> int:
        return int(self.x.shape[0])

    @property
    def num_classes(self) -> int:
        """Number of classes (0 without labels)."""
        if self.y is None:
            return 0
        if self.class_names:
            return len(self.class_names)
        return int(self.y.max()) + 1 if len(self.y) else 0

    @property
    def value_range(self) -> tuple[float, float]:
        """The range of values: (0, 1) for images; per-dataset min/max for points."""
        if self.kind == IMAGES:
            return (0.0, 1.0)
        return (float(self.x.min()), float(self.x.max()))

    def take(self, index: np.ndarray | slice) -> Dataset:
        """Returns the examples at `index`, with their labels, captions and attributes.

        Args:
            index: A slice, integer indices or a boolean mask over the examples.

        Returns:
            A new `Dataset` (same name, kind, class names, report and description) whose
            `x`, `y`, `captions` and `attributes` are cut alike, so they stay aligned. For
            two-domain data the index cuts domain A only (`domain_b` is kept as is: the
            domains are unpaired).
        """
        captions = None
        if self.captions is not None:
            captions = np.asarray(self.captions, dtype=object)[index].tolist()
        attributes = None
        if self.attributes is not None:
            attributes = {k: np.asarray(v)[index] for k, v in self.attributes.items()}
        return replace(
            self,
            x=self.x[index],
            y=None if self.y is None else self.y[index],
            captions=captions,
            attributes=attributes,
        )

    def report_summary(self) -> str | None:
        """The validation report as text, for two domains each domain's (marked A and B).

        Returns:
            `report.summary()` for one domain; for two, one paragraph per domain that has a
            report (`"domain A (horses): ..."`, then B's from `domain_b.report`); `None` when
            there is no report (built-in data).
        """
        if self.domain_b is None:
            return None if self.report is None else self.report.summary()
        labels = self.domain_labels()
        parts = [f"{label}: {ds.report.summary()}"
                 for label, ds in zip(labels, (self, self.domain_b), strict=True)
                 if ds.report is not None]
        return "\n".join(parts) or None

    def domain_labels(self) -> tuple[str, str]:
        """`("domain A (horses)", "domain B (zebras)")`: the two domains, as messages name
        them (without the name where it is just the letter, as for folders `A/` and `B/`)."""
        names = self.domain_names or ("A", "B")
        return tuple(f"domain {which}" + (f" ({name})" if name != which else "")
                     for which, name in zip("AB", names, strict=True))  # type: ignore[return-value]

    def reports_skipped(self) -> bool:
        """Whether a validation report (either domain's, for two) left files out."""
        return any(ds.report is not None and bool(ds.report.skipped)
                   for ds in (self, self.domain_b) if ds is not None)

    def info(self) -> dict:
        """Returns a JSON-friendly summary: kind, count, shape, range, classes, captions."""
        return {
            "name": self.name,
            "kind": self.kind,
            "count": len(self),
            "shape": list(self.shape),
            "value_range": list(self.value_range),
            "classes": list(self.class_names or []),
            "modes": None if self.modes is None else int(len(self.modes)),
            "sigma": self.sigma,
            "captions": None if self.captions is None else len(self.captions),
            "attributes": None if self.attribute_names is None else {
                name: list(values) for name, values in self.attribute_names.items()
            },
            **({} if self.domain_b is None else {
                "domains": list(self.domain_names or ("A", "B")),
                "domain_b": {"count": len(self.domain_b), "shape": list(self.domain_b.shape),
                             "classes": list(self.domain_b.class_names or [])},
                "true_mapping": self.truth is not None,
            }),
        }


@dataclass(frozen=True)
class Normalizer:
    """Affine map between the dataset's units and the network's range: net = (x - offset) / scale.

    Images use offset 0.5, scale 0.5 (so [0, 1] maps to the generator's tanh range [-1, 1]);
    points use their mean and one common standard deviation (so shapes keep their aspect).
    """

    offset: tuple[float, ...]
    scale: float

    @classmethod
    def for_dataset(cls, dataset: Dataset) -> Normalizer:
        """Returns the normalizer that suits the dataset's kind."""
        if dataset.kind == IMAGES:
            return cls(offset=(0.5,), scale=0.5)
        mean = dataset.x.mean(axis=0)
        std = float(dataset.x.std(axis=0).max()) or 1.0
        return cls(offset=tuple(float(m) for m in mean), scale=std)

    def to_net(self, x: np.ndarray) -> np.ndarray:
        """Dataset units to network range."""
        return ((x - np.asarray(self.offset, np.float32)) / self.scale).astype(np.float32)

    def to_data(self, x: np.ndarray) -> np.ndarray:
        """Network range back to dataset units."""
        return (np.asarray(x, np.float32) * self.scale + np.asarray(self.offset, np.float32)).astype(
            np.float32
        )

    def to_dict(self) -> dict:
        """JSON-friendly form (for checkpoints and export metadata)."""
        return {"offset": list(self.offset), "scale": self.scale}


def points_on_plane(points: np.ndarray | None) -> np.ndarray | None:
    """Points as 2D for a scatter plot: their first two coordinates; 1-D points on the x axis.

    Args:
        points: [N, D] points, or `None` (returned as is).
    """
    if points is None:
        return None
    points = np.asarray(points).reshape(len(points), -1)
    if points.shape[1] >= 2:
        return points[:, :2]
    return np.pad(points, ((0, 0), (0, 2 - points.shape[1])))
