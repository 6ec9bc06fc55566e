"""Unit tests of the Python client that need no server (the conformance suite needs one)."""

import io
import os
import tempfile
import unittest
from contextlib import redirect_stderr

import numpy as np
from PIL import Image

from gcg_client import GroundedPhrase, Mask, caption_request, cli, masks, overlay


def encode(pixels: np.ndarray) -> str:
    """Test-only COCO RLE encoder (pycocotools' rleToString), column-major runs."""
    flat = pixels.T.reshape(-1).astype(np.uint8)
    runs, current, n = [], 0, 0
    for v in flat:
        if v != current:
            runs.append(n)
            current, n = v, 0
        n += 1
    runs.append(n)
    out = []
    for i, r in enumerate(runs):
        x = r - runs[i - 2] if i > 2 else r
        more = True
        while more:
            c = x & 0x1F
            x >>= 5
            more = (x != -1) if (c & 0x10) else (x != 0)
            if more:
                c |= 0x20
            out.append(chr(c + 48))
    return "".join(out)


class MaskTest(unittest.TestCase):
    def test_decode_inverts_the_encoder_on_random_masks(self):
        rng = np.random.default_rng(7)
        for shape in [(1, 1), (3, 5), (17, 9), (64, 48)]:
            for density in (0.0, 0.1, 0.5, 1.0):
                pixels = rng.random(shape) < density
                decoded = masks.decode(encode(pixels), list(shape))
                np.testing.assert_array_equal(decoded, pixels)

    def test_bbox_area_and_fingerprint(self):
        pixels = np.zeros((4, 6), dtype=bool)
        pixels[1:3, 2:5] = True
        self.assertEqual(masks.tight_bbox(pixels), [2, 1, 3, 2])
        self.assertEqual(masks.tight_bbox(np.zeros((2, 2), dtype=bool)), [0, 0, 0, 0])
        # row-major bytes: the same fingerprint as the Java, Node and Go runners compute
        expected = __import__("hashlib").sha256(pixels.astype(np.uint8).tobytes()).hexdigest()
        self.assertEqual(masks.pixels_sha256(pixels), expected)

    def test_rejects_runs_that_do_not_cover_the_mask(self):
        with self.assertRaisesRegex(ValueError, "cover 1 pixels"):
            masks.decode("1", [2, 2])
        with self.assertRaisesRegex(ValueError, "bad character"):
            masks.decode(" ", [1, 1])


class RequestTest(unittest.TestCase):
    def test_keep_ratio_goes_to_the_typed_field_of_a_built_in(self):
        r = caption_request(b"x", pruner="altp", keep_ratio=0.25, max_new_tokens=7)
        self.assertEqual(r.pruner.WhichOneof("typed_params"), "altp")
        self.assertAlmostEqual(r.pruner.altp.keep_ratio, 0.25)
        self.assertEqual(r.generation.max_new_tokens, 7)

    def test_keep_ratio_goes_to_params_for_a_plugin(self):
        r = caption_request(b"x", pruner="grid", keep_ratio=0.5)
        self.assertEqual(dict(r.pruner.params), {"keep_ratio": "0.5"})

    def test_keep_ratio_twice_is_a_usage_error(self):
        with self.assertRaises(ValueError):
            caption_request(b"x", pruner="grid", keep_ratio=0.5, params={"keep_ratio": "0.5"})
        with tempfile.NamedTemporaryFile(suffix=".png") as f, redirect_stderr(io.StringIO()) as err:
            code = cli.main(["--target", "127.0.0.1:1", "--image", f.name, "--pruner", "grid",
                             "--keep-ratio", "0.5", "--param", "keep_ratio=0.5"])
        self.assertEqual(code, 2, err.getvalue())

    def test_missing_image_file_exits_3(self):
        with redirect_stderr(io.StringIO()):
            code = cli.main(["--target", "127.0.0.1:1", "--image", "/nonexistent/x.png"])
        self.assertEqual(code, 3)


class OverlayTest(unittest.TestCase):
    def test_tints_the_mask_and_leaves_the_rest(self):
        buf = io.BytesIO()
        Image.new("RGB", (8, 6), (0, 0, 0)).save(buf, format="PNG")
        pixels = np.zeros((6, 8), dtype=bool)
        pixels[2:4, 3:6] = True
        phrase = GroundedPhrase("thing", 0, 5, Mask(encode(pixels), [6, 8], [3, 2, 3, 2], 0.9))
        out = np.asarray(overlay.render(buf.getvalue(), [phrase]))
        self.assertTrue((out[2:4, 3:6].sum(axis=2) > 0).all())
        self.assertEqual(out[0, 0].tolist(), [0, 0, 0])


if __name__ == "__main__":
    unittest.main()
