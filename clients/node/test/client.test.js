'use strict';
// Unit tests of the Node client that need no server (the conformance suite needs one).
const test = require('node:test');
const assert = require('node:assert');
const crypto = require('crypto');
const { CaptionCall, captionRequest, masks } = require('../lib');
const png = require('../lib/png');

// Test-only COCO RLE encoder (pycocotools' rleToString); data row-major, runs column-major.
function encode(data, height, width) {
  const runs = [];
  let current = 0, n = 0;
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      const v = data[y * width + x];
      if (v !== current) { runs.push(n); current = v; n = 0; }
      n++;
    }
  }
  runs.push(n);
  let out = '';
  runs.forEach((r, i) => {
    let x = i > 2 ? r - runs[i - 2] : r;
    let more = true;
    while (more) {
      let c = x & 0x1f;
      x >>= 5;
      more = (c & 0x10) ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      out += String.fromCharCode(c + 48);
    }
  });
  return out;
}

function randomMask(height, width, density, seed) {
  let s = seed;
  const data = new Uint8Array(height * width);
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    data[i] = s / 2147483648 < density ? 1 : 0;
  }
  return data;
}

test('decodeMask inverts the encoder on random masks', () => {
  for (const [h, w] of [[1, 1], [3, 5], [17, 9], [64, 48]]) {
    for (const density of [0, 0.1, 0.5, 1]) {
      const data = randomMask(h, w, density, h * 31 + w);
      const decoded = masks.decodeMask(encode(data, h, w), [h, w]);
      assert.deepStrictEqual(Array.from(decoded.data), Array.from(data));
    }
  }
});

test('bbox, area and the row-major fingerprint', () => {
  const data = new Uint8Array(4 * 6);
  for (let y = 1; y < 3; y++) for (let x = 2; x < 5; x++) data[y * 6 + x] = 1;
  const mask = { height: 4, width: 6, data };
  assert.deepStrictEqual(masks.tightBbox(mask), [2, 1, 3, 2]);
  assert.strictEqual(masks.area(mask), 6);
  assert.strictEqual(masks.pixelsSha256(mask), crypto.createHash('sha256').update(Buffer.from(data)).digest('hex'));
  assert.deepStrictEqual(masks.tightBbox({ height: 2, width: 2, data: new Uint8Array(4) }), [0, 0, 0, 0]);
});

test('decodeMask rejects runs that do not cover the mask', () => {
  assert.throws(() => masks.decodeMask('1', [2, 2]), /cover 1 pixels/);
});

test('keepRatio goes to the typed field of a built-in and to params for a plugin', () => {
  assert.deepStrictEqual(captionRequest(Buffer.from('x'), { pruner: 'altp', keepRatio: 0.25 }).pruner,
    { name: 'altp', params: {}, altp: { keepRatio: 0.25 } });
  assert.deepStrictEqual(captionRequest(Buffer.from('x'), { pruner: 'grid', keepRatio: 0.5 }).pruner.params,
    { keep_ratio: '0.5' });
  assert.throws(() => captionRequest(Buffer.from('x'), { pruner: 'grid', keepRatio: 0.5, params: { keep_ratio: '1' } }));
});

test('png encode/decode round trip and overlay tints only the mask', () => {
  const image = { width: 8, height: 6, rgb: new Uint8Array(8 * 6 * 3) };
  const bytes = png.encode(image);
  assert.deepStrictEqual(png.decode(bytes), { width: 8, height: 6, rgb: image.rgb });
  const data = new Uint8Array(6 * 8);
  for (let y = 2; y < 4; y++) for (let x = 3; x < 6; x++) data[y * 8 + x] = 1;
  const phrase = { mask: { bbox: [3, 2, 3, 2], decode: () => ({ height: 6, width: 8, data }) } };
  const out = png.decode(png.overlay(bytes, [phrase]));
  const at = (x, y) => Array.from(out.rgb.subarray((y * 8 + x) * 3, (y * 8 + x) * 3 + 3));
  assert.ok(at(4, 2).some((v) => v > 0));
  assert.deepStrictEqual(at(0, 0), [0, 0, 0]);
});

/** A grpc-js call stand-in whose stream fails with `error` once read. */
function failingCall(error) {
  return {
    on() {},
    cancel() {},
    async *[Symbol.asyncIterator]() { throw error; },
  };
}

async function statusOf(call) {
  try {
    await call.collect();
  } catch (error) {
    return error.code;
  }
  return 'OK';
}

test('a server reset after the deadline is DEADLINE_EXCEEDED; a cancel here stays CANCELLED', async () => {
  const reset = { code: 1, details: 'Call cancelled' };
  const past = Date.now() - 1;
  assert.strictEqual(await statusOf(new CaptionCall(failingCall(reset), past)), 'DEADLINE_EXCEEDED');
  // before the deadline, or without one, a reset is what grpc-js says it is
  assert.strictEqual(await statusOf(new CaptionCall(failingCall(reset), Date.now() + 60000)), 'CANCELLED');
  assert.strictEqual(await statusOf(new CaptionCall(failingCall(reset), undefined)), 'CANCELLED');
  const cancelled = new CaptionCall(failingCall(reset), past);
  cancelled.cancel();
  assert.strictEqual(await statusOf(cancelled), 'CANCELLED');
});
