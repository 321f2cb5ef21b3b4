"""Descriptions and formulas of what can be chosen, without importing TensorFlow.

The studio's pickers and tooltips read this at start-up; the objective formulas are read from
the docstrings in `objectives.py` (parsed, not imported), so the docstring stays the one place
each formula is written.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

NET_DESCRIPTIONS = {
    "auto": "mlp for points, dcgan for images",
    "mlp": "multi-layer perceptrons (for 2D points)",
    "dcgan": "convolutional G and D sized from the image (8 to 128 px)",
}

_OBJECTIVE_CLASSES = {
    "minimax": ["Minimax"],
    "nonsaturating": ["NonSaturating"],
    "wgan": ["Wasserstein"],
    "wgan-gp": ["Wasserstein", "GradientPenalty"],
    "lsgan": ["LeastSquares"],
    "hinge": ["Hinge"],
}


@functools.lru_cache(maxsize=1)
def _class_docs() -> dict[str, str]:
    source = (Path(__file__).with_name("objectives.py")).read_text(encoding="utf-8")
    tree = ast.parse(source)
    return {node.name: ast.get_docstring(node) or "" for node in tree.body
            if isinstance(node, ast.ClassDef)}


def objective_formula(name: str) -> str:
    """Returns the formula text of an objective (its docstring), e.g. for a tooltip.

    Args:
        name: One of `config.OBJECTIVES`.

    Raises:
        KeyError: for an unknown objective.
    """
    docs = _class_docs()
    return "\n\n".join(docs[c] for c in _OBJECTIVE_CLASSES[name])

