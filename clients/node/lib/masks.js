'use strict';
// COCO RLE (compressed counts string) decoding, as pycocotools' rleFrString.
const crypto = require('crypto');

/** @param {string} counts @returns {number[]} the run lengths */
function decodeCounts(counts) {
  const runs = [];
  let p = 0;
  while (p < counts.length) {
    let value = 0;
    let shift = 0;
    let more = true;
    while (more) {
      if (p >= counts.length) throw new Error(`RLE counts string ends inside a number at ${p}`);
      const c = counts.charCodeAt(p) - 48;
      if (c < 0 || c > 63) throw new Error(`RLE counts string has a bad character at ${p}`);
      value += (c & 0x1f) * 2 ** shift;
      more = (c & 0x20) !== 0;
      p++;
      shift += 5;
      if (!more && (c & 0x10) !== 0) value -= 2 ** shift;
    }
    if (runs.length > 2) value += runs[runs.length - 2];
    runs.push(value);
  }
  return runs;
}

/**
 * The mask's pixels, row-major, one byte (0 or 1) per pixel.
 * @param {string} counts @param {number[]} size [height, width]
 * @returns {{height: number, width: number, data: Uint8Array}}
 */
function decodeMask(counts, size) {
  if (!size || size.length !== 2) throw new Error(`mask size must be [height, width], got ${size}`);
  const [height, width] = size;
  const runs = decodeCounts(counts);
  const total = runs.reduce((a, b) => a + b, 0);
  if (runs.some((r) => r < 0)) throw new Error('RLE counts string has a negative run');
  if (total !== height * width) {
    throw new Error(`RLE runs cover ${total} pixels, the mask has ${height * width}`);
  }
  const data = new Uint8Array(height * width);
  let i = 0; // column-major position
  runs.forEach((run, k) => {
    if (k % 2 === 1) {
      for (let j = i; j < i + run; j++) data[(j % height) * width + Math.floor(j / height)] = 1;
    }
    i += run;
  });
  return { height, width, data };
}

/** [x, y, width, height] of the foreground; zeros when empty. */
function tightBbox(mask) {
  let minX = mask.width, minY = mask.height, maxX = -1, maxY = -1;
  for (let y = 0; y < mask.height; y++) {
    for (let x = 0; x < mask.width; x++) {
      if (mask.data[y * mask.width + x]) {
        if (x < minX) minX = x;
        if (x > maxX) maxX = x;
        if (y < minY) minY = y;
        if (y > maxY) maxY = y;
      }
    }
  }
  return maxX < 0 ? [0, 0, 0, 0] : [minX, minY, maxX - minX + 1, maxY - minY + 1];
}

/** Foreground pixel count. */
function area(mask) {
  let n = 0;
  for (const v of mask.data) n += v;
  return n;
}

/** SHA-256 (hex) of the row-major 0/1 pixel bytes: the conformance fingerprint. */
function pixelsSha256(mask) {
  return crypto.createHash('sha256').update(mask.data).digest('hex');
}

module.exports = { decodeCounts, decodeMask, tightBbox, area, pixelsSha256 };
