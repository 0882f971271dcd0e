/**
 * The emulator on its own worker thread, for tests that count this thread's open sockets and
 * timers (`process.getActiveResourcesInfo()` is per thread): what the site itself keeps open —
 * e.g. reading an abandoned upload body at its shaped bandwidth — is not counted against the
 * nodes. Counters and options are reached by message.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { startEmulator, type CounterSnapshot, type Emulator, type EmulatorCredentials, type EmulatorOptions } from '../../emulator/index.js';

type Configure = Parameters<Emulator['configure']>[0];
/** Records generated on the emulator's thread (200,000 objects would be slow to post one by one). */
export interface SeedRequest {
  type: string;
  count: number;
  /** `code` of record i is `${codePrefix}${i padded to 6 digits}`. */
  codePrefix: string;
  /** Other fields every record gets. */
  fields: Record<string, unknown>;
}
type Request =
  | { id: number; op: 'snapshot' }
  | { id: number; op: 'configure'; arg: Configure }
  | { id: number; op: 'seed'; arg: SeedRequest }
  | { id: number; op: 'close' };

/** An emulator running on a worker thread. */
export interface ThreadedEmulator {
  url: string;
  credentials: EmulatorCredentials;
  snapshot(): Promise<CounterSnapshot>;
  configure(change: Configure): Promise<void>;
  /** Creates `count` records in the site's store directly (no HTTP); resolves with their number. */
  seed(request: SeedRequest): Promise<number>;
  close(): Promise<void>;
}

/** Starts the emulator with `options` on a new worker thread. */
export async function startEmulatorThread(options: EmulatorOptions = {}): Promise<ThreadedEmulator> {
  const worker = new Worker(__filename, { workerData: options });
  const waiting = new Map<number, (value: unknown) => void>();
  let nextId = 1;
  const ready = await new Promise<{ url: string; credentials: EmulatorCredentials }>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (m: { url: string; credentials: EmulatorCredentials }) => resolve(m));
  });
  worker.on('message', (m: { id: number; value: unknown }) => {
    waiting.get(m.id)?.(m.value);
    waiting.delete(m.id);
  });
  const call = <T>(op: Request['op'], arg?: Configure | SeedRequest): Promise<T> =>
    new Promise<T>((resolve) => {
      const id = nextId++;
      waiting.set(id, resolve as (value: unknown) => void);
      worker.postMessage({ id, op, arg });
    });
  return {
    ...ready,
    snapshot: () => call<CounterSnapshot>('snapshot'),
    configure: (change) => call<void>('configure', change),
    seed: (request) => call<number>('seed', request),
    close: async () => {
      await call<void>('close');
      await worker.terminate();
    },
  };
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  void startEmulator(workerData as EmulatorOptions).then((emulator) => {
    port.postMessage({ url: emulator.url, credentials: emulator.credentials });
    port.on('message', (req: Request) => {
      if (req.op === 'snapshot') port.postMessage({ id: req.id, value: emulator.counters.snapshot() });
      else if (req.op === 'configure') {
        emulator.configure(req.arg);
        port.postMessage({ id: req.id });
      } else if (req.op === 'seed') {
        const { type, count, codePrefix, fields } = req.arg;
        const ids = emulator.bulkCreate(type, Array.from({ length: count }, (_, i) => ({ ...fields, code: `${codePrefix}${String(i).padStart(6, '0')}` })));
        port.postMessage({ id: req.id, value: ids.length });
      } else void emulator.close().then(() => port.postMessage({ id: req.id }));
    });
  });
}
