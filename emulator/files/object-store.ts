/**
 * Bytes on disk for the built-in storage. Bodies stream through an MD5 tap into a temp file
 * that is renamed into place only when every declared byte arrived, so an aborted or short
 * upload leaves nothing behind and nothing is ever held in memory. Metadata (size, ETag, type)
 * lives in memory; a persistent site (`--data`) also journals it (`files/persist.ts`). A completed multipart object keeps its
 * part files as segments instead of copying gigabytes into one file.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { open, rename, rm, unlink } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** One file holding (part of) an object's bytes. */
export interface Segment {
  path: string;
  size: number;
}

/** A stored object. */
export interface StoredObject {
  key: string;
  size: number;
  /** Quoted, as S3 sends it (`"<md5>"`, or `"<md5 of md5s>-N"` for multipart objects). */
  etag: string;
  contentType: string;
  lastModified: Date;
  segments: Segment[];
}

/**
 * A change of the stored bytes' metadata, as a persistent site journals it (segment files
 * relative to the store's root; ETags and MD5s as hex).
 */
export type ObjectChange =
  | { op: 'object'; key: string; size: number; etag: string; contentType: string; at: string; segments: Array<{ file: string; size: number }> }
  | { op: 'part'; uploadId: string; n: number; size: number; md5: string }
  /** The upload's parts are gone: assembled into an object, or dropped by an abort. */
  | { op: 'parts_done'; uploadId: string };

/** An uploaded part of a multipart upload. */
export interface StoredPart extends Segment {
  etag: string;
  /** Binary MD5, for the multipart ETag. */
  md5: Buffer;
}

/** Bytes received into a temp file, not yet committed. */
export interface Received {
  tmpPath: string;
  size: number;
  md5: Buffer;
}

/** Raised when the body ended before its declared length (or went idle). */
export class ShortBodyError extends Error {
  constructor(readonly received: number, readonly expected: number, readonly idle = false) {
    super(idle ? 'request body went idle' : `request body ended after ${received} of ${expected} bytes`);
  }
}

/** A copy of `chunk` with the byte at `index` inverted. */
export function flipByte(chunk: Buffer, index: number): Buffer {
  const copy = Buffer.from(chunk);
  copy[index] = copy[index]! ^ 0xff;
  return copy;
}

const digestName = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The storage's files and metadata under one folder (removed by {@link ObjectStore.close}). */
export class ObjectStore {
  private readonly objects = new Map<string, StoredObject>();
  private readonly parts = new Map<string, Map<number, StoredPart>>();
  private readonly objectDir: string;
  private readonly partDir: string;
  private readonly tmpDir: string;

  /**
   * `journal` (a persistent site): receives every metadata change before it is answered, and
   * the bytes stay on {@link close}. Temp files a killed process left are removed.
   */
  constructor(readonly root: string, private readonly journal?: (change: ObjectChange) => void) {
    this.objectDir = join(root, 'objects');
    this.partDir = join(root, 'parts');
    this.tmpDir = join(root, 'tmp');
    rmSync(this.tmpDir, { recursive: true, force: true });
    for (const d of [this.objectDir, this.partDir, this.tmpDir]) mkdirSync(d, { recursive: true });
  }

  /** Applies a journalled change at start (nothing is removed: the files are as they were left). */
  replay(change: ObjectChange): void {
    switch (change.op) {
      case 'object': {
        const segments = change.segments.map((s) => ({ path: join(this.root, s.file), size: s.size }));
        // Bytes removed by hand since: the object is gone, as on a bucket that lost it.
        if (segments.every((s) => existsSync(s.path))) this.objects.set(change.key, { key: change.key, size: change.size, etag: change.etag, contentType: change.contentType, lastModified: new Date(change.at), segments });
        else this.objects.delete(change.key);
        return;
      }
      case 'part': {
        const md5 = Buffer.from(change.md5, 'hex');
        let parts = this.parts.get(change.uploadId);
        if (!parts) this.parts.set(change.uploadId, (parts = new Map()));
        parts.set(change.n, { path: this.partPath(change.uploadId, change.n), size: change.size, md5, etag: `"${change.md5}"` });
        return;
      }
      case 'parts_done':
        this.parts.delete(change.uploadId);
    }
  }

  private partPath(uploadId: string, n: number): string {
    return join(this.partDir, digestName(uploadId), String(n));
  }

  /**
   * Streams `source` (through `shape`, a bandwidth throttle) into a temp file, hashing as it
   * goes. Rejects with {@link ShortBodyError} (temp file removed) unless exactly `expected`
   * bytes arrive; an idle body (no bytes for `idleMs`) counts as short.
   */
  async receive(source: Readable, expected: number, shape: Transform = new PassThrough(), idleMs = 20_000, flipAt?: number): Promise<Received> {
    const tmpPath = join(this.tmpDir, randomBytes(12).toString('hex'));
    const md5 = createHash('md5');
    let size = 0;
    const idleTimer = setTimeout(() => source.destroy(new ShortBodyError(size, expected, true)), idleMs);
    idleTimer.unref();
    const tap = new Transform({
      transform(chunk: Buffer, _enc, done) {
        // A fault: one byte damaged on the way in, before the storage hashes what it got.
        if (flipAt !== undefined && flipAt >= size && flipAt < size + chunk.length) chunk = flipByte(chunk, flipAt - size);
        size += chunk.length;
        md5.update(chunk);
        idleTimer.refresh();
        done(null, chunk);
      },
    });
    let ended = false;
    source.once('end', () => void (ended = true));
    try {
      await pipeline(source, shape, tap, createWriteStream(tmpPath));
      if (!ended || size !== expected) throw new ShortBodyError(size, expected);
      return { tmpPath, size, md5: md5.digest() };
    } catch (err) {
      await unlink(tmpPath).catch(() => undefined);
      throw err instanceof ShortBodyError ? err : new ShortBodyError(size, expected);
    } finally {
      clearTimeout(idleTimer);
    }
  }

  /** Puts received bytes in place as the object `key` (replacing any previous version). */
  async commitObject(key: string, received: Received, contentType: string): Promise<StoredObject> {
    const path = join(this.objectDir, digestName(key));
    await rename(received.tmpPath, path);
    return this.remember({ key, size: received.size, etag: `"${received.md5.toString('hex')}"`, contentType, lastModified: new Date(), segments: [{ path, size: received.size }] });
  }

  /** Flips one byte of the stored bytes at `offset` (a fault: damage at rest; the ETag is left as it was). */
  async damage(segment: Segment, offset: number): Promise<void> {
    const handle = await open(segment.path, 'r+');
    try {
      const byte = Buffer.alloc(1);
      await handle.read(byte, 0, 1, offset);
      byte[0] = byte[0]! ^ 0xff;
      await handle.write(byte, 0, 1, offset);
    } finally {
      await handle.close();
    }
  }

  /** Stores small generated bytes (thumbnails) as the object `key`. */
  putBuffer(key: string, body: Buffer, contentType: string): StoredObject {
    const path = join(this.objectDir, digestName(key));
    writeFileSync(path, body);
    const etag = `"${createHash('md5').update(body).digest('hex')}"`;
    return this.remember({ key, size: body.length, etag, contentType, lastModified: new Date(), segments: [{ path, size: body.length }] });
  }

  /** Puts received bytes in place as part `n` of `uploadId` (a re-PUT overwrites). */
  async commitPart(uploadId: string, n: number, received: Received): Promise<StoredPart> {
    const path = this.partPath(uploadId, n);
    mkdirSync(join(path, '..'), { recursive: true });
    await rename(received.tmpPath, path);
    const part: StoredPart = { path, size: received.size, md5: received.md5, etag: `"${received.md5.toString('hex')}"` };
    let parts = this.parts.get(uploadId);
    if (!parts) this.parts.set(uploadId, (parts = new Map()));
    parts.set(n, part);
    this.journal?.({ op: 'part', uploadId, n, size: part.size, md5: received.md5.toString('hex') });
    return part;
  }

  /** The parts uploaded so far for `uploadId`. */
  partsOf(uploadId: string): ReadonlyMap<number, StoredPart> {
    return this.parts.get(uploadId) ?? new Map();
  }

  /** Makes the object `key` from the listed parts, in order; the other parts are dropped. */
  async assemble(uploadId: string, key: string, partNumbers: number[], contentType: string): Promise<StoredObject> {
    const parts = this.partsOf(uploadId);
    const listed = partNumbers.map((n) => parts.get(n)!);
    const keep = new Set(listed.map((p) => p.path));
    for (const p of parts.values()) if (!keep.has(p.path)) await unlink(p.path).catch(() => undefined);
    const etag = `"${createHash('md5').update(Buffer.concat(listed.map((p) => p.md5))).digest('hex')}-${listed.length}"`;
    const size = listed.reduce((sum, p) => sum + p.size, 0);
    const obj = this.remember({ key, size, etag, contentType, lastModified: new Date(), segments: listed.map(({ path, size: s }) => ({ path, size: s })) });
    this.parts.delete(uploadId);
    this.journal?.({ op: 'parts_done', uploadId });
    return obj;
  }

  /** Drops every part of `uploadId`. */
  async dropParts(uploadId: string): Promise<void> {
    this.parts.delete(uploadId);
    this.journal?.({ op: 'parts_done', uploadId });
    await rm(join(this.partDir, digestName(uploadId)), { recursive: true, force: true });
  }

  /** The object `key`, if stored. */
  get(key: string): StoredObject | undefined {
    return this.objects.get(key);
  }

  /** Streams bytes `start..end` (inclusive) of an object, across its segments. */
  read(obj: StoredObject, start = 0, end = obj.size - 1): Readable {
    const pieces: Array<{ path: string; start: number; end: number }> = [];
    let offset = 0;
    for (const s of obj.segments) {
      const from = Math.max(start, offset);
      const to = Math.min(end, offset + s.size - 1);
      if (from <= to) pieces.push({ path: s.path, start: from - offset, end: to - offset });
      offset += s.size;
    }
    // One generator over the segments: backpressure and early destroy reach each file stream,
    // and no listeners pile up on a shared output (a pipeline per segment did that).
    async function* segments(): AsyncGenerator<Buffer> {
      for (const p of pieces) yield* createReadStream(p.path, { start: p.start, end: p.end }) as AsyncIterable<Buffer>;
    }
    return Readable.from(segments(), { objectMode: false });
  }

  /** Removes every stored byte (a persistent site's stay for its next start). */
  close(): void {
    this.objects.clear();
    this.parts.clear();
    if (!this.journal) rmSync(this.root, { recursive: true, force: true });
  }

  private remember(obj: StoredObject): StoredObject {
    const previous = this.objects.get(obj.key);
    this.objects.set(obj.key, obj);
    this.journal?.({
      op: 'object', key: obj.key, size: obj.size, etag: obj.etag, contentType: obj.contentType, at: obj.lastModified.toISOString(),
      segments: obj.segments.map((s) => ({ file: relative(this.root, s.path), size: s.size })),
    });
    // A replaced multipart object's segments are part files no other object uses.
    if (previous) {
      const kept = new Set(obj.segments.map((s) => s.path));
      for (const s of previous.segments) if (!kept.has(s.path)) void unlink(s.path).catch(() => undefined);
    }
    return obj;
  }
}
