/**
 * The searches a client has lately read past a full first page, so that its next read of the
 * same search can ask for the record count together with page 1 (see `iteratePages`). Kept per
 * client (the `ApiCaller`), at most {@link REMEMBERED_SEARCHES} of them, as digests: memory stays
 * a few kilobytes whatever the size of the filters.
 */
import { createHash } from 'node:crypto';

export const REMEMBERED_SEARCHES = 64;

/** Per client, in least recently noted order. */
const largeByClient = new WeakMap<object, Set<string>>();

/** A digest of what decides a search's count and paging: type, filters, read options, page size. */
export function searchKey(type: string, body: Record<string, unknown>, pageSize: number): string {
  return createHash('sha1').update(JSON.stringify([type, body.filters, body.options, pageSize])).digest('base64');
}

/** Whether the last read of `key` by `client` went past a full first page. */
export function wasLargeRead(client: object, key: string): boolean {
  return largeByClient.get(client)?.has(key) === true;
}

/** Notes how the read of `key` went: `large` when its first page was full. */
export function noteReadSize(client: object, key: string, large: boolean): void {
  let keys = largeByClient.get(client);
  if (!large) {
    keys?.delete(key);
    return;
  }
  if (!keys) largeByClient.set(client, (keys = new Set()));
  keys.delete(key);
  keys.add(key);
  if (keys.size > REMEMBERED_SEARCHES) keys.delete(keys.values().next().value!);
}
