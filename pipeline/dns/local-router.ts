/**
 * The local stand-in for DNS: an HTTP reverse proxy on a loopback port that forwards every
 * request to the current target (one of the production slots). `setTarget` switches atomically:
 * a request is bound to the target that was current when it arrived, so in-flight requests finish
 * on the old slot and new ones go to the new slot. Each target has its own keep-alive agent, so a
 * socket opened to the old slot is never reused for the new one; an old agent is destroyed once
 * its last in-flight request is done.
 */
import { Agent, createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LocalRouterOptions {
  /** Port to listen on, on 127.0.0.1; 0 picks a free one. */
  listenPort: number;
  /** Initial target base URL (http://127.0.0.1:4200), or null (answers 503 until set). */
  target: string | null;
}

export interface LocalRouter {
  url: string;
  port: number;
  /** The current target base URL, or null. */
  readonly target: string | null;
  /** Switches new requests to `target`; returns the previous target. */
  setTarget(target: string | null): string | null;
  close(): Promise<void>;
}

interface Route {
  target: URL;
  agent: Agent;
  inFlight: number;
  retired: boolean;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/** Parses and checks a target URL: http only, base URL without a path. Throws a message naming the fix. */
export function parseTarget(target: string): URL {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new Error(`target "${target}" is not a URL; give a base URL such as http://127.0.0.1:4200`);
  }
  if (url.protocol !== 'http:') throw new Error(`target "${target}" must be an http:// URL (the local router speaks plain HTTP to the slots)`);
  if (url.pathname !== '/' || url.search) throw new Error(`target "${target}" must be a base URL without a path or query`);
  return url;
}

function forwardHeaders(headers: IncomingHttpHeaders, extra: Record<string, string>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const listed = new Set(String(headers.connection ?? '').toLowerCase().split(',').map((s) => s.trim()));
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || listed.has(name)) continue;
    out[name] = value;
  }
  return { ...out, ...extra };
}

function sendJson(res: ServerResponse, status: number, body: object): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export async function startLocalRouter(opts: LocalRouterOptions): Promise<LocalRouter> {
  let current: Route | null = null;
  const makeRoute = (target: string): Route => ({
    target: parseTarget(target),
    agent: new Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64, scheduling: 'lifo' }),
    inFlight: 0,
    retired: false,
  });
  const retire = (route: Route | null) => {
    if (!route) return;
    route.retired = true;
    if (route.inFlight === 0) route.agent.destroy();
  };
  if (opts.target) current = makeRoute(opts.target);

  const proxy = (req: IncomingMessage, res: ServerResponse, route: Route, attempt: number): void => {
    const upstream = httpRequest(
      {
        host: route.target.hostname,
        port: route.target.port || 80,
        method: req.method,
        path: req.url,
        agent: route.agent,
        headers: forwardHeaders(req.headers, {
          'x-forwarded-for': req.socket.remoteAddress ?? '',
          'x-forwarded-host': req.headers.host ?? '',
          'x-forwarded-proto': 'http',
        }),
      },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, forwardHeaders(upRes.headers, {}));
        upRes.pipe(res);
        upRes.once('error', () => res.destroy());
        res.once('close', () => {
          if (!upRes.complete) upRes.destroy();
        });
      },
    );
    upstream.once('error', (err: NodeJS.ErrnoException) => {
      // A keep-alive socket the slot closed just as we reused it: safe to retry a bodiless request once.
      const bodiless = req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined;
      if (upstream.reusedSocket && err.code === 'ECONNRESET' && bodiless && attempt === 0 && !res.headersSent) {
        proxy(req, res, route, 1);
        return;
      }
      sendJson(res, 502, { error: 'bad_gateway', target: route.target.origin, reason: err.code ?? err.message });
    });
    res.once('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    if (attempt === 0) req.pipe(upstream);
    else upstream.end();
  };

  const server = createServer((req, res) => {
    const route = current; // bound at arrival: this request finishes on this target
    if (!route) {
      req.resume();
      sendJson(res, 503, { error: 'no_target', reason: 'the local router has no target yet; switch it to a slot first' });
      return;
    }
    route.inFlight++;
    res.once('close', () => {
      route.inFlight--;
      if (route.retired && route.inFlight === 0) route.agent.destroy();
    });
    proxy(req, res, route, 0);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(opts.listenPort, '127.0.0.1', () => resolvePromise());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get target() {
      return current ? current.target.origin : null;
    },
    setTarget(target) {
      const previous = current ? current.target.origin : null;
      if (target !== null && current && parseTarget(target).origin === current.target.origin) return previous;
      const next = target === null ? null : makeRoute(target);
      const old = current;
      current = next; // one assignment: the switch is atomic for every request that arrives after it
      retire(old);
      return previous;
    },
    async close() {
      retire(current);
      current = null;
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
