"""The two icons a Teams app package needs, drawn by code (Pillow), so nothing binary is
kept in the repository: a 192×192 colour icon and a 32×32 white outline on transparency.

The motif is an envelope, for an envoy that brings news.
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

ACCENT = "#1F6F8B"
COLOR_SIZE = 192
OUTLINE_SIZE = 32


def _envelope(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], width: int) -> None:
    left, top, right, bottom = box
    draw.rectangle(box, outline="white", width=width)
    middle = ((left + right) // 2, (top + bottom) // 2 + width)
    draw.line([(left, top), middle, (right, top)], fill="white", width=width, joint="curve")


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def color_icon() -> bytes:
    image = Image.new("RGB", (COLOR_SIZE, COLOR_SIZE), ACCENT)
    _envelope(ImageDraw.Draw(image), (40, 58, 152, 134), width=10)
    return _png(image)


def outline_icon() -> bytes:
    image = Image.new("RGBA", (OUTLINE_SIZE, OUTLINE_SIZE), (0, 0, 0, 0))
    _envelope(ImageDraw.Draw(image), (4, 8, 27, 23), width=2)
    return _png(image)
