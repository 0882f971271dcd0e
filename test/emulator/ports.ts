/**
 * A free port below Linux's ephemeral range (32768-60999), for a site that is started again on
 * the same port after a kill: in between, an outgoing connection of any process on the machine
 * may be given an ephemeral port as its local port, and then holds it; ports below the range are
 * never handed out that way.
 */
import { createServer } from 'node:net';

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A port in 20000-32767 that could be bound just now. */
export async function portBelowEphemeralRange(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_768);
    if (await bindable(port)) return port;
  }
  throw new Error('no free port in 20000-32767');
}
