"""Quality figures of the translation families (`translate`, `cyclegan`, `unit`).

Each direction is scored on source examples: where the true mapping is known (`Dataset.truth`,
e.g. `digits2inverted`: every one of the 1,797 digits beside its true image), on all of them;
else on the source domain's own examples.

- `mae_a_to_b`, `mae_b_to_a` (truth only): the mean absolute error per value, in the target
  domain's units, of each translation against the true image: mean |G(truth.a) − truth.b| and
  mean |F(truth.b) − truth.a|; `mae` their mean. The baseline `mae_identity` is what
  translating nothing scores: mean |truth.a − truth.b|.
- `label_kept_a_to_b`, `label_kept_b_to_a` (labelled images): a digit classifier trained on
  each domain's own labelled examples (the metrics' per-dataset classifier,
  `classifier.get_classifier`, of the target domain) reads the translations; the share whose
  label is the source's. Its reference is the same classifier on the true target images (with
  truth), else its held-out accuracy: what a perfect translation would score.
- `fd_a_to_b`, `fd_b_to_a` (images): the Fréchet distance of the translations to real examples
  of the target domain in the target classifier's features (`evaluate`'s reference, so beside
  its real-vs-real baseline); points: `mmd_a_to_b`, `mmd_b_to_a` (squared MMD in the target's
  coordinates, likewise). The full target-domain tables (KID, precision, recall, ...) are in
  the report's `a_to_b` and `b_to_a`.
- `cycle_a`, `cycle_b`: the round trip's mean absolute error, mean |F(G(a)) − a| and
  mean |G(F(b)) − b|, in the source domain's units (0: the way back loses nothing).

A recipe that learns one direction (`directions`, e.g. `translate`: a_to_b only) is scored on
that one: the other's figures and the cycle errors are left out (`-` in the table).

The recipe is duck-typed (`a_to_b`, `b_to_a` on numpy, `family`, `domain`), so this module
imports no TensorFlow.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.linalg import LinAlgWarning

from ganstudio.core.data.base import IMAGES, Dataset
from ganstudio.core.metrics.classifier import FeatureClassifier, get_classifier
from ganstudio.core.metrics.evaluate import DEFAULT_N_POINTS, _Reference, _result

LIVE_SOURCES = 2000  # source examples per direction in a live evaluation, evenly spaced
FULL_SOURCES = 100_000
DIRECTIONS = ("a_to_b", "b_to_a")
ARROW = {"a_to_b": "a → b", "b_to_a": "b → a"}
_SOURCE = {"a_to_b": "a", "b_to_a": "b"}
_TARGET = {"a_to_b": "b", "b_to_a": "a"}


def _spread(n: int, most: int) -> np.ndarray:
    """At most `most` indices of range(n), evenly spaced (all of them when n ≤ most)."""
    if n <= most:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, most).astype(np.int64))


def _domains(dataset: Dataset) -> dict[str, Dataset]:
    return {"a": dataset, "b": dataset.domain_b}


def _same_classes(a: Dataset, b: Dataset) -> bool:
    """Whether a label means the same class in both domains (so it can be kept)."""
    if a.y is None or b.y is None or a.num_classes < 2 or a.num_classes != b.num_classes:
        return False
    return a.class_names is None or b.class_names is None or \
        list(a.class_names) == list(b.class_names)


class TranslationScorer:
    """Scores a translation recipe's two directions on fixed source examples (module docstring).

    The real side (sources, classifiers, the target domains' references and baselines) is made
    once; each call translates the same sources, so successive figures differ only because the
    translators changed.

    Args:
        dataset: The two-domain data (domain A with `domain_b`, and `truth` where known).
        most: Source examples per direction at most (evenly spaced over the truth, or over
            the source domain).
        seed: Seed of the target domains' real subsets.
        status: Optional callable told when a classifier is trained.
        directions: The directions to score (a recipe's `directions`); the cycle errors need
            both.

    Attributes:
        truth: Whether the true mapping is known (the MAE figures).
        sources: direction -> (source examples, their true translations or `None`, labels).
        classifiers: domain key -> its trained `FeatureClassifier` (labelled images only).
        names: The flat figures a call returns, in order.
        baseline: name -> its reference value (see the module docstring).
    """

    def __init__(self, dataset: Dataset, most: int, seed: int = 0,
                 status: Callable[[str], Any] | None = None,
                 directions: tuple[str, ...] = DIRECTIONS) -> None:
        domains = _domains(dataset)
        self.directions = tuple(d for d in DIRECTIONS if d in directions)
        self.both = len(self.directions) == len(DIRECTIONS)
        self.kind = dataset.kind
        self.seed = seed
        truth = dataset.truth
        self.truth = truth is not None
        self.sources: dict[str, tuple[np.ndarray, np.ndarray | None, np.ndarray | None]] = {}
        for direction in self.directions:
            src, dst = _SOURCE[direction], _TARGET[direction]
            if truth is not None:
                idx = _spread(len(truth), most)
                x = {"a": truth.a, "b": truth.b}
                y = None if truth.y is None else np.asarray(truth.y)[idx]
                self.sources[direction] = (x[src][idx], x[dst][idx], y)
            else:
                d = domains[src]
                idx = _spread(len(d), most)
                self.sources[direction] = (d.x[idx], None,
                                           None if d.y is None else np.asarray(d.y)[idx])
        self.classifiers: dict[str, FeatureClassifier] = {}
        labelled = self.kind == IMAGES and _same_classes(domains["a"], domains["b"])
        if self.kind == IMAGES:  # the target domains' features (random ones without labels)
            for key, d in domains.items():
                self.classifiers[key] = get_classifier(d, status=status)
        self.labels = labelled and all(self.sources[d][2] is not None for d in self.directions)
        self.refs = {}
        for direction in self.directions:
            target = domains[_TARGET[direction]]
            n = len(self.sources[direction][0]) if self.kind == IMAGES else DEFAULT_N_POINTS
            self.refs[direction] = _Reference(target, n, seed=seed,
                                              classifier=self.classifiers.get(_TARGET[direction]))
        self.target_metric = "fd" if self.kind == IMAGES else "mmd"
        self.baseline: dict[str, float] = {}
        names: list[str] = []
        if self.truth:
            names += ["mae", *(f"mae_{d}" for d in self.directions), "mae_identity"]
            a, b = np.asarray(truth.a, np.float64), np.asarray(truth.b, np.float64)
            identity = float(np.mean(np.abs(a - b))) if a.shape == b.shape else math.nan
            self.baseline.update({name: identity for name in names})
        if self.labels:
            names += ["label_kept", *(f"label_kept_{d}" for d in self.directions)]
            for direction in self.directions:
                self.baseline[f"label_kept_{direction}"] = self._label_reference(direction)
            self.baseline["label_kept"] = float(np.mean(
                [self.baseline[f"label_kept_{d}"] for d in self.directions]))
        for direction in self.directions:
            name = f"{self.target_metric}_{direction}"
            names.append(name)
            self.baseline[name] = float(self.refs[direction].baseline[self.target_metric])
        if self.both:
            names += ["cycle_a", "cycle_b"]
            self.baseline.update({"cycle_a": 0.0, "cycle_b": 0.0})
        self.names = tuple(names)
        if self.truth:
            self.main_metric = "mae"
        elif self.labels:
            self.main_metric = "label_kept"
        else:
            self.main_metric = f"{self.target_metric}_a_to_b"
        self.main_mode = "max" if self.main_metric == "label_kept" else "min"
        self.better = {name: "higher" if name.startswith("label_kept") else "lower"
                       for name in self.names}

    def _label_reference(self, direction: str) -> float:
        """What a perfect translation scores: the target classifier on the true images of the
        sources (with truth), else its held-out accuracy."""
        _, true, labels = self.sources[direction]
        clf = self.classifiers[_TARGET[direction]]
        if true is not None:
            return float(np.mean(clf.probs(true).argmax(axis=1) == labels))
        return float(clf.accuracy or 0.0)

    def translations(self, recipe: Any) -> dict[str, tuple[np.ndarray, np.ndarray | None]]:
        """direction -> (the sources' translations, their way back or `None` with one
        direction), in data units."""
        out = {}
        for direction in self.directions:
            other = "b_to_a" if direction == "a_to_b" else "a_to_b"
            there = np.asarray(getattr(recipe, direction)(self.sources[direction][0]))
            out[direction] = (there, np.asarray(getattr(recipe, other)(there))
                              if self.both else None)
        return out

    def score(self, recipe: Any, details: bool = False) -> tuple[dict[str, float],
                                                                  dict[str, Any]]:
        """Translates the sources both ways and scores them.

        Args:
            recipe: A translation recipe (`a_to_b`, `b_to_a` on numpy, data units).
            details: Also return each direction's full target-domain table.

        Returns:
            (name -> value over `names`, direction -> `evaluate`-style result or nothing).
        """
        moved = self.translations(recipe)
        values: dict[str, float] = {}
        tables: dict[str, Any] = {}
        for direction in self.directions:
            source, true, labels = self.sources[direction]
            there, back = moved[direction]
            if self.truth:
                values[f"mae_{direction}"] = float(np.mean(np.abs(
                    there.astype(np.float64) - true)))
            if self.labels:
                read = self.classifiers[_TARGET[direction]].probs(there).argmax(axis=1)
                values[f"label_kept_{direction}"] = float(np.mean(read == labels))
            ref = self.refs[direction]
            picked = there[_spread(len(there), ref.n_generate)] if self.kind == IMAGES else \
                there[:ref.n_generate]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", LinAlgWarning)
                figures, more = ref.score(picked)
            values[f"{self.target_metric}_{direction}"] = float(figures[self.target_metric])
            if back is not None:
                values[f"cycle_{_SOURCE[direction]}"] = float(np.mean(np.abs(
                    back.astype(np.float64) - source)))
            if details:
                tables[direction] = _result(ref, figures, more, len(picked))
        if self.truth:
            values["mae_identity"] = self.baseline["mae_identity"]
            values["mae"] = float(np.mean([values[f"mae_{d}"] for d in self.directions]))
        if self.labels:
            values["label_kept"] = float(np.mean([values[f"label_kept_{d}"]
                                                  for d in self.directions]))
        return {name: values[name] for name in self.names}, tables


class TranslationEvaluator:
    """Live figures of a translation recipe (an `Evaluator`): `TranslationScorer` on at most
    `LIVE_SOURCES` sources per direction.

    Args:
        recipe: A translation recipe (unused until called; the signature of every evaluator).
        dataset: The two-domain data.
        n: Sources per direction (`None`: `LIVE_SOURCES`).
        seed: Seed of the target domains' real subsets.
        status: Optional callable told when a classifier is trained.
    """

    def __init__(self, recipe: Any, dataset: Dataset, n: int | None, seed: int,
                 status: Callable[[str], Any] | None = None) -> None:
        self.scorer = TranslationScorer(dataset, int(n or LIVE_SOURCES), seed, status,
                                        getattr(recipe, "directions", DIRECTIONS))
        self.names = self.scorer.names
        self.baseline = dict(self.scorer.baseline)
        self.better = dict(self.scorer.better)
        self.main_metric = self.scorer.main_metric
        self.main_mode = self.scorer.main_mode
        self.n = len(self.scorer.sources[self.scorer.directions[0]][0])

    def __call__(self, recipe: Any) -> dict[str, float]:
        """Returns name -> value for the recipe's current weights."""
        return self.scorer.score(recipe)[0]


def evaluate_translation(recipe: Any, dataset: Dataset, seed: int = 0,
                         status: Callable[[str], Any] | None = None) -> dict[str, Any]:
    """The end-of-run evaluation of a translation family: every truth example (or every
    source example, at most `FULL_SOURCES`) translated both ways.

    Args:
        recipe: A translation recipe.
        dataset: The two-domain data it was trained on.
        seed: Seed of the target domains' real subsets.
        status: Optional callable told when a classifier is trained.

    Returns:
        A JSON-friendly dict: `family`, `domains` (names), `truth`, `n_sources` (per
        direction), `main_metric`, the flat figures, `baseline` (name -> reference),
        `classifier_accuracy` (per domain, labelled images), and `a_to_b` / `b_to_a`: the
        target domain's full table (the `evaluate` result of the translations).
    """
    t0 = time.perf_counter()
    scorer = TranslationScorer(dataset, FULL_SOURCES, seed, status,
                               getattr(recipe, "directions", DIRECTIONS))
    values, tables = scorer.score(recipe, details=True)
    names = list(getattr(dataset, "domain_names", None) or ("A", "B"))
    result: dict[str, Any] = {
        "family": getattr(recipe, "family", ""), "domains": names, "truth": scorer.truth,
        "directions": list(scorer.directions),
        "n_sources": {d: int(len(scorer.sources[d][0])) for d in scorer.directions},
        "main_metric": scorer.main_metric, **values,
        "baseline": dict(scorer.baseline),
    }
    if scorer.classifiers:
        result["classifier_accuracy"] = {k: c.accuracy for k, c in scorer.classifiers.items()}
    result.update(tables)
    result["seconds"] = round(time.perf_counter() - t0, 3)
    return result


def _num(name: str, value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if name.startswith("label_kept"):
        return f"{100 * value:.1f}%"
    if abs(value) >= 100:
        return f"{value:.1f}"
    return f"{value:.4f}" if abs(value) < 1 else f"{value:.3f}"


def format_translation(result: dict[str, Any]) -> str:
    """Renders `evaluate_translation`'s dict: one row a figure, a column a direction, and the
    reference each is read against.

    Args:
        result: The dict of `evaluate_translation`.

    Returns:
        The table, with a header naming the domains and the sources.
    """
    a, b = result["domains"]
    n = result["n_sources"]
    learned = result.get("directions", list(DIRECTIONS))
    over = (f"all {n['a_to_b']:,} true pairs" if result["truth"] else
            " and ".join(f"{n[d]:,} examples of {a if d == 'a_to_b' else b}" for d in learned))
    lines = [f"translation {a} ↔ {b}, over {over}:"]
    base = result["baseline"]
    target = "fd" if "fd_a_to_b" in result else "mmd"

    def pair(name: str, kind: str) -> tuple[str, str]:  # a missing direction reads "-"
        return tuple(_num(kind, result.get(f"{name}_{d}")) for d in DIRECTIONS)

    def refs(name: str, kind: str) -> str:
        return " / ".join(_num(kind, base.get(f"{name}_{d}")) for d in DIRECTIONS)

    rows = [("figure", ARROW["a_to_b"], ARROW["b_to_a"], "reference")]
    if result["truth"]:
        rows.append(("mean abs. error vs truth", *pair("mae", "mae"),
                     f"{_num('mae', base['mae_identity'])} (translating nothing)"))
    if "label_kept" in result:
        rows.append(("label kept", *pair("label_kept", "label_kept"),
                     f"{refs('label_kept', 'label_kept')} (the classifier on "
                     + ("the true images)" if result["truth"] else "its held-out split)")))
    label = "Fréchet distance in target" if target == "fd" else "MMD² in target"
    rows.append((label, *pair(target, target), f"{refs(target, target)} (real vs real)"))
    rows.append(("cycle error (way back)", _num("cycle", result.get("cycle_a")),
                 _num("cycle", result.get("cycle_b")), "0 (nothing lost)"))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for i, row in enumerate(rows):
        lines.append("  ".join([row[0].ljust(widths[0]), row[1].rjust(widths[1]),
                                row[2].rjust(widths[2]), row[3]]).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 9)
    missing = [ARROW[d] for d in DIRECTIONS if d not in learned]
    if missing:
        lines.append(f"{result.get('family') or 'this family'} learns {ARROW[learned[0]]} "
                     f"only: no {', '.join(missing)} and no way back.")
    acc = result.get("classifier_accuracy")
    if acc and "label_kept" in result:
        lines.append(f"classifiers: each domain's own, held-out accuracy {a} "
                     f"{100 * float(acc['a'] or 0):.1f}%, {b} {100 * float(acc['b'] or 0):.1f}%.")
    return "\n".join(lines)
