"""UNIT's networks (Liu et al. 2017): an encoder and a decoder per domain that share their
innermost layers, so both domains' codes live in one latent space.

    x_a ─ E_A front ─┐                    ┌─ G_A back ─> x̃_a
                     ├─ E shared ─ z ─ G shared ─┤
    x_b ─ E_B front ─┘                    └─ G_B back ─> x̃_b

The shared parts are single Keras models called from both domains' paths, so a domain's
gradient moves the variables the other domain uses (there is one copy of each weight).
E shared gives the code's mean μ; the recipe adds the noise (`recipes.unit`).

Images (8 to 128 pixels a side), sized like CycleGAN's translator (`translation.translator_plan`
decides the down-samplings and the kernels) but with R residual blocks on each side of the code
(`unit_plan`; auto 3 up to 32 pixels, 6 above, as the paper's code has 3 + 1 a side):

    E front:  c7s1-f (3×3 below 32 px), d2f, d4f, R × (R − S)       (instance norm, ReLU)
    E shared: R × S                                               -> μ, a feature map
    G shared: R × S
    G back:   R × (R − S), u2f, uf, c7s1-C, tanh

with S = `shared_blocks` (UNIT's 1) of the R blocks on each side shared; 8×8 digits keep their
full resolution (no down-sampling), so the code is an 8×8×f map. CycleGAN's translator has no
residual blocks up to 16 pixels (with them its G and F settled on a permutation of the
digits); UNIT keeps them: its shared code ties both decoders to one content, and on
digits2edges with 3 blocks a side (2,000 steps) it kept the label in 94% of translations at
a seventh (a → b) and an eleventh (b → a) of the do-nothing error (the README's table).

Points: MLPs of `net.depth` hidden layers of `net.width` on each side; the encoders share their
last hidden layer and the linear head μ (of `code_dim` values), the decoders their first hidden
layer.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras

from ganstudio.core.nets.blocks import activation_layer
from ganstudio.core.nets.translation import (
    down_sampling,
    residual_block,
    translator_plan,
    up_sampling,
    whole_image_res_blocks,
)


@dataclass(frozen=True)
class UnitNets:
    """The six parts of UNIT's two VAEs; `encode` and `decode` compose them.

    Args:
        front_a: E_A's own layers: A's examples -> features.
        front_b: E_B's own layers.
        shared_encoder: The encoders' shared last layers: features -> μ.
        shared_decoder: The decoders' shared first layers: a code -> features.
        back_a: G_A's own layers: features -> A's examples (network range).
        back_b: G_B's own layers.
    """

    front_a: keras.Model
    front_b: keras.Model
    shared_encoder: keras.Model
    shared_decoder: keras.Model
    back_a: keras.Model
    back_b: keras.Model

    def encode(self, x, domain: str, training: bool = False):
        """μ of the code of x, an example of `domain` (`a` or `b`), in the network's range."""
        front = self.front_a if domain == "a" else self.front_b
        return self.shared_encoder(front(x, training=training), training=training)

    def decode(self, z, domain: str, training: bool = False):
        """A code -> an example of `domain` in the network's range."""
        back = self.back_a if domain == "a" else self.back_b
        return back(self.shared_decoder(z, training=training), training=training)

    def models(self) -> list[keras.Model]:
        """All six, each once (a stable order for checkpoints and the export)."""
        return [self.front_a, self.front_b, self.shared_encoder, self.shared_decoder,
                self.back_a, self.back_b]


def _blocks(shape: tuple[int, ...], width: int, count: int, name: str) -> keras.Model:
    """`count` residual blocks at one width, as a model (the identity for 0)."""
    x = keras.Input(shape, name="h")
    h = x
    for _ in range(count):
        h = residual_block(h, width)
    return keras.Model(x, h, name=name)


def unit_plan(shape: tuple[int, int, int], res_blocks: int | None = None) -> dict[str, int]:
    """How `image_unit_nets` sizes itself: `translator_plan`'s down-samplings and kernels with
    R = `res_blocks` residual blocks a side (`None`: 3 up to 32 pixels, 6 above).

    Raises:
        ConfigError: for images that are not square or outside 8..128 pixels.
    """
    return translator_plan(shape, res_blocks if res_blocks is not None
                           else whole_image_res_blocks(shape))


def image_unit_nets(shape_a: tuple[int, int, int], shape_b: tuple[int, int, int],
                    filters: int, res_blocks: int | None = None,
                    shared_blocks: int = 1) -> UnitNets:
    """UNIT's image encoders and decoders (module docstring), sized from the images.

    Args:
        shape_a: Domain A's images (H, W, C), in the network's range [-1, 1].
        shape_b: Domain B's images (the same side as A's; channels may differ).
        filters: f, the full-resolution layers' filters (doubling per down-sampling).
        res_blocks: R, residual blocks on each side of the code (`None`: `unit_plan`'s 3 up
            to 32 pixels, 6 above).
        shared_blocks: S, how many of them the two domains share on each side (at least 1;
            above R, S shared blocks and no own ones).

    Returns:
        The `UnitNets`; the code is a feature map (H / 2^down, W / 2^down, f · 2^down).

    Raises:
        ConfigError: for images that are not square or outside 8..128 pixels.
    """
    plan = unit_plan(shape_a, res_blocks)
    shared = max(1, int(shared_blocks))
    own = max(0, plan["res_blocks"] - shared)
    width = filters * 2 ** plan["down"]
    side = int(shape_a[0]) // 2 ** plan["down"]
    code_shape = (side, side, width)

    def front(shape, name):
        x = keras.Input(shape, name="x")
        h, w = down_sampling(x, filters, plan)
        for _ in range(own):
            h = residual_block(h, w)
        return keras.Model(x, h, name=name)

    def back(channels, name):
        x = keras.Input(code_shape, name="h")
        h = x
        for _ in range(own):
            h = residual_block(h, width)
        return keras.Model(x, up_sampling(h, width, plan, channels), name=name)

    return UnitNets(front(tuple(shape_a), "E_A"), front(tuple(shape_b), "E_B"),
                    _blocks(code_shape, width, shared, "E_shared"),
                    _blocks(code_shape, width, shared, "G_shared"),
                    back(int(shape_a[-1]), "G_A"), back(int(shape_b[-1]), "G_B"))


def _dense_stack(in_dim: int, sizes: list[int], activation: str, name: str,
                 linear_last: bool = False) -> keras.Model:
    x = keras.Input((in_dim,), name="x")
    h = x
    for i, units in enumerate(sizes):
        h = keras.layers.Dense(units, name=f"dense_{i}")(h)
        if not (linear_last and i == len(sizes) - 1):
            h = activation_layer(activation)(h)
    return keras.Model(x, h, name=name)


def point_unit_nets(dim_a: int, dim_b: int, depth: int, width: int, activation: str,
                    code_dim: int) -> UnitNets:
    """UNIT's encoders and decoders for points (module docstring).

    Args:
        dim_a: Coordinates of a point of A.
        dim_b: Coordinates of a point of B.
        depth: Hidden layers on each side of the code: depth − 1 of each domain's own, then
            (encoders) one shared hidden layer and the shared head μ; the decoders mirror it.
            With depth 1 each encoder's own part is a linear map to `width` (the domains'
            inputs differ, so something must be per domain).
        width: Units per hidden layer.
        activation: Hidden activation name.
        code_dim: Values in a code.

    Returns:
        The `UnitNets`.
    """
    own = max(1, int(depth)) - 1

    def front(dim: int, name: str) -> keras.Model:
        return _dense_stack(dim, [width] * (own or 1), activation, name, linear_last=not own)

    def back(dim: int, name: str) -> keras.Model:
        return _dense_stack(width, [width] * own + [dim], activation, name, linear_last=True)

    return UnitNets(front(dim_a, "E_A"), front(dim_b, "E_B"),
                    _dense_stack(width, [width, code_dim], activation, "E_shared",
                                 linear_last=True),
                    _dense_stack(code_dim, [width], activation, "G_shared"),
                    back(dim_a, "G_A"), back(dim_b, "G_B"))
