// What `npm pack` ships is the compiled JavaScript only: no TypeScript sources, so no source maps
// (they would point at files that are not in the package). Used by `build.mjs --release`
// (`prepack`) and by test/package/pack.test.ts.
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The build output folders package.json's `files` ships. */
export const SHIPPED_DIRS = ['lib', 'nodes', 'emulator'];

/** Deletes `*.map` files under `dir` and the `sourceMappingURL` comment of every `.js`/`.d.ts`. */
export function stripSourceMaps(dir) {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) stripSourceMaps(p);
    else if (name.endsWith('.map')) rmSync(p);
    else if (name.endsWith('.js') || name.endsWith('.d.ts')) {
      const text = readFileSync(p, 'utf8');
      const stripped = text.replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
      if (stripped !== text) writeFileSync(p, stripped);
    }
  }
}
