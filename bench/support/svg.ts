/**
 * A small hand-written SVG line chart (no chart dependency): upload throughput against part
 * concurrency. Deterministic output for the same input, so the committed file only changes when
 * the figures do.
 */
import type { ConcurrencyPoint } from './types.js';

const W = 600;
const H = 320;
const PAD = { left: 64, right: 24, top: 56, bottom: 56 };

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A "nice" axis top (1, 2, 2.5, 5 × 10^n) at or above `max`. */
export function niceCeiling(max: number): number {
  if (!(max > 0)) return 1;
  const pow = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * pow >= max) return m * pow;
  return 10 * pow;
}

/** Options of the chart. */
export interface ChartOptions {
  title: string;
  /** A smaller second line under the title (conditions of the run). */
  subtitle?: string;
  /** Optional dashed reference line, e.g. the single-connection cap. */
  reference?: { value: number; label: string };
  /** Axis titles (default: the concurrency chart's). */
  xLabel?: string;
  yLabel?: string;
}

/** The chart as an SVG document. Points are plotted in the order given, evenly spaced, each centred in its slot. */
export function concurrencyChart(points: ConcurrencyPoint[], options: ChartOptions): string {
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const top = niceCeiling(Math.max(...points.map((p) => p.mbPerSecond), options.reference?.value ?? 0));
  const x = (i: number): number => PAD.left + ((i + 0.5) * plotW) / points.length;
  const y = (v: number): number => PAD.top + plotH - (v / top) * plotH;
  const f = (n: number): string => n.toFixed(1);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="14" font-weight="bold">${esc(options.title)}</text>`);
  if (options.subtitle) out.push(`<text x="${W / 2}" y="40" text-anchor="middle" fill="#555">${esc(options.subtitle)}</text>`);
  for (let i = 0; i <= 5; i++) {
    const v = (top * i) / 5;
    out.push(`<line x1="${PAD.left}" y1="${f(y(v))}" x2="${W - PAD.right}" y2="${f(y(v))}" stroke="#e0e0e0"/>`);
    out.push(`<text x="${PAD.left - 8}" y="${f(y(v) + 4)}" text-anchor="end">${Number(v.toFixed(1))}</text>`);
  }
  out.push(`<line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${PAD.top + plotH}" stroke="#333"/>`);
  out.push(`<line x1="${PAD.left}" y1="${PAD.top + plotH}" x2="${W - PAD.right}" y2="${PAD.top + plotH}" stroke="#333"/>`);
  if (options.reference) {
    const ry = f(y(options.reference.value));
    out.push(`<line x1="${PAD.left}" y1="${ry}" x2="${W - PAD.right}" y2="${ry}" stroke="#c0392b" stroke-dasharray="6 4"/>`);
    out.push(`<text x="${W - PAD.right}" y="${f(y(options.reference.value) - 6)}" text-anchor="end" fill="#c0392b">${esc(options.reference.label)}</text>`);
  }
  const path = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${f(x(i))},${f(y(p.mbPerSecond))}`).join(' ');
  out.push(`<path d="${path}" fill="none" stroke="#2471a3" stroke-width="2.5"/>`);
  points.forEach((p, i) => {
    out.push(`<circle cx="${f(x(i))}" cy="${f(y(p.mbPerSecond))}" r="4" fill="#2471a3"/>`);
    out.push(`<text x="${f(x(i))}" y="${f(y(p.mbPerSecond) - 10)}" text-anchor="middle">${p.mbPerSecond}</text>`);
    out.push(`<text x="${f(x(i))}" y="${PAD.top + plotH + 18}" text-anchor="middle">${p.concurrency}</text>`);
  });
  out.push(`<text x="${PAD.left + plotW / 2}" y="${H - 14}" text-anchor="middle">${esc(options.xLabel ?? 'parts in flight (concurrency)')}</text>`);
  out.push(`<text x="16" y="${PAD.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 16 ${PAD.top + plotH / 2})">${esc(options.yLabel ?? 'throughput (MB/s)')}</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
