/**
 * What the site received, seen from inside its process through Node's HTTP diagnostics channels
 * (no patched server): storage bytes per job (PUTs answered 2xx; the key ends in `<jobId>.mov`),
 * each multipart upload's stored parts (by upload id and part number), the storage PUTs in flight
 * with the client's port (to find which worker sends them), and the time of the last request (to
 * wait until the workers are idle). Used by test:scale and the soak's farm leg.
 */
import diagnostics from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A storage PUT being received. */
export interface PutInFlight {
  jobId: string;
  part: number;
  /** The multipart upload's id (`uploadId` of the signed URL); '' for a single PUT. */
  uploadId: string;
  clientPort: number;
}

/** Accounting of the site's traffic. */
export class Traffic {
  /** Bytes of completed storage PUTs, by job id. */
  readonly bytesByJob = new Map<string, number>();
  /** Parts completed, by job id (multipart uploads only). */
  readonly partsDone = new Map<string, number>();
  /** How often each part of each multipart upload was stored (2xx), by upload id, then part number. */
  readonly partStores = new Map<string, Map<number, number>>();
  /** The multipart uploads that stored parts, by job id. */
  readonly uploadsByJob = new Map<string, Set<string>>();
  lastRequestAt = Date.now();
  /** The job a file name or storage key belongs to (the pattern's first group). */
  readonly jobOf: (name: string) => string | undefined;
  private readonly inFlight = new Map<IncomingMessage, PutInFlight>();
  private readonly watched = new WeakSet<object>();
  private readonly onStart = (message: unknown): void => this.started((message as { request: IncomingMessage }).request);
  private readonly onFinish = (message: unknown): void => {
    const { request, response } = message as { request: IncomingMessage; response: ServerResponse };
    this.finished(request, response);
  };

  constructor(private readonly jobPattern: RegExp) {
    this.jobOf = (name) => jobPattern.exec(name)?.[1];
    diagnostics.subscribe('http.server.request.start', this.onStart);
    diagnostics.subscribe('http.server.response.finish', this.onFinish);
  }

  /** Storage PUTs being received now. */
  puts(): PutInFlight[] {
    return [...this.inFlight.values()];
  }

  /** Sum of `bytesByJob` over `jobs`. */
  bytesOf(jobs: Iterable<string>): number {
    let n = 0;
    for (const j of jobs) n += this.bytesByJob.get(j) ?? 0;
    return n;
  }

  close(): void {
    diagnostics.unsubscribe('http.server.request.start', this.onStart);
    diagnostics.unsubscribe('http.server.response.finish', this.onFinish);
  }

  private started(req: IncomingMessage): void {
    this.lastRequestAt = Date.now();
    if (req.method !== 'PUT' || !req.url?.startsWith('/storage/')) return;
    const path = decodeURIComponent(req.url.split('?')[0]!);
    const jobId = this.jobPattern.exec(path)?.[1];
    if (!jobId) return;
    const query = new URL(req.url, 'http://site').searchParams;
    const part = Number(query.get('partNumber') ?? 0);
    this.inFlight.set(req, { jobId, part, uploadId: query.get('uploadId') ?? '', clientPort: req.socket.remotePort ?? 0 });
    // A PUT cut off by a killed worker never finishes: forget it when its socket goes (one
    // listener per socket, which carries many requests).
    if (!this.watched.has(req.socket)) {
      this.watched.add(req.socket);
      const socket = req.socket;
      socket.once('close', () => {
        for (const r of this.inFlight.keys()) if (r.socket === socket) this.inFlight.delete(r);
      });
    }
  }

  private finished(req: IncomingMessage, res: ServerResponse): void {
    this.lastRequestAt = Date.now();
    const put = this.inFlight.get(req);
    if (!put) return;
    this.inFlight.delete(req);
    if (res.statusCode < 200 || res.statusCode >= 300) return;
    this.bytesByJob.set(put.jobId, (this.bytesByJob.get(put.jobId) ?? 0) + Number(req.headers['content-length'] ?? 0));
    if (put.part > 0) {
      this.partsDone.set(put.jobId, (this.partsDone.get(put.jobId) ?? 0) + 1);
      const parts = this.partStores.get(put.uploadId) ?? new Map<number, number>();
      parts.set(put.part, (parts.get(put.part) ?? 0) + 1);
      this.partStores.set(put.uploadId, parts);
      this.uploadsByJob.set(put.jobId, (this.uploadsByJob.get(put.jobId) ?? new Set<string>()).add(put.uploadId));
    }
  }
}
