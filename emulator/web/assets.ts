/**
 * The page's static files (`emulator/web/public/`, copied next to the compiled handler by the
 * build). Only the listed names are served; they are read once and kept in memory.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Served file names and their media types. */
const ASSET_TYPES: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};

/** A static file ready to send. */
export interface Asset {
  body: Buffer;
  contentType: string;
}

const cache = new Map<string, Asset>();

/** The asset of that name, or undefined when it is not one of the page's files. */
export function asset(name: string): Asset | undefined {
  if (!Object.hasOwn(ASSET_TYPES, name)) return undefined;
  let found = cache.get(name);
  if (!found) {
    found = { body: readFileSync(join(__dirname, 'public', name)), contentType: ASSET_TYPES[name]! };
    cache.set(name, found);
  }
  return found;
}
