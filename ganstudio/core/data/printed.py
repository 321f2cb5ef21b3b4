"""Printed digits: 0–9 drawn with Pillow from fonts, at 8×8 like scikit-learn's digits.

scikit-learn's digits are 32×32 bitmaps counted in 4×4 blocks: bright ink on black, thick and
blurry, filling most of the frame. These are drawn alike: each glyph is drawn large (with a
stroke that thickens it), cut to its ink, scaled to a varied height and width, shifted, turned a
little, and averaged down to 8×8 (box filter: each pixel is the ink's coverage of its block),
then stretched so the brightest pixel is 1.

The fonts: Pillow's bundled font (present wherever Pillow has FreeType) and the common system
fonts of `FONT_CANDIDATES` that are installed, in that list's order, so a seed gives the same
digits on one machine (another machine may have other fonts).
"""

from __future__ import annotations

import functools

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from ganstudio.core.data.base import IMAGES, Dataset

# Font files Pillow's `ImageFont.truetype` finds by name in the system's font folders (Linux:
# the XDG font folders; macOS: /Library/Fonts and the system's; Windows: its Fonts folder).
FONT_CANDIDATES = (
    "DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf",
    "DejaVuSansMono.ttf", "DejaVuSansCondensed-Oblique.ttf",
    "LiberationSans-Regular.ttf", "LiberationSerif-Regular.ttf", "LiberationMono-Regular.ttf",
    "NimbusSans-Regular.otf", "NimbusRoman-Regular.otf", "NimbusMonoPS-Regular.otf",
    "URWGothic-Book.otf", "C059-Roman.otf", "P052-Roman.otf", "URWBookman-Light.otf",
    "Z003-MediumItalic.otf", "NotoSans-Regular.ttf", "NotoSerif-Regular.ttf",
    "NotoSansMono-Regular.ttf", "FreeSans.ttf", "FreeSerif.ttf", "FreeMono.ttf",
    "arial.ttf", "arialbd.ttf", "times.ttf", "cour.ttf", "verdana.ttf", "georgia.ttf",
    "tahoma.ttf", "comic.ttf", "Helvetica.ttc", "Times.ttc", "Courier.ttc", "Georgia.ttf",
)
BUNDLED = "(Pillow's bundled font)"
GLYPH_SIZE = 96  # the font size glyphs are drawn at, before they are cut and scaled
CANVAS = 128  # the side the scaled glyph is placed on: 16 × 16 pixels per 8×8 pixel


@functools.cache
def _font(name: str) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if name == BUNDLED:
        try:
            return ImageFont.load_default(size=GLYPH_SIZE)
        except TypeError:  # Pillow < 10.1: the bitmap font only
            return ImageFont.load_default()
    return ImageFont.truetype(name, GLYPH_SIZE)


@functools.lru_cache(maxsize=1)
def available_fonts() -> tuple[str, ...]:
    """The fonts printed digits are drawn from on this machine.

    Returns:
        `BUNDLED` (Pillow's own font, always there), then each of `FONT_CANDIDATES` that Pillow
        finds installed, in that order.
    """
    found = [BUNDLED]
    for name in FONT_CANDIDATES:
        try:
            _font(name)
        except OSError:
            continue
        found.append(name)
    return tuple(found)


@functools.cache
def _glyph(font_name: str, digit: int, stroke: int) -> Image.Image:
    """The digit's ink ("L", white on black), cut to its bounding box."""
    font = _font(font_name)
    side = GLYPH_SIZE * 2
    image = Image.new("L", (side, side), 0)
    draw = ImageDraw.Draw(image)
    if isinstance(font, ImageFont.FreeTypeFont):
        draw.text((side // 4, side // 8), str(digit), fill=255, font=font, stroke_width=stroke,
                  stroke_fill=255)
    else:  # the bitmap font draws small, without a stroke: scaled up when placed
        draw.text((side // 4, side // 8), str(digit), fill=255, font=font)
    box = image.getbbox()
    return image.crop(box) if box else image


def render_digit(digit: int, font_name: str, rng: np.random.Generator) -> np.ndarray:
    """Draws one digit at 8×8 with varied size, width, stroke, offset and rotation.

    Args:
        digit: 0 to 9.
        font_name: One of `available_fonts()`.
        rng: Draws the variations.

    Returns:
        [8, 8] float32 in [0, 1], ink bright on black, the brightest pixel 1.
    """
    stroke = int(rng.integers(0, 4))  # at GLYPH_SIZE 96: the font's weight to bold (more shuts 5 to 6)
    glyph = _glyph(font_name, int(digit), stroke)
    height = rng.uniform(0.72, 0.95) * CANVAS  # sklearn's digits fill most of the frame
    # wider than the font's own shape, as sklearn's (size-normalized) handwriting is
    width = min(glyph.width / glyph.height * height * rng.uniform(1.05, 1.5), 0.85 * CANVAS)
    scaled = glyph.resize((max(1, round(width)), max(1, round(height))),
                          Image.Resampling.LANCZOS)
    canvas = Image.new("L", (CANVAS, CANVAS), 0)
    dx, dy = rng.uniform(-0.07, 0.07, size=2) * CANVAS
    canvas.paste(scaled, (round((CANVAS - scaled.width) / 2 + dx),
                          round((CANVAS - scaled.height) / 2 + dy)))
    canvas = canvas.rotate(float(rng.uniform(-12.0, 12.0)), Image.Resampling.BILINEAR)
    canvas = canvas.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.0, 4.0))))
    small = np.asarray(canvas.resize((8, 8), Image.Resampling.BOX), np.float32)
    peak = float(small.max())
    return (small / peak if peak > 0 else small).astype(np.float32)


def printed_digits(labels: np.ndarray, seed: int = 0,
                   fonts: tuple[str, ...] | None = None) -> np.ndarray:
    """Draws one printed digit per label, each in a font and with variations drawn at random.

    Args:
        labels: [N] digits 0 to 9.
        seed: Seed of the fonts and variations: the same seed gives the same images (on one
            machine: the fonts found may differ between machines).
        fonts: The fonts to draw from (default: `available_fonts()`).

    Returns:
        [N, 8, 8, 1] float32 in [0, 1].

    Example:
        >>> printed_digits(np.arange(10), seed=1).shape
        (10, 8, 8, 1)
    """
    fonts = available_fonts() if fonts is None else fonts
    rng = np.random.default_rng(seed)
    choice = rng.integers(0, len(fonts), size=len(labels))
    images = [render_digit(int(d), fonts[int(f)], rng) for d, f in zip(labels, choice, strict=True)]
    return np.stack(images)[..., None] if images else np.zeros((0, 8, 8, 1), np.float32)


def printed_dataset(labels: np.ndarray, seed: int = 0, name: str = "printed") -> Dataset:
    """A labelled dataset of printed digits, one per label (see `printed_digits`).

    Args:
        labels: [N] digits 0 to 9.
        seed: Seed of the fonts and variations.
        name: The dataset's name.

    Returns:
        An images `Dataset` [N, 8, 8, 1] with labels and class names "0" to "9".
    """
    labels = np.asarray(labels, np.int32)
    return Dataset(name, IMAGES, printed_digits(labels, seed), labels,
                   [str(i) for i in range(10)],
                   description=f"{len(labels):,} printed 8x8 digits "
                               f"({len(available_fonts())} fonts)")
