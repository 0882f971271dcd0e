/**
 * Where downloaded bytes go. A file download writes a temporary file beside the destination
 * and only renames it into place once complete and flushed to disk (fsync), so the destination
 * is never a partial file and a failed download leaves nothing behind (the official client
 * leaves a 0-byte file). A buffer download keeps bytes in memory up to a cap.
 */
import { randomBytes } from 'node:crypto';
import { link, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ShotGridError } from '../errors.js';

/** A destination for downloaded bytes that can restart from zero. */
export interface DownloadSink {
  /** Bytes held so far (the Range offset for a resume). */
  readonly size: number;
  /** Checks a length announced by the server before any byte is written. */
  accept(total: number | undefined): void;
  write(chunk: Buffer): Promise<void>;
  /** Drops everything written (a server that ignored Range). */
  restart(): Promise<void>;
  /** Removes every trace (failed or aborted download). */
  discard(): Promise<void>;
}

/** Prefix of temporary download files, so they are recognisable. */
export const TEMP_PREFIX = '.sgdownload-';

/** The temporary path for a destination: hidden, same folder (so the rename is atomic), unique. */
export function tempPathFor(dest: string): string {
  const base = basename(dest).slice(0, 100);
  return join(dirname(dest), `${TEMP_PREFIX}${randomBytes(6).toString('hex')}-${base}.part`);
}

/** A temporary file renamed into place by {@link FileSink.commit}. */
export class FileSink implements DownloadSink {
  #size = 0;
  #handle: FileHandle | undefined;
  readonly dest: string;
  readonly tempPath: string;

  private constructor(dest: string, tempPath: string, handle: FileHandle) {
    this.dest = dest;
    this.tempPath = tempPath;
    this.#handle = handle;
  }

  /** Creates the temporary file beside `dest`. */
  static async create(dest: string): Promise<FileSink> {
    const tempPath = tempPathFor(dest);
    try {
      return new FileSink(dest, tempPath, await open(tempPath, 'wx', 0o644));
    } catch (err) {
      throw new ShotGridError('SG_FILE', `cannot write in ${dirname(dest)} (${String((err as { code?: unknown }).code ?? err)})`, { cause: err });
    }
  }

  get size(): number {
    return this.#size;
  }

  accept(): void {
    // Any size fits a file (a full disk shows as a write error).
  }

  async write(chunk: Buffer): Promise<void> {
    const handle = this.#open();
    let off = 0;
    while (off < chunk.length) {
      const { bytesWritten } = await handle.write(chunk, off, chunk.length - off, this.#size + off);
      off += bytesWritten;
    }
    this.#size += chunk.length;
  }

  async restart(): Promise<void> {
    await this.#open().truncate(0);
    this.#size = 0;
  }

  /**
   * Flushes, closes and moves the file into place. Without `overwrite` the move refuses an
   * existing destination atomically (hard link, then unlink), so a file that appeared during
   * the download is not replaced.
   */
  async commit(overwrite: boolean): Promise<void> {
    const handle = this.#open();
    await handle.sync();
    await handle.close();
    this.#handle = undefined;
    if (overwrite) {
      await rename(this.tempPath, this.dest);
    } else {
      try {
        await link(this.tempPath, this.dest);
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (code === 'EEXIST') throw new ShotGridError('SG_FILE', `destination exists: ${this.dest} (pass overwrite: true to replace it)`);
        // File systems without hard links: check, then rename.
        if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EXDEV') throw err;
        await rename(this.tempPath, this.dest);
        return;
      }
      await unlink(this.tempPath).catch(() => undefined);
    }
    await syncFolder(dirname(this.dest));
  }

  async discard(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close().catch(() => undefined);
    await unlink(this.tempPath).catch(() => undefined);
  }

  #open(): FileHandle {
    if (!this.#handle) throw new ShotGridError('SG_FILE', 'download file already closed');
    return this.#handle;
  }
}

/** Makes a rename durable (best effort: not every platform can open a folder). */
async function syncFolder(folder: string): Promise<void> {
  try {
    const handle = await open(folder, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Windows and some file systems refuse: the rename itself is still done.
  }
}

/** Bytes kept in memory, refused beyond `maxBytes`. */
export class BufferSink implements DownloadSink {
  #chunks: Buffer[] = [];
  #size = 0;
  readonly maxBytes: number;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  get size(): number {
    return this.#size;
  }

  accept(total: number | undefined): void {
    if (total !== undefined && total > this.maxBytes) throw this.#tooLarge(total);
  }

  async write(chunk: Buffer): Promise<void> {
    if (this.#size + chunk.length > this.maxBytes) throw this.#tooLarge(this.#size + chunk.length);
    this.#chunks.push(chunk);
    this.#size += chunk.length;
  }

  async restart(): Promise<void> {
    this.#chunks = [];
    this.#size = 0;
  }

  async discard(): Promise<void> {
    await this.restart();
  }

  /** The bytes. */
  result(): Buffer {
    return Buffer.concat(this.#chunks, this.#size);
  }

  #tooLarge(size: number): ShotGridError {
    return new ShotGridError('SG_FILE', `download of ${size} bytes is larger than maxBufferBytes (${this.maxBytes}); download to a file instead`);
  }
}
