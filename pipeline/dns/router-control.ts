/**
 * The local router's control server, on its own loopback port: `GET /target` → `{ target }`,
 * `PUT /target` `{ target }` → switches and returns `{ previous, target }`, `GET /health` →
 * `{ ok, pid, listenPort }`. Kept apart from the proxy port so app traffic can never switch it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { parseTarget, type LocalRouter } from './local-router.ts';

export interface RouterControlOptions {
  router: LocalRouter;
  /** Port on 127.0.0.1; 0 picks a free one. */
  port: number;
  /** Called after every switch (router-main persists the target to the state file). */
  onSwitch?: (target: string | null) => Promise<void> | void;
}

export interface RouterControl {
  port: number;
  url: string;
  close(): Promise<void>;
}

const putBody = z.object({ target: z.string().min(1).nullable() });

function reply(res: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage, limit = 16_384): Promise<string> {
  let text = '';
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > limit) throw new Error(`body larger than ${limit} bytes`);
  }
  return text;
}

export async function startRouterControl(opts: RouterControlOptions): Promise<RouterControl> {
  // Switches are applied one at a time, in arrival order, so onSwitch always persists the latest.
  let queue: Promise<unknown> = Promise.resolve();

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/health') return reply(res, 200, { ok: true, pid: process.pid, listenPort: opts.router.port });
    if (req.method === 'GET' && path === '/target') return reply(res, 200, { target: opts.router.target });
    if (req.method === 'PUT' && path === '/target') {
      void readBody(req)
        .then((text) => {
          const parsed = putBody.safeParse(JSON.parse(text || '{}'));
          if (!parsed.success) throw new Error('body must be JSON { "target": "http://127.0.0.1:<port>" } (or null)');
          const target = parsed.data.target === null ? null : parseTarget(parsed.data.target).origin;
          const step = queue.then(async () => {
            const previous = opts.router.setTarget(target);
            await opts.onSwitch?.(target);
            return previous;
          });
          queue = step.catch(() => undefined);
          return step.then((previous) => reply(res, 200, { previous, target }));
        })
        .catch((err: unknown) => reply(res, 400, { error: 'bad_request', reason: err instanceof Error ? err.message : String(err) }));
      return;
    }
    reply(res, 404, { error: 'not_found', reason: 'use GET /target, PUT /target or GET /health' });
  });
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => resolvePromise());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
