// Sample media for the demo: every relative file path the examples mention (e.g. a movie the
// "farm job finished" Inject sends) is created under the demo's fileWorkingDirectory, so the
// examples run as they are. Images get a real PNG; other files get deterministic bytes.
import { deflateSync } from 'node:zlib';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize } from 'node:path';

const MEDIA = 'mov|mp4|m4v|webm|avi|mkv|mxf|png|jpe?g|gif|tiff?|exr|dpx|pdf|txt|zip|wav';
/** Node types whose paths are written, not read. */
const WRITERS = new Set(['shotgrid-download', 'file']);
const PATH_RE = new RegExp(`(?:^|["'\\s(=:,\\[])((?:\\.{0,2}/)?(?:[\\w.-]+/)*[\\w.-]+\\.(?:${MEDIA}))(?=$|["'\\s),;\\]}])`, 'gi');

/** Relative file paths mentioned anywhere in the examples' string properties. */
export function referencedFiles(nodes) {
  const found = new Set();
  const visit = (value) => {
    if (typeof value === 'string') {
      for (const m of value.matchAll(PATH_RE)) {
        const p = m[1];
        if (!isAbsolute(p) && !/^[a-z]+:/i.test(p) && !normalize(p).startsWith('..')) found.add(normalize(p));
      }
    } else if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') Object.values(value).forEach(visit);
  };
  for (const node of nodes) {
    // Destinations (downloads, files written) must not be pre-created; only sources matter.
    if (WRITERS.has(node.type)) continue;
    const { id: _id, wires: _wires, type: _type, z: _z, ...props } = node;
    visit(props);
  }
  return [...found].sort();
}

/** Writes the sample files (missing ones only) under `dir`; returns the paths created. */
export function writeFixtures(dir, relPaths) {
  const created = [];
  for (const rel of relPaths) {
    const target = join(dir, rel);
    if (existsSync(target)) continue;
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, /\.(png|jpe?g|gif|tiff?|exr|dpx)$/i.test(rel) ? samplePng(rel) : sampleBytes(rel, 512 * 1024));
    created.push(rel);
  }
  return created;
}

/** Deterministic pseudo-random bytes (a stand-in movie; the emulator does not decode it). */
export function sampleBytes(seedText, size) {
  const out = Buffer.alloc(size);
  let x = 2166136261;
  for (const c of seedText) x = Math.imul(x ^ c.charCodeAt(0), 16777619) >>> 0;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
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
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A 160×90 PNG with a diagonal gradient tinted from `seedText` (a real, decodable image). */
export function samplePng(seedText, width = 160, height = 90) {
  const tint = sampleBytes(seedText, 3);
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < width; x++) {
      const t = (x + y) / (width + height);
      raw[row + 1 + x * 3] = Math.round(tint[0] * (1 - t) + 40 * t);
      raw[row + 2 + x * 3] = Math.round(tint[1] * (1 - t) + 90 * t);
      raw[row + 3 + x * 3] = Math.round(tint[2] * (1 - t) + 160 * t);
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
