"""StackGAN's stage-II generator: a low-resolution image and a condition code -> the image at
`factor` times the side (Zhang et al. 2017, section 3.3, sized down for a desktop CPU).

    x_lo -> conv (encode) -> join c spatially -> conv -> residual blocks -> (upsample, conv) x
    log2(factor) -> conv -> tanh

With `skip`, the last convolution's output is added to atanh of the input enlarged bilinearly
before the tanh, so the net draws a correction to the enlarged input (it starts from it).

The code c is tiled over the encoded map (`ConditionChannels`), as the paper joins the text
embedding with the image features; the residual blocks work at stage I's resolution, and the
upsampling is nearest-neighbour followed by a 3x3 convolution (the paper's, which draws
fewer checkerboard artefacts than transposed convolutions).
"""

from __future__ import annotations

import keras

from ganstudio.core.nets.blocks import ConditionChannels, norm_layer
from ganstudio.core.nets.conv import MAX_FILTER_MULT


def _norm_relu(h, norm: str):
    layer = norm_layer(norm)
    if layer is not None:
        h = layer(h)
    return keras.layers.ReLU()(h)


SKIP_LIMIT = 0.999  # atanh of the input is taken within ±this (tanh(3.8))


def stage2_generator(low_shape: tuple[int, int, int], factor: int, code_dim: int,
                     filters: int, res_blocks: int, norm: str, skip: bool = True,
                     name: str = "stage2_generator") -> keras.Model:
    """Builds stage II's generator.

    Args:
        low_shape: Stage I's image shape (h, w, channels), in the network's range [-1, 1].
        factor: The output side over the input's (a power of two).
        code_dim: Size of the condition code c.
        filters: Filters at the output resolution; doubled per level down (capped at
            `MAX_FILTER_MULT` times).
        res_blocks: Residual blocks at the input resolution.
        norm: `batch`, `layer` or `none` after each convolution but the first and last.
        skip: Add the last layer's output to atanh of the input enlarged bilinearly (a
            correction to it) rather than draw the whole image.
        name: The model's name.

    Returns:
        A `keras.Model` mapping `[x_low, c]` to images of side `factor` times larger, in
        [-1, 1].
    """
    levels = max(1, int(factor).bit_length() - 1)

    def width(level: int) -> int:  # level 0 = the output resolution
        return filters * min(2**level, MAX_FILTER_MULT)

    low = keras.Input(low_shape, name="x_low")
    c = keras.Input((code_dim,), name="c")
    h = keras.layers.Conv2D(width(levels), 3, padding="same", name="encode")(low)
    h = keras.layers.ReLU()(h)
    h = ConditionChannels()([h, c])
    h = keras.layers.Conv2D(width(levels), 3, padding="same", use_bias=norm == "none",
                            name="join")(h)
    h = _norm_relu(h, norm)
    for i in range(res_blocks):
        r = keras.layers.Conv2D(width(levels), 3, padding="same", use_bias=norm == "none",
                                name=f"res{i}_a")(h)
        r = _norm_relu(r, norm)
        r = keras.layers.Conv2D(width(levels), 3, padding="same", use_bias=norm == "none",
                                name=f"res{i}_b")(r)
        layer = norm_layer(norm)
        if layer is not None:
            r = layer(r)
        h = keras.layers.ReLU()(keras.layers.Add()([h, r]))
    for level in range(levels - 1, -1, -1):
        h = keras.layers.UpSampling2D(2, interpolation="nearest")(h)
        h = keras.layers.Conv2D(width(level), 3, padding="same", use_bias=norm == "none")(h)
        h = _norm_relu(h, norm)
    if not skip:
        out = keras.layers.Conv2D(low_shape[-1], 3, padding="same", activation="tanh",
                                  name="image")(h)
        return keras.Model([low, c], out, name=name)
    # zero at first: an untrained stage II gives the enlarged input itself
    delta = keras.layers.Conv2D(low_shape[-1], 3, padding="same", kernel_initializer="zeros",
                                name="correction")(h)
    side = (low_shape[0] * factor, low_shape[1] * factor)
    base = keras.layers.Resizing(*side, interpolation="bilinear", name="enlarge")(low)
    base = keras.ops.arctanh(keras.ops.clip(base, -SKIP_LIMIT, SKIP_LIMIT))
    out = keras.layers.Activation("tanh", name="image")(keras.layers.Add()([delta, base]))
    return keras.Model([low, c], out, name=name)
