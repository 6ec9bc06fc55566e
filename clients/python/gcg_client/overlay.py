"""Draws phrases' masks, boxes and labels over the image with Pillow."""

from __future__ import annotations

import colorsys
import io
from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw

from .events import GroundedPhrase


def colour(i: int):
    r, g, b = colorsys.hsv_to_rgb((i * 0.618034) % 1.0, 0.85, 1.0)
    return int(r * 255), int(g * 255), int(b * 255)


def render(image_bytes: bytes, phrases: Sequence[GroundedPhrase]) -> Image.Image:
    """The image with each mask tinted in its own colour, boxed and labelled."""
    base = Image.open(io.BytesIO(image_bytes)).convert("RGB")
    pixels = np.asarray(base, dtype=np.float32)
    for i, phrase in enumerate(phrases):
        mask = phrase.mask.decode()
        if mask.shape != pixels.shape[:2]:
            continue
        pixels[mask] = pixels[mask] * 0.55 + np.array(colour(i), dtype=np.float32) * 0.45
    out = Image.fromarray(pixels.clip(0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(out)
    for i, phrase in enumerate(phrases):
        x, y, w, h = phrase.mask.bbox
        if w > 0 and h > 0:
            draw.rectangle([x, y, x + w - 1, y + h - 1], outline=colour(i), width=2)
            draw.text((x + 2, max(0, y - 11)), phrase.phrase, fill=colour(i))
    return out
