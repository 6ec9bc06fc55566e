'use strict';
// Just enough PNG for --overlay: reads 8-bit, non-interlaced gray/RGB/palette/gray-alpha/RGBA
// images (what gcg-data and most tools write) and writes 8-bit RGB. Alpha is dropped.
const zlib = require('zlib');

const SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
const CHANNELS = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

function paeth(a, b, c) {
  const p = a + b - c;
  const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** @returns {{width: number, height: number, rgb: Uint8Array}} */
function decode(bytes) {
  if (!bytes.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG file');
  let p = 8, width = 0, height = 0, depth = 0, type = 0, interlace = 0, palette = null;
  const idat = [];
  while (p < bytes.length) {
    const length = bytes.readUInt32BE(p);
    const kind = bytes.toString('ascii', p + 4, p + 8);
    const data = bytes.subarray(p + 8, p + 8 + length);
    if (kind === 'IHDR') {
      width = data.readUInt32BE(0); height = data.readUInt32BE(4);
      depth = data[8]; type = data[9]; interlace = data[12];
    } else if (kind === 'PLTE') palette = data;
    else if (kind === 'IDAT') idat.push(data);
    p += 12 + length;
  }
  if (depth !== 8 || interlace !== 0 || !(type in CHANNELS)) {
    throw new Error(`PNG with bit depth ${depth}, colour type ${type}, interlace ${interlace} is not supported for overlays; convert it to 8-bit RGB`);
  }
  const bpp = CHANNELS[type];
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const pixels = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? pixels[y * stride + i - bpp] : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + i] : 0;
      const c = i >= bpp && y > 0 ? pixels[(y - 1) * stride + i - bpp] : 0;
      const x = line[i];
      const v = [x, x + a, x + b, x + ((a + b) >> 1), x + paeth(a, b, c)][filter];
      if (v === undefined) throw new Error(`PNG filter ${filter} is unknown`);
      pixels[y * stride + i] = v & 0xff;
    }
  }
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    const s = pixels.subarray(i * bpp, i * bpp + bpp);
    const px = type === 3 ? palette.subarray(s[0] * 3, s[0] * 3 + 3) : bpp >= 3 ? s : [s[0], s[0], s[0]];
    rgb.set([px[0], px[1], px[2]], i * 3);
  }
  return { width, height, rgb };
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(kind, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(kind, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** Encodes 8-bit RGB pixels as a PNG. */
function encode({ width, height, rgb }) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0); ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; ihdr[9] = 2;
  const raw = Buffer.alloc(height * (width * 3 + 1));
  for (let y = 0; y < height; y++) {
    Buffer.from(rgb.buffer, rgb.byteOffset + y * width * 3, width * 3).copy(raw, y * (width * 3 + 1) + 1);
  }
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** The image with each phrase's mask tinted in its own colour and its box drawn. */
function overlay(imageBytes, phrases) {
  const image = decode(imageBytes);
  phrases.forEach((phrase, n) => {
    const hue = (n * 0.618034) % 1;
    const colour = [0, 1, 2].map((k) => Math.round(255 * Math.max(0, Math.min(1, Math.abs(((hue * 6 + [0, 4, 2][k]) % 6) - 3) - 1))));
    const mask = phrase.mask.decode();
    if (mask.width !== image.width || mask.height !== image.height) return;
    for (let i = 0; i < mask.data.length; i++) {
      if (mask.data[i]) for (let k = 0; k < 3; k++) image.rgb[i * 3 + k] = Math.round(image.rgb[i * 3 + k] * 0.55 + colour[k] * 0.45);
    }
    const [x, y, w, h] = phrase.mask.bbox;
    const set = (px, py) => image.rgb.set(colour, (py * image.width + px) * 3);
    for (let px = x; px < x + w; px++) { set(px, y); set(px, y + h - 1); }
    for (let py = y; py < y + h; py++) { set(x, py); set(x + w - 1, py); }
  });
  return encode(image);
}

module.exports = { decode, encode, overlay };
