/**
 * Every secret the site handed out — access and refresh tokens, storage URL signatures — so tests
 * can check that none of them shows up where it must not (logs, messages, errors, exports).
 * Bounded: only the newest entries of each kind are kept.
 */
import type { IssuedSecrets } from './types.js';

/** Entries kept per kind (a long benchmark must not grow without limit). */
const KEEP = 5000;

/** Records issued secrets. */
export interface IssuedLog {
  record(kind: keyof IssuedSecrets, value: string): void;
  snapshot(): IssuedSecrets;
}

/** A fresh, empty log. */
export function createIssuedLog(): IssuedLog {
  const lists: IssuedSecrets = { accessTokens: [], refreshTokens: [], signatures: [] };
  return {
    record(kind, value) {
      const list = lists[kind];
      if (value === '' || list.at(-1) === value) return;
      list.push(value);
      if (list.length > KEEP) list.splice(0, list.length - KEEP);
    },
    snapshot: () => ({ accessTokens: [...lists.accessTokens], refreshTokens: [...lists.refreshTokens], signatures: [...lists.signatures] }),
  };
}

/** The signature of a signed storage URL (S3 `X-Amz-Signature`, or the site's own `signature`). */
export function signatureOf(url: string): string | undefined {
  try {
    const q = new URL(url).searchParams;
    return q.get('X-Amz-Signature') ?? q.get('signature') ?? undefined;
  } catch {
    return undefined;
  }
}
