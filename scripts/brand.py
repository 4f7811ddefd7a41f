"""Draw the integration's brand images (Home Assistant serves them from ``brand/``).

Run: ``uv run --frozen python scripts/brand.py``; the PNGs are committed.

The icon is a pair of compression boots seen from the side, each made of stacked
air chambers. Everything is drawn at 4x and downscaled, so edges are antialiased.
Sizes follow Home Assistant's brand rules: icons 256x256 and 512x512 (@2x); logos
landscape, shortest side 256 (512 for @2x); transparent backgrounds. The icon has no
dark parts, so it serves dark themes too; the logo's wordmark is dark, so the logo
has dark variants.
"""

from __future__ import annotations

import itertools
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

ROOT = Path(__file__).resolve().parent.parent
BRAND = ROOT / "custom_components" / "presso_boots" / "brand"
SCALE = 4
# Chambers: (top, bottom) colours; the near boot teal, the far one blue.
NEAR = ((0x2D, 0xD4, 0xBF), (0x0D, 0x94, 0x88))
FAR = ((0x7D, 0xD3, 0xFC), (0x25, 0x63, 0xEB))
INK = (0x0F, 0x2A, 0x3D)  # wordmark on light backgrounds
INK_DARK = (0xE6, 0xF4, 0xF1)  # wordmark on dark backgrounds
FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
)
Box = tuple[float, float, float, float]


def _smooth(mask: Image.Image, radius: float) -> Image.Image:
    """Round the corners of a mask: blur, then threshold."""
    blurred = mask.filter(ImageFilter.GaussianBlur(radius))
    return blurred.point(lambda v: 255 if v >= 128 else 0)


def _grow(mask: Image.Image, distance: float) -> Image.Image:
    """Dilate a mask by about ``distance`` pixels."""
    blurred = mask.filter(ImageFilter.GaussianBlur(distance / 2))
    return blurred.point(lambda v: 255 if v >= 3 else 0)


# One boot from the side, foot to the right: (x from the leg's axis, y from the thigh's
# top), in boot heights, clockwise from the top of the thigh.
OUTLINE = (
    (-0.01, -0.015), (0.15, 0.0), (0.14, 0.15), (0.12, 0.27), (0.10, 0.37), (0.085, 0.55),
    (0.06, 0.73), (0.09, 0.81), (0.22, 0.87), (0.33, 0.91), (0.35, 0.965), (0.31, 1.0),
    (0.05, 1.0), (-0.08, 0.99), (-0.10, 0.93), (-0.085, 0.85), (-0.06, 0.74), (-0.085, 0.62),
    (-0.15, 0.46), (-0.13, 0.31), (-0.15, 0.15), (-0.17, 0.0),
)  # fmt: skip
CUTS = (0.2, 0.38, 0.56, 0.75)  # where one chamber ends and the next begins


def _spline(a: float, b: float, c: float, d: float, t: float) -> float:
    """Catmull-Rom between b and c."""
    return 0.5 * (
        2 * b + (c - a) * t + (2 * a - 5 * b + 4 * c - d) * t * t + (3 * b - a - 3 * c + d) * t**3
    )


def _curve(points: list[tuple[float, float]], steps: int = 24) -> list[tuple[float, float]]:
    """A closed Catmull-Rom spline through the points."""
    out = []
    n = len(points)
    for i in range(n):
        (ax, ay), (bx, by), (cx, cy), (dx, dy) = (points[(i + k) % n] for k in (-1, 0, 1, 2))
        for step in range(steps):
            t = step / steps
            out.append((_spline(ax, bx, cx, dx, t), _spline(ay, by, cy, dy, t)))
    return out


def _open(mask: Image.Image, distance: float) -> Image.Image:
    """Remove slivers thinner than about ``2 * distance`` (shrink, then grow back)."""
    shrunk = mask.filter(ImageFilter.GaussianBlur(distance / 2)).point(
        lambda v: 255 if v >= 252 else 0
    )
    return _grow(shrunk, distance)


def _boot(size: int, axis_x: float, top_y: float, h: float) -> Image.Image:
    """The silhouette of one boot, ``h`` tall from thigh to sole."""
    mask = Image.new("L", (size, size), 0)
    points = [(axis_x + x * h, top_y + y * h) for x, y in OUTLINE]
    ImageDraw.Draw(mask).polygon(_curve(points), fill=255)
    return mask


def _chambers(silhouette: Image.Image, top_y: float, h: float) -> list[Image.Image]:
    """Cut the silhouette into stacked chambers: four on the leg, one on the foot."""
    size = silhouette.size[0]
    gap = 0.035 * h
    cuts = [top_y + f * h for f in (-0.1, *CUTS, 1.1)]
    parts = []
    for upper, lower in itertools.pairwise(cuts):
        band = Image.new("L", (size, size), 0)
        ImageDraw.Draw(band).rectangle(
            (0, upper + (gap / 2 if upper > top_y else 0), size, lower - gap / 2), fill=255
        )
        parts.append(_smooth(ImageChops.multiply(silhouette, band), 0.02 * h))
    return parts


def _gradient(size: int, box: Box, colours: tuple[tuple[int, int, int], ...]) -> Image.Image:
    """A vertical gradient from the first colour (top of ``box``) to the second."""
    (r1, g1, b1), (r2, g2, b2) = colours
    top, bottom = box[1], box[3]
    column = Image.new("RGB", (1, size))
    for y in range(size):
        t = min(1.0, max(0.0, (y - top) / max(1.0, bottom - top)))
        column.putpixel(
            (0, y),
            (round(r1 + (r2 - r1) * t), round(g1 + (g2 - g1) * t), round(b1 + (b2 - b1) * t)),
        )
    return column.resize((size, size))


def _paint(
    canvas: Image.Image, parts: list[Image.Image], colours: tuple[tuple[int, int, int], ...]
) -> None:
    """Fill each chamber with its own gradient (light on top: an inflated cushion)."""
    for part in parts:
        bbox = part.getbbox()
        if bbox is None:
            continue
        fill = _gradient(canvas.size[0], bbox, colours).convert("RGBA")
        canvas.paste(fill, (0, 0), part)


def icon(size: int) -> Image.Image:
    """The pair of boots, filling a square icon."""
    big = size * SCALE
    h = 0.80 * big
    near_axis, near_top = 0.30 * big, 0.13 * big
    far_axis, far_top = near_axis + 0.22 * h, near_top - 0.025 * h
    near = _boot(big, near_axis, near_top, h)
    far = _boot(big, far_axis, far_top, h)
    canvas = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    # The far boot shows around the near one, with a clear gap between the two.
    cut = _grow(near, 0.035 * h)
    far_parts = [
        _open(ImageChops.subtract(part, cut), 0.012 * h) for part in _chambers(far, far_top, h)
    ]
    _paint(canvas, far_parts, FAR)
    _paint(canvas, _chambers(near, near_top, h), NEAR)
    trimmed = canvas.crop(canvas.getbbox())
    square = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    scale = 0.94 * big / max(trimmed.size)
    fitted = trimmed.resize(
        (round(trimmed.width * scale), round(trimmed.height * scale)), Image.Resampling.LANCZOS
    )
    square.paste(fitted, ((big - fitted.width) // 2, (big - fitted.height) // 2))
    return square.resize((size, size), Image.Resampling.LANCZOS)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in FONTS:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def logo(height: int, ink: tuple[int, int, int]) -> Image.Image:
    """The icon and the name beside it, ``height`` tall, trimmed."""
    mark = icon(round(height / 0.9))
    mark = mark.crop(mark.getbbox())
    mark = mark.resize((round(mark.width * height / mark.height), height), Image.Resampling.LANCZOS)
    big = height * SCALE
    font = _font(round(big * 0.40))
    text = "Presso Boots"
    left, top, right, bottom = (round(v) for v in font.getbbox(text))
    words = Image.new("RGBA", (right - left, bottom - top), (0, 0, 0, 0))
    ImageDraw.Draw(words).text((-left, -top), text, font=font, fill=(*ink, 255))
    words = words.resize(
        (round(words.width / SCALE), round(words.height / SCALE)), Image.Resampling.LANCZOS
    )
    gap = round(height * 0.12)
    canvas = Image.new("RGBA", (mark.width + gap + words.width, height), (0, 0, 0, 0))
    canvas.paste(mark, (0, 0), mark)
    canvas.alpha_composite(words, (mark.width + gap, (height - words.height) // 2))
    return canvas


def main() -> None:
    BRAND.mkdir(exist_ok=True)
    images = {
        "icon.png": icon(256),
        "icon@2x.png": icon(512),
        "logo.png": logo(256, INK),
        "logo@2x.png": logo(512, INK),
        "dark_logo.png": logo(256, INK_DARK),
        "dark_logo@2x.png": logo(512, INK_DARK),
    }
    for name, image in images.items():
        image.save(BRAND / name, optimize=True)
        print(f"{name}: {image.width}x{image.height}")


if __name__ == "__main__":
    main()
