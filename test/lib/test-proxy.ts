/** A CONNECT proxy on 127.0.0.1 for tests: counts tunnels, records Proxy-Authorization, can demand it. */
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

/** A CONNECT proxy that counts tunnels and can demand credentials. */
export interface TestProxy {
  url: string;
  tunnels: string[];
  authHeaders: Array<string | undefined>;
  requireAuth?: string;
  close(): Promise<void>;
}

export async function startProxy(): Promise<TestProxy> {
  const sockets = new Set<Socket>();
  const proxy: TestProxy = { url: '', tunnels: [], authHeaders: [], close: async () => undefined };
  const server: Server = createServer((_req, res) => {
    res.writeHead(405).end(); // plain forward requests are not expected
  });
  server.on('connect', (req, client: Socket) => {
    proxy.tunnels.push(req.url ?? '');
    proxy.authHeaders.push(req.headers['proxy-authorization']);
    if (proxy.requireAuth && req.headers['proxy-authorization'] !== proxy.requireAuth) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.pipe(client);
      client.pipe(upstream);
    });
    const close = () => {
      upstream.destroy();
      client.destroy();
    };
    upstream.on('error', close);
    client.on('error', close);
    sockets.add(upstream).add(client);
  });
  server.on('connection', (s: Socket) => sockets.add(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return proxy;
}
