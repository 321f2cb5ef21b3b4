"""Image datasets that ship with a package, so they work offline."""

from __future__ import annotations

import numpy as np

from ganstudio.core.data.base import IMAGES, Dataset


def digits() -> Dataset:
    """scikit-learn's 1,797 labelled 8x8 handwritten digits, as [N, 8, 8, 1] in [0, 1]."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x = (bunch.images.astype(np.float32) / 16.0)[..., None]
    return Dataset("digits", IMAGES, x, bunch.target.astype(np.int32),
                   [str(i) for i in range(10)], description="1,797 8x8 digits (scikit-learn)")
