/** Real HTTP servers on 127.0.0.1 for the health gate's tests. Counts connections and requests. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Loopback {
  url: string;
  port: number;
  requests: number;
  connections: number;
  close(): Promise<void>;
}

export async function startLoopback(handler: (req: IncomingMessage, res: ServerResponse, n: number) => void): Promise<Loopback> {
  const sockets = new Set<Socket>();
  const state = { requests: 0, connections: 0 };
  const server = createServer((req, res) => {
    state.requests++;
    handler(req, res, state.requests);
  });
  server.on('connection', (s) => {
    state.connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get requests() { return state.requests; },
    get connections() { return state.connections; },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export const healthy = (version: string) => ({ status: 'ok', version, commit: 'abc1234', db: 'up', uptimeS: 5 });
