/**
 * An append-only JSON-lines journal: what a persistent site (`--data DIR`) replays at start.
 *
 * Durability: each line is written with a synchronous `write()` before the change it records is
 * answered, so it survives a kill of the process (SIGKILL) — the kernel already holds it. Lines
 * are not fsynced one by one (that would cost every write a disk flush); the file is fsynced on
 * close, so an OS crash or power loss can lose the last moments before it, never a graceful stop.
 *
 * A torn last line (the process died mid-write) is ignored and cut off before appending, so the
 * next line starts clean. A damaged line elsewhere means the file was edited: replay stops there
 * with an error naming the file and line.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';

/** An open journal. */
export interface Journal {
  /** Appends one entry (synchronously). */
  append(entry: object): void;
  /** Appends one entry already serialized (one line of JSON, no newline). */
  appendJson(json: string): void;
  /** fsyncs and closes; later appends are ignored. */
  close(): void;
}

/**
 * Reads every entry of the journal at `path` (none when absent), cutting off a torn last line,
 * then opens it for appending.
 */
export function openJournal<T>(path: string, replay: (entry: T, line: number) => void): Journal {
  if (existsSync(path)) {
    const bytes = readFileSync(path);
    const end = bytes.lastIndexOf(0x0a) + 1;
    // Everything after the last newline is a line whose write never finished.
    if (end < bytes.length) truncateSync(path, end);
    const lines = bytes.subarray(0, end).toString('utf8').split('\n');
    lines.pop();
    lines.forEach((line, i) => {
      let entry: T;
      try {
        entry = JSON.parse(line) as T;
      } catch {
        throw new Error(`${path}: line ${i + 1} is damaged (not JSON); the data folder cannot be read back`);
      }
      replay(entry, i + 1);
    });
  }
  let fd: number | undefined = openSync(path, 'a', 0o600);
  const appendJson = (json: string): void => {
    if (fd !== undefined) writeSync(fd, `${json}\n`);
  };
  return {
    append: (entry) => appendJson(JSON.stringify(entry)),
    appendJson,
    close() {
      if (fd === undefined) return;
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
        fd = undefined;
      }
    },
  };
}
