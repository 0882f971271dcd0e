/**
 * The render farm's side: publishes finished jobs on `farm/jobs/finished` (QoS 1), listens on
 * `farm/jobs/+/result`, keeps a window of jobs outstanding, publishes a job again when its result
 * is late (the deadline) or says `failed` with `retryable`, and sends some jobs twice on purpose.
 */
import { connectAsync, type MqttClient } from 'mqtt';

/** A job as the farm publishes it. */
export interface FarmJob {
  jobId: string;
  shot: string;
  movie: string;
  frames: string;
}

/** A result as example 4 publishes it. */
export interface JobResult {
  jobId: string;
  status: 'published' | 'rejected' | 'failed';
  version?: { type: string; id: number };
  created?: boolean;
  retryable?: boolean;
  code?: string;
  reason?: string;
}

interface Tracked {
  job: FarmJob;
  lastSent: number;
  sends: number;
  done?: JobResult;
  doneAt?: number;
}

/** Counts the farm reports. */
export interface FarmCounts {
  published: number;
  duplicatesSent: number;
  deadlineRepublished: number;
  retryRepublished: number;
  results: number;
  failedResults: number;
  finalFailures: JobResult[];
}

export class Farm {
  private readonly jobs = new Map<string, Tracked>();
  private readonly waiters = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;
  readonly counts: FarmCounts = { published: 0, duplicatesSent: 0, deadlineRepublished: 0, retryRepublished: 0, results: 0, failedResults: 0, finalFailures: [] };

  private constructor(private readonly client: MqttClient, private readonly deadlineMs: number) {
    client.on('message', (_topic, payload) => this.onResult(JSON.parse(payload.toString()) as JobResult));
    // Late jobs go out again; checked every half second.
    this.timer = setInterval(() => this.republishLate(), 500);
  }

  static async connect(url: string, username: string, password: string, deadlineMs: number): Promise<Farm> {
    const client = await connectAsync(url, { protocolVersion: 5, clientId: 'farm-simulator', clean: true, username, password, reconnectPeriod: 1000 });
    await client.subscribeAsync('farm/jobs/+/result', { qos: 1 });
    return new Farm(client, deadlineMs);
  }

  /** Jobs published and not yet answered with `published` (or a final failure). */
  outstanding(): number {
    let n = 0;
    for (const t of this.jobs.values()) if (!t.done) n++;
    return n;
  }

  /** Jobs finished (published) so far. */
  finished(): number {
    return this.jobs.size - this.outstanding();
  }

  result(jobId: string): JobResult | undefined {
    return this.jobs.get(jobId)?.done;
  }

  doneAt(jobId: string): number | undefined {
    return this.jobs.get(jobId)?.doneAt;
  }

  unfinished(): string[] {
    return [...this.jobs.values()].filter((t) => !t.done).map((t) => t.job.jobId);
  }

  /** Publishes a job (again when it is known: a duplicate). */
  async publish(job: FarmJob): Promise<void> {
    const known = this.jobs.get(job.jobId);
    if (known) {
      known.sends++;
      this.counts.duplicatesSent++;
    } else {
      this.jobs.set(job.jobId, { job, lastSent: Date.now(), sends: 1 });
    }
    this.counts.published++;
    const t = this.jobs.get(job.jobId)!;
    t.lastSent = Date.now();
    await this.client.publishAsync('farm/jobs/finished', JSON.stringify(job), { qos: 1 });
  }

  /** Resolves when fewer than `n` jobs are outstanding. */
  async below(n: number): Promise<void> {
    while (this.outstanding() >= n) await this.change();
  }

  /** Resolves when every published job is done, or rejects after `ms`. */
  async drain(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.outstanding() > 0) {
      if (Date.now() > deadline) throw new Error(`${this.outstanding()} job(s) without a result after ${ms / 1000} s: ${this.unfinished().slice(0, 10).join(', ')}`);
      await Promise.race([this.change(), new Promise((r) => setTimeout(r, 1000))]);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.client.endAsync();
  }

  private change(): Promise<void> {
    return new Promise((resolve) => this.waiters.add(resolve));
  }

  private notify(): void {
    for (const w of this.waiters) w();
    this.waiters.clear();
  }

  private onResult(result: JobResult): void {
    this.counts.results++;
    const t = this.jobs.get(result.jobId);
    if (!t || t.done) return;
    if (result.status === 'published') {
      t.done = result;
      t.doneAt = Date.now();
    } else if (result.status === 'failed' && result.retryable) {
      this.counts.failedResults++;
      this.counts.retryRepublished++;
      // As a farm would: the same job again after a short pause.
      setTimeout(() => void this.publish(t.job).catch(() => undefined), 1000);
    } else {
      t.done = result;
      t.doneAt = Date.now();
      this.counts.finalFailures.push(result);
    }
    this.notify();
  }

  private republishLate(): void {
    const now = Date.now();
    for (const t of this.jobs.values()) {
      if (t.done || now - t.lastSent < this.deadlineMs) continue;
      this.counts.deadlineRepublished++;
      void this.publish(t.job).catch(() => undefined);
    }
  }
}
