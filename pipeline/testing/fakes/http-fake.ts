/**
 * Shared plumbing of the third-party API fakes: a real HTTP server on 127.0.0.1 (port 0) that
 * records every request it receives — method, path, query, headers (authorization values masked)
 * and the parsed body — so tests can assert on exactly what a provider sent over the wire.
 * Used only by tests and the local demo (see README.md).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  /** Lower-cased header names; values of authorization-like headers are replaced by `<kind>`. */
  headers: Record<string, string>;
  /** Parsed JSON body, the raw text when it is not JSON, or null when empty. */
  body: unknown;
  /** Raw body text, for "this secret never appears" assertions. */
  rawBody: string;
}

export interface FakeRequest extends RecordedRequest {
  /** Real header values (auth included), for the fake's own checks only. Never recorded. */
  rawHeaders: Record<string, string>;
}

export type FakeHandler = (req: FakeRequest, res: ServerResponse) => void | Promise<void>;

export interface FakeServer {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

const AUTH_HEADERS = new Set(['authorization', 'project-access-token', 'x-auth-key', 'cookie']);

function maskAuth(name: string, value: string): string {
  if (!AUTH_HEADERS.has(name)) return value;
  const scheme = /^(\w+)\s/.exec(value)?.[1];
  return scheme ? `${scheme} <redacted>` : '<redacted>';
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startFakeServer(handler: FakeHandler): Promise<FakeServer> {
  const sockets = new Set<Socket>();
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const rawBody = await readBody(req);
      const u = new URL(req.url ?? '/', 'http://127.0.0.1');
      const rawHeaders: Record<string, string> = {};
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        const value = Array.isArray(v) ? v.join(', ') : (v ?? '');
        rawHeaders[k] = value;
        headers[k] = maskAuth(k, value);
      }
      let body: unknown = null;
      if (rawBody) {
        try {
          body = JSON.parse(rawBody);
        } catch {
          body = rawBody;
        }
      }
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        path: u.pathname,
        query: Object.fromEntries(u.searchParams),
        headers,
        body,
        rawBody,
      };
      requests.push(recorded);
      try {
        await handler({ ...recorded, rawHeaders }, res);
      } catch (err) {
        if (!res.headersSent) sendJson(res, 500, { error: String(err) });
      }
    })();
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
