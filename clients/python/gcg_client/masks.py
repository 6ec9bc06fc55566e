"""COCO RLE (compressed counts string) decoding to numpy arrays."""

from __future__ import annotations

import hashlib
from typing import List, Sequence

import numpy as np


def decode_counts(counts: str) -> List[int]:
    """Decodes a COCO compressed counts string into its run lengths (pycocotools' rleFrString)."""
    runs: List[int] = []
    data = counts.encode("ascii")
    p = 0
    while p < len(data):
        value = 0
        shift = 0
        more = True
        while more:
            if p >= len(data):
                raise ValueError(f"RLE counts string ends inside a number at {p}")
            c = data[p] - 48
            if c < 0 or c > 63:
                raise ValueError(f"RLE counts string has a bad character {chr(data[p])!r} at {p}")
            value |= (c & 0x1F) << shift
            more = bool(c & 0x20)
            p += 1
            shift += 5
            if not more and (c & 0x10):
                value |= -1 << shift
        if len(runs) > 2:
            value += runs[-2]
        runs.append(value)
    return runs


def decode(counts: str, size: Sequence[int]) -> np.ndarray:
    """The mask's pixels as a (height, width) bool array. Runs are column-major, background first."""
    if len(size) != 2:
        raise ValueError(f"mask size must be [height, width], got {list(size)}")
    height, width = int(size[0]), int(size[1])
    runs = decode_counts(counts)
    if any(r < 0 for r in runs):
        raise ValueError("RLE counts string has a negative run")
    if sum(runs) != height * width:
        raise ValueError(f"RLE runs cover {sum(runs)} pixels, the mask has {height * width}")
    values = np.zeros(len(runs), dtype=bool)
    values[1::2] = True
    flat = np.repeat(values, runs)
    return flat.reshape((width, height)).T


def tight_bbox(pixels: np.ndarray) -> List[int]:
    """[x, y, width, height] of the foreground, COCO order; zeros for an empty mask."""
    ys, xs = np.nonzero(pixels)
    if len(xs) == 0:
        return [0, 0, 0, 0]
    return [int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)]


def pixels_sha256(pixels: np.ndarray) -> str:
    """SHA-256 of the pixels row-major, one byte (0 or 1) per pixel: the conformance fingerprint."""
    return hashlib.sha256(np.ascontiguousarray(pixels, dtype=np.uint8).tobytes()).hexdigest()
