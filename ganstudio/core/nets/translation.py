"""The translation families' networks, sized from the data: x of one domain -> x of the other.

Images (8 to 128 pixels a side), after CycleGAN's (Zhu et al. 2017, appendix 7.2):

    resnet_translator:   c7s1-f, d2f, d4f, R4f × n, u2f, uf, c7s1-C, tanh
    patch_discriminator: C f (no norm), C 2f, C 4f, ..., then a 1-channel map of logits

`ck` is a convolution with k filters, `d` a stride-2 one, `u` a stride-2 transposed one, `R` a
residual block of two 3×3 convolutions; each is followed by instance normalization
(`keras.layers.GroupNormalization(groups=-1)`: one group per channel, statistics over the image
alone) and ReLU (LeakyReLU 0.2 in D). The network sizes itself: down-samplings
`min(2, log2(side) − 3)` (none at 8×8, where a 2×2 middle would leave instance norm four values),
the outer kernels 7×7 from 32 pixels and 3×3 below, and residual blocks `res_blocks` (auto: none
up to 16 pixels, 3 at 32, 6 from 64 as the paper's 6 for 128). Small images get no residual
blocks so that the translator stays local: at 8×8 one output pixel sees a 5×5 window. Measured on
the digit pairs (cyclegan, 1,200 steps): with 1 or 3 blocks, whose receptive field (9 or 17
pixels) holds the whole digit, G and F settled on a permutation of the digits that the cycle
undoes (digits2edges: the label kept in 1–33% of translations, the error 0.27–0.42 per pixel
against a do-nothing 0.51); with none, 0.22 and rising label agreement; digits2inverted learns
the inversion either way. D's stride-2 layers are `clip(log2(side) − 3, 1, 3)`, so each logit of
its map judges a patch of the image (the PatchGAN): 8×8 images give a 4×4 map.

Points: plain MLPs (`net.depth` × `net.width`, `net.activation`): the translator maps a point in
one domain's network range to the other's; D is `mlp.mlp_discriminator`.
"""

from __future__ import annotations

import math

import keras

from ganstudio.core.nets.blocks import activation_layer
from ganstudio.core.nets.mlp import mlp_discriminator
from ganstudio.errors import ConfigError

MAX_DOWN = 2
MAX_D_DOWN = 3


def instance_norm(name: str | None = None) -> keras.layers.Layer:
    """Instance normalization: per example and channel, over the image's height and width
    (`GroupNormalization` with one group per channel), with a learned scale and offset."""
    return keras.layers.GroupNormalization(groups=-1, epsilon=1e-5, name=name)


def _levels(side: int) -> int:
    return int(round(math.log2(side))) if side > 0 else 0


def _check_side(shape: tuple[int, ...]) -> int:
    if len(shape) != 3 or shape[0] != shape[1]:
        raise ConfigError(f"the translation nets need square images, not {shape}.",
                          "Set data.image_size to crop them square.")
    side = int(shape[0])
    if not 8 <= side <= 128:
        raise ConfigError(f"the translation nets take images of 8 to 128 pixels, not {side}.",
                          "Set data.image_size between 8 and 128.")
    return side


def translator_plan(shape: tuple[int, int, int], res_blocks: int | None = None
                    ) -> dict[str, int]:
    """How `resnet_translator` sizes itself for an image shape.

    Args:
        shape: (H, W, C) with H == W in 8..128.
        res_blocks: Residual blocks (`None`: none up to 16 pixels, 3 at 32, 6 from 64).

    Returns:
        `down` (stride-2 layers, and as many up), `res_blocks`, `kernel` (the outer kernels).

    Raises:
        ConfigError: for images that are not square or outside 8..128 pixels.
    """
    side = _check_side(shape)
    down = max(0, min(MAX_DOWN, _levels(side) - 3))
    if res_blocks is not None:
        blocks = int(res_blocks)
    else:
        blocks = 0 if side <= 16 else 3 if side <= 32 else 6
    return {"down": down, "res_blocks": blocks, "kernel": 7 if side >= 32 else 3}


def resnet_translator(shape: tuple[int, int, int], out_channels: int, filters: int,
                      res_blocks: int | None = None, name: str = "translator") -> keras.Model:
    """CycleGAN's ResNet generator for images (module docstring), sized from `shape`.

    Args:
        shape: The input images' shape (H, W, C), in the network's range [-1, 1].
        out_channels: Channels of the output images.
        filters: f, the filters of the full-resolution layers (doubling per down-sampling).
        res_blocks: Residual blocks (`None`: by the image size, see `translator_plan`).
        name: The model's name.

    Returns:
        A `keras.Model` images -> images of the same side with `out_channels`, tanh.
    """
    plan = translator_plan(shape, res_blocks)
    x = keras.Input(shape, name="x")
    h, width = down_sampling(x, filters, plan)
    for _ in range(plan["res_blocks"]):
        h = residual_block(h, width)
    return keras.Model(x, up_sampling(h, width, plan, out_channels), name=name)


def down_sampling(x, filters: int, plan: dict[str, int]):
    """The translator's way in: a `plan["kernel"]` convolution of `filters`, then
    `plan["down"]` stride-2 3×3 ones doubling the filters, each with instance norm and ReLU.

    Returns:
        The features and their channels (filters · 2^down).
    """
    h = keras.layers.Conv2D(filters, plan["kernel"], padding="same")(x)
    h = keras.layers.ReLU()(instance_norm()(h))
    width = filters
    for _ in range(plan["down"]):
        width *= 2
        h = keras.layers.Conv2D(width, 3, strides=2, padding="same")(h)
        h = keras.layers.ReLU()(instance_norm()(h))
    return h, width


def residual_block(h, width: int):
    """A residual block of two 3×3 convolutions with instance norm (CycleGAN's, UNIT's
    INSResBlock): h + IN(conv(ReLU(IN(conv(h)))))."""
    r = keras.layers.Conv2D(width, 3, padding="same")(h)
    r = keras.layers.ReLU()(instance_norm()(r))
    r = keras.layers.Conv2D(width, 3, padding="same")(r)
    return keras.layers.Add()([h, instance_norm()(r)])


def up_sampling(h, width: int, plan: dict[str, int], out_channels: int):
    """The translator's way out, `down_sampling` mirrored: `plan["down"]` stride-2 3×3
    transposed convolutions halving `width`, each with instance norm and ReLU, then a
    `plan["kernel"]` convolution to `out_channels` with tanh (named `image`)."""
    for _ in range(plan["down"]):
        width //= 2
        h = keras.layers.Conv2DTranspose(width, 3, strides=2, padding="same")(h)
        h = keras.layers.ReLU()(instance_norm()(h))
    return keras.layers.Conv2D(out_channels, plan["kernel"], padding="same",
                               activation="tanh", name="image")(h)


def patch_discriminator(shape: tuple[int, int, int], filters: int,
                        name: str = "discriminator") -> keras.Model:
    """The PatchGAN discriminator (module docstring): one logit per overlapping patch.

    Args:
        shape: The images' shape (H, W, C), in the network's range.
        filters: Filters of the first layer (doubling per stride-2 layer, at most 8×).
        name: The model's name.

    Returns:
        A `keras.Model` images -> logits [N, h, w, 1] (h = H / 2^levels).
    """
    side = _check_side(shape)
    levels = max(1, min(MAX_D_DOWN, _levels(side) - 3))
    x = keras.Input(shape, name="x")
    h = keras.layers.Conv2D(filters, 4, strides=2, padding="same")(x)
    h = keras.layers.LeakyReLU(negative_slope=0.2)(h)
    width = filters
    for _ in range(1, levels):
        width = min(width * 2, 8 * filters)
        h = keras.layers.Conv2D(width, 4, strides=2, padding="same")(h)
        h = keras.layers.LeakyReLU(negative_slope=0.2)(instance_norm()(h))
    h = keras.layers.Conv2D(min(width * 2, 8 * filters), 4, padding="same")(h)
    h = keras.layers.LeakyReLU(negative_slope=0.2)(instance_norm()(h))
    out = keras.layers.Conv2D(1, 4, padding="same", name="logits")(h)
    return keras.Model(x, out, name=name)


def mlp_translator(in_dim: int, out_dim: int, depth: int, width: int, activation: str,
                   name: str = "translator") -> keras.Model:
    """x [N, in_dim] -> [Dense(width) -> act] × depth -> Dense(out_dim), a linear output.

    Args:
        in_dim: Coordinates of a point of the source domain.
        out_dim: Coordinates of a point of the target domain.
        depth: Hidden layers.
        width: Units per hidden layer.
        activation: Hidden activation name.
        name: The model's name.
    """
    x = keras.Input((in_dim,), name="x")
    h = x
    for i in range(depth):
        h = activation_layer(activation)(keras.layers.Dense(width, name=f"dense_{i}")(h))
    return keras.Model(x, keras.layers.Dense(out_dim, name="out")(h), name=name)


def build_translator(kind: str, shape_in: tuple[int, ...], shape_out: tuple[int, ...], net,
                     res_blocks: int | None = None, name: str = "translator") -> keras.Model:
    """The translator for a data kind: `resnet_translator` for images, `mlp_translator` for
    points.

    Args:
        kind: `images` or `points`.
        shape_in: One source example's shape.
        shape_out: One target example's shape (images: the same side as `shape_in`).
        net: The run's `NetConfig` (`filters` for images; `depth`, `width`, `activation`
            for points).
        res_blocks: Residual blocks for images (`None`: by the size).
        name: The model's name.
    """
    if kind == "images":
        return resnet_translator(tuple(shape_in), int(shape_out[-1]), net.filters, res_blocks,
                                 name=name)
    return mlp_translator(int(shape_in[0]), int(shape_out[0]), net.depth, net.width,
                          net.activation, name=name)


def build_domain_discriminator(kind: str, shape: tuple[int, ...], net,
                               name: str = "discriminator") -> keras.Model:
    """A domain's D: `patch_discriminator` for images (a map of logits), the project's
    `mlp_discriminator` for points (one logit, no normalization)."""
    if kind == "images":
        return patch_discriminator(tuple(shape), net.filters, name=name)
    d = mlp_discriminator(int(shape[0]), net.depth, net.width, net.activation, "none")
    return keras.Model(d.inputs, d.outputs, name=name)


def whole_image_res_blocks(shape: tuple[int, ...]) -> int:
    """Residual blocks for a translator that should see the whole image (3 up to 32 pixels,
    6 above, as the paper's 6 at 128), for the families whose tie to the input is not
    locality: `unit` (its shared code) and `translate` (its encoder consistency). Measured on
    digits2printed (translate, 3,000 steps): with none, G cannot redraw a handwritten digit in
    print (label kept 62%, FD 68.7); with 3, 88% and FD 16.3."""
    return 3 if int(shape[0]) <= 32 else 6
