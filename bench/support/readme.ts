/**
 * Replaces the README's "## Benchmarks" section (heading to the next `## ` heading or the end)
 * and nothing else; other sections belong to others, so the file is re-read right before writing.
 */
import { readFileSync, writeFileSync } from 'node:fs';

export const SECTION = '## Benchmarks';

/** `readme` with the section replaced by `body` (appended before `## Licence` if absent, else at the end). */
export function replaceSection(readme: string, body: string): string {
  const block = `${SECTION}\n\n${body.trim()}\n`;
  const lines = readme.split('\n');
  const start = lines.findIndex((l) => l.trim() === SECTION);
  if (start === -1) {
    const licence = lines.findIndex((l) => /^## Licen[cs]e\b/.test(l));
    if (licence === -1) return `${readme.replace(/\s*$/, '')}\n\n${block}`;
    return [...lines.slice(0, licence), ...block.split('\n'), ...lines.slice(licence)].join('\n');
  }
  let end = lines.findIndex((l, i) => i > start && /^## /.test(l));
  if (end === -1) end = lines.length;
  const after = lines.slice(end);
  return [...lines.slice(0, start), ...block.split('\n'), ...after].join('\n').replace(/\n*$/, '\n');
}

/** Rewrites the section of the README at `path` in place. */
export function updateReadme(path: string, body: string): void {
  writeFileSync(path, replaceSection(readFileSync(path, 'utf8'), body));
}
