/** Checks of local files before a transfer starts: nothing is sent for a file that cannot be read. */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { ShotGridError } from '../errors.js';

/** A file ready to upload. */
export interface UploadSourceFile {
  /** Absolute path. */
  path: string;
  /** Size in bytes (> 0). */
  size: number;
  /** Base name, the default name sent to ShotGrid. */
  name: string;
  /** Modification time when checked, to notice a file changed during the upload. */
  mtimeMs: number;
}

function fileError(message: string, cause?: unknown): ShotGridError {
  return new ShotGridError('SG_FILE', message, { cause });
}

/**
 * The file at `path` if it is a readable, non-empty regular file; `SG_FILE` otherwise. Called
 * before any request, as the Python API does (and no token is fetched for a bad path).
 */
export async function checkUploadFile(path: unknown): Promise<UploadSourceFile> {
  if (typeof path !== 'string' || path.trim() === '') throw fileError('upload path must be a non-empty string');
  const absolute = resolve(path);
  let info;
  try {
    info = await stat(absolute);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw fileError(code === 'ENOENT' ? `no such file: ${absolute}` : `cannot read ${absolute} (${String(code ?? err)})`, err);
  }
  if (!info.isFile()) throw fileError(`not a regular file: ${absolute}`);
  if (info.size === 0) throw fileError(`cannot upload an empty file: ${absolute}`);
  try {
    await access(absolute, constants.R_OK);
  } catch (err) {
    throw fileError(`file is not readable: ${absolute}`, err);
  }
  return { path: absolute, size: info.size, name: basename(absolute), mtimeMs: info.mtimeMs };
}

/**
 * `SG_FILE` when the file is gone or was changed since {@link checkUploadFile}: the bytes sent
 * may mix old and new content (or miss an appended tail), so the upload must not be completed.
 * A single PUT keeps reading a deleted file through its open handle, so this is where that shows.
 */
export async function checkUnchanged(file: UploadSourceFile): Promise<void> {
  let info;
  try {
    info = await stat(file.path);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw fileError(code === 'ENOENT' ? `${file.path} was deleted while it was being uploaded` : `cannot read ${file.path} (${String(code ?? err)})`, err);
  }
  if (info.size !== file.size || info.mtimeMs !== file.mtimeMs) {
    throw fileError(`${file.path} changed while it was being uploaded (${file.size} bytes planned, ${info.size} now); nothing was completed`);
  }
}

/** A name sent to ShotGrid: the given one or the file's base name; no path separators or controls. */
export function uploadFileName(given: unknown, fallback: string): string {
  if (given === undefined || given === null || given === '') return fallback;
  if (typeof given !== 'string') throw new ShotGridError('SG_CONFIG', 'fileName must be a string');
  // eslint-disable-next-line no-control-regex
  if (/[/\\\u0000-\u001f\u007f]/.test(given) || given === '.' || given === '..') {
    throw new ShotGridError('SG_CONFIG', 'fileName must be a plain file name (no path separators or control characters)');
  }
  return given;
}
