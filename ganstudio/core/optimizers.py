"""Adam in one kernel per variable.

Keras 3's `Adam.update_step` writes Adam's update as some twenty small TensorFlow operations
per variable (the bias-correction powers, the two moment updates, the step), each a separate
kernel launch. On a small network that is most of the operations in a training step: ring8's
mlp has 16 variables, so 300 and more small kernels a step for the two optimizers, while its
products take a few milliseconds. `FusedAdam` runs TensorFlow's own `ResourceApplyAdam` kernel
(the update of `m`, `v` and the variable in one pass), with the bias-correction powers made
once per update for all variables. The arithmetic is Keras's:

    m ← m + (g − m)(1 − β₁),  v ← v + (g² − v)(1 − β₂),
    w ← w − lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ) · m / (√v + ε)

with the same slots in the same order, so checkpoints and `keras.optimizers.Adam` agree.
Sparse gradients (`tf.IndexedSlices`) and AMSGrad take Keras's own update.
It replaces a private method of Keras's TensorFlow optimizer (`_backend_update_step`), so
`tests/unit/test_optimizers.py` checks its updates against `keras.optimizers.Adam`'s.
"""

from __future__ import annotations

import keras
import tensorflow as tf


class FusedAdam(keras.optimizers.Adam):
    """`keras.optimizers.Adam` whose update is one `ResourceApplyAdam` kernel per variable.

    Takes Adam's arguments.

    Example:

    >>> opt = FusedAdam(2e-4, beta_1=0.5)
    >>> w = keras.Variable([1.0, 2.0])
    >>> opt.apply([keras.ops.convert_to_tensor([0.5, -0.5])], [w])
    """

    def _backend_update_step(self, grads, trainable_variables, learning_rate):
        if self.amsgrad:
            return super()._backend_update_step(grads, trainable_variables, learning_rate)
        variables = [v.value if isinstance(v, keras.Variable) else v
                     for v in trainable_variables]
        grads_and_vars = self._all_reduce_sum_gradients(list(zip(grads, variables, strict=True)))
        tf.__internal__.distribute.interim.maybe_merge_call(
            self._fused_update, self._distribution_strategy, grads_and_vars, learning_rate)

    def _fused_update(self, distribution, grads_and_vars, learning_rate):
        # this update's powers and rates, once per dtype (not once per variable)
        scalars = {}
        for dtype in {var.dtype for _, var in grads_and_vars}:
            step = tf.cast(self.iterations + 1, dtype)
            beta_1, beta_2 = tf.constant(self.beta_1, dtype), tf.constant(self.beta_2, dtype)
            scalars[dtype] = {"beta1_power": tf.pow(beta_1, step),
                              "beta2_power": tf.pow(beta_2, step),
                              "lr": tf.cast(learning_rate, dtype), "beta1": beta_1,
                              "beta2": beta_2, "epsilon": tf.constant(self.epsilon, dtype)}

        def apply(var, grad):
            if isinstance(grad, tf.IndexedSlices):
                return self.update_step(grad, var, learning_rate)
            index = self._get_variable_index(var)
            m, v = self._momentums[index].value, self._velocities[index].value
            return tf.raw_ops.ResourceApplyAdam(
                var=var.handle, m=m.handle, v=v.handle, grad=tf.cast(grad, var.dtype),
                **scalars[var.dtype])

        for grad, var in grads_and_vars:
            distribution.extended.update(var, apply, args=(grad,), group=False)
