/**
 * The emulator in its own process (so the client under test and the site do not share one
 * event loop): started by {@link startRemoteEmulator}, driven over IPC. Besides the emulator's
 * own control surface it can log request start times (for the rounds of P5), taken from the
 * `http.server.request.start` diagnostics channel rather than from a patched server.
 */
import diagnostics from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import { startEmulator, type EmulatorOptions } from '../../emulator/index.js';

/** A request seen by the emulator: when (ms, monotonic), method and path. */
export interface LoggedRequest {
  t: number;
  method: string;
  path: string;
}

/** What the parent sends. */
export interface ChildCommand {
  id: number;
  op: 'configure' | 'bulkCreate' | 'counters' | 'logStart' | 'logTake' | 'close';
  args?: unknown[];
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as EmulatorOptions;
  const emu = await startEmulator(options);
  let log: LoggedRequest[] | undefined;
  diagnostics.subscribe('http.server.request.start', (message) => {
    const req = (message as { request: IncomingMessage }).request;
    log?.push({ t: performance.now(), method: req.method ?? '', path: (req.url ?? '').split('?')[0]! });
  });

  // The bench died (or closed the channel): no emulator may outlive it.
  process.once('disconnect', () => void emu.close().finally(() => process.exit(0)));
  process.on('message', (raw) => {
    const cmd = raw as ChildCommand;
    const answer = (result: unknown): void => void process.send!({ id: cmd.id, result });
    const fail = (err: unknown): void => void process.send!({ id: cmd.id, error: err instanceof Error ? err.message : String(err) });
    try {
      const args = cmd.args ?? [];
      switch (cmd.op) {
        case 'configure':
          emu.configure(args[0] as Parameters<typeof emu.configure>[0]);
          return answer(null);
        case 'bulkCreate':
          return answer(emu.bulkCreate(args[0] as string, args[1] as Array<Record<string, unknown>>));
        case 'counters':
          return answer(emu.counters.snapshot());
        case 'logStart':
          log = [];
          return answer(null);
        case 'logTake': {
          const taken = log ?? [];
          log = undefined;
          return answer(taken);
        }
        case 'close':
          emu.close().then(() => {
            answer(null);
            process.exit(0);
          }, fail);
          return;
      }
    } catch (err) {
      fail(err);
    }
  });
  process.send!({ ready: true, url: emu.url, credentials: emu.credentials });
}

main().catch((err: unknown) => {
  process.stderr.write(`emulator child: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
