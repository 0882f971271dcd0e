/**
 * Generated thumbnails, since no transcoder is available: a label (e.g. the Version code) on a
 * tile coloured from the label, and the site's "pending" placeholder image.
 */
import { createHash } from 'node:crypto';
import { encodePng } from './png.js';
import { GLYPH_HEIGHT, GLYPH_WIDTH, glyphOf } from './tile-font.js';

const TILE_W = 320;
const TILE_H = 180;

type Rgb = [number, number, number];

/** A pleasant, readable background for a label: hue from its hash, fixed saturation/lightness. */
function colourFor(label: string): Rgb {
  const hue = createHash('sha1').update(label).digest().readUInt16BE(0) % 360;
  const s = 0.55;
  const l = 0.38;
  const c = (1 - Math.abs(2 * l - 1)) * s;
  const x = c * (1 - Math.abs(((hue / 60) % 2) - 1));
  const m = l - c / 2;
  const [r, g, b] = hue < 60 ? [c, x, 0] : hue < 120 ? [x, c, 0] : hue < 180 ? [0, c, x] : hue < 240 ? [0, x, c] : hue < 300 ? [x, 0, c] : [c, 0, x];
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)];
}

/** Draws `text` centred on the row band starting at `top`, as large as fits (up to `maxScale`). */
function drawText(rgb: Buffer, text: string, top: number, maxScale: number, colour: Rgb): number {
  const chars = [...text];
  const advance = GLYPH_WIDTH + 1;
  const scale = Math.max(1, Math.min(maxScale, Math.floor((TILE_W - 24) / Math.max(1, chars.length * advance))));
  const shown = chars.slice(0, Math.floor((TILE_W - 8) / (advance * scale)));
  const width = shown.length * advance * scale - scale;
  let x0 = Math.floor((TILE_W - width) / 2);
  for (const ch of shown) {
    const glyph = glyphOf(ch);
    for (let gy = 0; gy < GLYPH_HEIGHT; gy++) {
      for (let gx = 0; gx < GLYPH_WIDTH; gx++) {
        if (!((glyph[gy]! >> (GLYPH_WIDTH - 1 - gx)) & 1)) continue;
        for (let dy = 0; dy < scale; dy++) {
          for (let dx = 0; dx < scale; dx++) {
            const px = x0 + gx * scale + dx;
            const py = top + gy * scale + dy;
            if (px < 0 || px >= TILE_W || py < 0 || py >= TILE_H) continue;
            rgb.set(colour, (py * TILE_W + px) * 3);
          }
        }
      }
    }
    x0 += advance * scale;
  }
  return GLYPH_HEIGHT * scale;
}

function fill(background: Rgb): Buffer {
  const rgb = Buffer.alloc(TILE_W * TILE_H * 3);
  for (let i = 0; i < TILE_W * TILE_H; i++) rgb.set(background, i * 3);
  return rgb;
}

/** A 320×180 PNG: `label` large on a tile coloured from it, `caption` small beneath. */
export function labelTile(label: string, caption = ''): Buffer {
  const rgb = fill(colourFor(label));
  const bigHeight = GLYPH_HEIGHT * 5;
  drawText(rgb, label, Math.floor((TILE_H - bigHeight) / 2) - (caption ? 10 : 0), 5, [255, 255, 255]);
  if (caption) drawText(rgb, caption, TILE_H - 40, 2, [230, 230, 230]);
  return encodePng(TILE_W, TILE_H, rgb);
}

let placeholder: Buffer | undefined;

/** The transient "thumbnail pending" image (built once). */
export function placeholderPng(): Buffer {
  if (!placeholder) {
    const rgb = fill([72, 72, 78]);
    drawText(rgb, 'PROCESSING', 70, 4, [235, 235, 235]);
    drawText(rgb, 'THUMBNAIL PENDING', 120, 2, [190, 190, 190]);
    placeholder = encodePng(TILE_W, TILE_H, rgb);
  }
  return placeholder;
}
