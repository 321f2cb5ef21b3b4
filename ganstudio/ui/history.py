"""Bounded histories for the live views: decimated scalar series and a snapshot ring buffer.

Numpy only (no Qt), so they are cheap to test.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from typing import Generic, TypeVar

import numpy as np

T = TypeVar("T")


class DecimatingSeries:
    """A scalar series that never holds more than `capacity` points.

    When full, every other stored point is dropped and from then on only every `stride`-th new
    point is kept (the stride doubles each time), so the whole run stays visible at an even
    density, in bounded memory.

    Args:
        capacity: Most points held (even, at least 4).
    """

    def __init__(self, capacity: int = 4000) -> None:
        self.capacity = max(4, capacity - capacity % 2)
        self._x = np.empty(self.capacity, np.float64)
        self._y = np.empty(self.capacity, np.float64)
        self._n = 0
        self.stride = 1
        self._skip = 0

    def __len__(self) -> int:
        return self._n

    def append(self, x: float, y: float) -> None:
        """Adds a point (kept or skipped according to the current stride)."""
        if self._skip:
            self._skip -= 1
            return
        if self._n == self.capacity:
            half = self.capacity // 2
            self._x[:half] = self._x[: self.capacity : 2]
            self._y[:half] = self._y[: self.capacity : 2]
            self._n = half
            self.stride *= 2
        self._x[self._n] = x
        self._y[self._n] = y
        self._n += 1
        self._skip = self.stride - 1

    def clear(self) -> None:
        """Forgets every point."""
        self._n = 0
        self.stride = 1
        self._skip = 0

    def drop_after(self, x: float) -> None:
        """Forgets the points whose x is above `x` (training went back to an earlier step)."""
        self._n = int(np.searchsorted(self._x[: self._n], x, side="right"))
        self._skip = 0

    @property
    def x(self) -> np.ndarray:
        """The kept x values (a view)."""
        return self._x[: self._n]

    @property
    def y(self) -> np.ndarray:
        """The kept y values (a view)."""
        return self._y[: self._n]


def ema(values: np.ndarray, weight: float) -> np.ndarray:
    """Debiased exponential moving average, as TensorBoard's smoothing slider.

        s_t = weight * s_{t-1} + (1 - weight) * v_t,   shown as s_t / (1 - weight^t)

    Non-finite values are carried over (the last smoothed value is repeated).

    Args:
        values: The raw series.
        weight: Smoothing in [0, 1); 0 returns the values unchanged.

    Returns:
        The smoothed series, same length.
    """
    values = np.asarray(values, np.float64)
    if weight <= 0 or values.size == 0:
        return values.copy()
    finite = np.isfinite(values)
    kept = values[finite]
    smoothed = _ema_filter(kept, weight)
    smoothed /= -np.expm1(np.arange(1, kept.size + 1) * math.log(weight))  # 1 - w^t
    # each position shows the newest smoothed value at or before it (NaN before the first)
    index = np.maximum.accumulate(np.where(finite, np.cumsum(finite) - 1, -1))
    out = np.full(values.shape, np.nan)
    shown = index >= 0
    out[shown] = smoothed[index[shown]]
    return out


def _ema_filter(values: np.ndarray, weight: float) -> np.ndarray:
    """s_t = w s_{t-1} + (1 - w) v_t from s_{-1} = 0, in numpy blocks (scipy's `lfilter` would
    do it in one call, but importing scipy.signal costs the studio's launch a second).

    In a block starting after s_prev, s_j = w^(j+1) s_prev + (1 - w) w^j Σ_{k≤j} v_k w^(-k);
    blocks are short enough that w^(-k) stays far from overflowing.
    """
    n = values.size
    out = np.empty(n)
    block = int(max(1, min(256, 250.0 / -math.log10(weight))))
    powers = weight ** np.arange(block, dtype=np.float64)  # w^0 .. w^(block-1)
    inverse = 1.0 / powers
    previous = 0.0
    for start in range(0, n, block):
        chunk = values[start : start + block]
        m = chunk.size
        run = np.cumsum(chunk * inverse[:m]) * ((1.0 - weight) * powers[:m])
        run += powers[:m] * weight * previous
        out[start : start + m] = run
        previous = run[-1]
    return out


class RingBuffer(Generic[T]):
    """The newest `capacity` items, oldest first (the sample-history scrubber).

    Args:
        capacity: Most items kept.
    """

    def __init__(self, capacity: int = 200) -> None:
        self.capacity = capacity
        self._items: deque[T] = deque(maxlen=capacity)

    def append(self, item: T) -> None:
        """Adds an item, dropping the oldest when full."""
        self._items.append(item)

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index: int) -> T:
        return self._items[index]

    def clear(self) -> None:
        """Forgets every item."""
        self._items.clear()

    def drop_newest_while(self, predicate: Callable[[T], bool]) -> int:
        """Drops items from the newest end while `predicate` holds; returns how many."""
        dropped = 0
        while self._items and predicate(self._items[-1]):
            self._items.pop()
            dropped += 1
        return dropped

    def resize(self, capacity: int) -> None:
        """Changes the capacity, keeping the newest items."""
        capacity = max(1, capacity)
        if capacity != self.capacity:
            self.capacity = capacity
            self._items = deque(self._items, maxlen=capacity)


def tile_images(images: np.ndarray, columns: int | None = None, pad: int = 1,
                pad_value: float = 0.0) -> np.ndarray:
    """Arranges NHWC images into one row-major grid image [H', W', C].

    Args:
        images: [N, H, W, C] floats in [0, 1].
        columns: Images per row (default: a near-square grid).
        pad: Pixels between images.
        pad_value: Value of the padding.

    Returns:
        The grid, float32, with 1 or 3 channels kept.
    """
    images = np.asarray(images, np.float32)
    if images.ndim == 3:
        images = images[..., None]
    n, h, w, c = images.shape
    if n == 0:
        return np.zeros((h or 1, w or 1, c or 1), np.float32)
    cols = columns or int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / cols))
    grid = np.full((rows * (h + pad) + pad, cols * (w + pad) + pad, c), pad_value, np.float32)
    for i in range(n):
        r, q = divmod(i, cols)
        y0 = pad + r * (h + pad)
        x0 = pad + q * (w + pad)
        grid[y0 : y0 + h, x0 : x0 + w] = images[i]
    return grid


def to_uint8(image: np.ndarray) -> np.ndarray:
    """[0, 1] floats to uint8 (clipped), for compact storage and PNG files."""
    return (np.clip(np.asarray(image, np.float32), 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
