#!/usr/bin/env node
// Draws the tile's logo (a key on a blue square, 128x128, 24-bit BMP) for the DLL's resources.
// Generated at build time so no binary lives in the repository.
// Usage: node scripts/native/gen-tile-bitmap.mjs OUT.bmp
import fs from 'node:fs';
import path from 'node:path';

const out = process.argv[2];
if (!out) {
  console.error('usage: gen-tile-bitmap.mjs OUT.bmp');
  process.exit(2);
}
const SIZE = 128;
const background = [0x7a, 0x4a, 0x0f]; // BGR of #0f4a7a
const key = [0xff, 0xff, 0xff];

function inKey(x, y) {
  const dx = x - 44, dy = y - 64;
  const d = Math.hypot(dx, dy);
  if (d <= 22 && d >= 10) return true; // bow (ring)
  if (x >= 62 && x <= 104 && y >= 60 && y <= 68) return true; // shank
  if (x >= 86 && x <= 92 && y >= 68 && y <= 80) return true; // bit 1
  if (x >= 98 && x <= 104 && y >= 68 && y <= 84) return true; // bit 2
  return false;
}

const rowBytes = SIZE * 3; // 384, already a multiple of 4
const pixels = Buffer.alloc(rowBytes * SIZE);
for (let row = 0; row < SIZE; row++) {
  const y = SIZE - 1 - row; // BMP rows are bottom-up
  for (let x = 0; x < SIZE; x++) {
    const color = inKey(x, y) ? key : background;
    pixels.set(color, row * rowBytes + x * 3);
  }
}
const header = Buffer.alloc(54);
header.write('BM', 0, 'ascii');
header.writeUInt32LE(54 + pixels.length, 2);
header.writeUInt32LE(54, 10);
header.writeUInt32LE(40, 14);
header.writeInt32LE(SIZE, 18);
header.writeInt32LE(SIZE, 22);
header.writeUInt16LE(1, 26);
header.writeUInt16LE(24, 28);
header.writeUInt32LE(pixels.length, 34);
const bmp = Buffer.concat([header, pixels]);
fs.mkdirSync(path.dirname(out), { recursive: true });
if (!fs.existsSync(out) || !fs.readFileSync(out).equals(bmp)) fs.writeFileSync(out, bmp);
