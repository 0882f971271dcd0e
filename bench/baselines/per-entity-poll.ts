/**
 * P5's baseline: waiting for thumbnails the obvious way — every round, one read per entity still
 * pending (`GET /entity/versions/{id}?fields=image`), on the same backoff schedule as ours.
 */
import { request } from 'undici';

/** Schedule shared with our wait. */
export interface PollSchedule {
  interval: number;
  maxInterval: number;
  backoff: number;
  timeout: number;
}

/** Rounds and requests the wait took. */
export interface PollOutcome {
  rounds: number;
  requests: number;
  ready: number;
}

const TRANSIENT = '/images/status/transient/';

/** Polls until every id has a non-transient image (or the timeout). */
export async function perEntityPoll(site: string, token: string, ids: number[], schedule: PollSchedule): Promise<PollOutcome> {
  const pending = new Set(ids);
  const deadline = performance.now() + schedule.timeout;
  let delay = schedule.interval;
  let rounds = 0;
  let requests = 0;
  for (;;) {
    rounds++;
    for (const id of [...pending]) {
      requests++;
      const res = await request(`${site}/api/v1/entity/versions/${id}?fields=image`, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
      const body = (await res.body.json()) as { data?: { attributes?: { image?: unknown } } };
      const image = body.data?.attributes?.image;
      if (typeof image === 'string' && image !== '' && !image.includes(TRANSIENT)) pending.delete(id);
    }
    if (pending.size === 0 || performance.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * schedule.backoff, schedule.maxInterval);
  }
  return { rounds, requests, ready: ids.length - pending.size };
}
