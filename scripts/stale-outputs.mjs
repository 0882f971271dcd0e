// Outputs whose source is gone: a renamed or deleted module's .js, .d.ts and maps would otherwise
// stay in the output folder (tsc never removes anything), be loaded by tests and go into a packed
// tarball made from a working copy.
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const COMPILED = /^(.*)\.(js|d\.ts)(\.map)?$/;

/**
 * Removes, under `out`, what no file under `src` accounts for: a compiled file whose `.ts` is gone
 * (a file of the same name in `src` is a copied asset and stays), and folders `src` no longer has.
 * Returns the removed paths.
 */
export function pruneStaleOutputs(src, out) {
  const removed = [];
  if (!existsSync(out)) return removed;
  for (const name of readdirSync(out)) {
    const o = join(out, name);
    const s = join(src, name);
    if (statSync(o).isDirectory()) {
      if (existsSync(s)) removed.push(...pruneStaleOutputs(s, o));
      else {
        rmSync(o, { recursive: true, force: true });
        removed.push(o);
      }
      continue;
    }
    if (existsSync(s)) continue;
    const compiled = COMPILED.exec(name);
    if (compiled && existsSync(join(src, `${compiled[1]}.ts`))) continue;
    rmSync(o, { force: true });
    removed.push(o);
  }
  return removed;
}
