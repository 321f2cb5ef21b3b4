"""Mixed precision (`train.precision`): the networks compute in bfloat16 or float16, their
variables, outputs, losses and optimizers stay in float32.

- `policy(name)`: the Keras dtype policy a recipe's networks are built under (Keras's global
  policy is per thread; it is restored afterwards, so nothing built later is touched).
- `float32_outputs(model)`: after the build, every network's output layers compute in float32,
  so logits, images, codes and the losses made from them keep float32's precision, and what
  leaves a network (views, metrics, the export) is float32.
- `loss_scaled(optimizer)`: under `mixed_float16`, Keras's `LossScaleOptimizer` around it
  (float16's small range would flush small gradients to zero); bfloat16 has float32's range
  and needs none. A skipped update (an overflow) still counts as a step.
- `descend(optimizer, tape, loss, variables)`: the one gradient step every recipe takes, with the
  loss scaled when the optimizer asks for it; returns the true (unscaled) gradients.

On a CPU with AMX or AVX-512 bfloat16 units, `mixed_bfloat16` runs the convolutions and matmuls
several times faster (benchmarks/precision.py); float16 is for GPUs (on a CPU it is emulated).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import keras
from keras import ops

from ganstudio.config import PRECISIONS
from ganstudio.errors import ConfigError

FLOAT32, MIXED_BFLOAT16, MIXED_FLOAT16 = PRECISIONS


def check_device(name: str, device: str) -> None:
    """Refuses `mixed_float16` on a CPU: TensorFlow has no fast float16 kernels there (ring8's
    default step took ~3 s against ~13 ms in float32, and its live views ~10 s; measured with
    benchmarks/precision.py), while `mixed_bfloat16` is the fast one.

    Args:
        name: The precision asked for.
        device: Where training runs (`session.device_name()`: "CPU (...)" or a GPU's name).

    Raises:
        ConfigError: for float16 on a CPU, saying what to use instead.
    """
    if name == MIXED_FLOAT16 and device.startswith("CPU"):
        raise ConfigError("train.precision: mixed_float16 needs a GPU; on a CPU TensorFlow "
                          "computes float16 hundreds of times slower than float32.",
                          "Use --precision mixed_bfloat16 (fast on CPUs with AMX or AVX-512 "
                          "bfloat16) or float32.")


@contextlib.contextmanager
def policy(name: str) -> Iterator[None]:
    """Builds layers made inside it under the dtype policy `name` (one of `PRECISIONS`).

    Args:
        name: `float32`, `mixed_bfloat16` or `mixed_float16`.
    """
    before = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(before)


def _producers(tensor: Any) -> Iterator[Any]:
    """The layers whose outputs make `tensor` what it is: its own layer, or, through
    weightless ops (`keras.ops` on symbolic tensors), the layers that feed them."""
    history = getattr(tensor, "_keras_history", None)
    if history is None:
        return
    operation = history.operation
    if isinstance(operation, keras.layers.Layer):
        yield operation
        return
    node = operation._inbound_nodes[history.node_index]
    for inner in node.input_tensors:
        yield from _producers(inner)


def float32_outputs(model: keras.Model) -> int:
    """Makes the layers that produce `model`'s outputs compute in float32 (a functional model's;
    a nested one's outputs in turn). Returns how many layers were changed.

    Args:
        model: A network built under a mixed policy.
    """
    changed = 0
    for tensor in getattr(model, "outputs", None) or []:
        for layer in _producers(tensor):
            if isinstance(layer, keras.Model) and getattr(layer, "outputs", None):
                changed += float32_outputs(layer)
            elif layer.dtype_policy.compute_dtype != FLOAT32:
                layer.dtype_policy = FLOAT32
                changed += 1
    return changed


def networks_float32_outputs(root: keras.layers.Layer) -> int:
    """`float32_outputs` on every functional network inside `root` (a recipe)."""
    return sum(float32_outputs(layer)
               for layer in root._flatten_layers(include_self=False, recursive=True)
               if isinstance(layer, keras.Model) and getattr(layer, "outputs", None))


class CountingLossScaleOptimizer(keras.optimizers.LossScaleOptimizer):
    """Keras's dynamic loss scaling, where an update skipped for an overflow still counts as an
    iteration: the recipes count their steps, and learning-rate schedules run, on
    `iterations`, which Keras's own leaves behind on every skipped update.

    `descend` needs the finiteness check for the curves and `apply` makes it again on the same
    gradients (under a strategy, once more per replica from its merge step): `check_finite`
    hands back the check already made on those very tensors, so a step checks each gradient
    once.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        object.__setattr__(self, "_checked", [])  # (gradients, their check), kept untracked

    def check_finite(self, grads):
        grads = list(grads)
        for seen, finite in self._checked:  # one entry per replica at most
            if len(seen) == len(grads) and all(a is b for a, b in zip(seen, grads, strict=True)):
                return finite
        finite = super().check_finite(grads)
        self._checked.append((grads, finite))
        return finite

    def apply(self, grads, trainable_variables=None):
        try:
            return super().apply(grads, trainable_variables)
        finally:
            self._checked.clear()

    def _stateful_handle_non_finite_grads(self):
        super()._stateful_handle_non_finite_grads()
        self.inner_optimizer.iterations.assign_add(1)


def loss_scaled(optimizer: keras.optimizers.Optimizer) -> keras.optimizers.Optimizer:
    """`optimizer` inside a loss-scale optimizer when the policy in force (`policy`) is
    `mixed_float16`; else `optimizer` itself. Call it where the optimizer is made, inside the
    build.

    Args:
        optimizer: An unbuilt Keras optimizer.
    """
    if keras.config.dtype_policy().name == MIXED_FLOAT16:
        return CountingLossScaleOptimizer(optimizer)
    return optimizer


def inner(optimizer: Any) -> Any:
    """The optimizer that holds the learning rate and the slots: `optimizer`'s inner one when
    it scales the loss, else `optimizer`."""
    return getattr(optimizer, "inner_optimizer", optimizer)


def descend(optimizer: keras.optimizers.Optimizer, tape: Any, loss: Any,
            variables: list) -> list:
    """One update of `variables` by `optimizer` on `loss`'s gradients from `tape`.

    Under loss scaling the backward pass starts from the scale (the gradients of scale · loss,
    without recording the product on the tape) and the optimizer divides it out, skipping the
    update when they overflowed.

    Args:
        optimizer: The player's optimizer (a `LossScaleOptimizer` or not).
        tape: The `tf.GradientTape` that recorded `loss`.
        loss: A scalar tensor.
        variables: The variables to update.

    Returns:
        The gradients of `loss` itself (zeros for an update skipped for an overflow), for the
        gradient-norm curves.
    """
    if not isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        grads = tape.gradient(loss, variables)
        optimizer.apply(grads, variables)
        return grads
    scale = ops.convert_to_tensor(optimizer.dynamic_scale)  # as it was for this backward pass
    seed = ops.ones_like(loss) * ops.cast(scale, loss.dtype)
    grads = tape.gradient(loss, variables, output_gradients=seed)
    finite = optimizer.check_finite(grads)
    optimizer.apply(grads, variables)
    return [None if g is None else ops.where(finite, g / ops.cast(scale, g.dtype),
                                             ops.zeros_like(g)) for g in grads]
