/**
 * Small HTTP helpers for node:http: a handler returns a Reply (status, JSON body, headers) and
 * one place writes it; JSON request bodies are read with a size limit and content-type check,
 * turning every kind of bad input into a 4xx reply instead of a thrown error.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface Reply {
  status: number;
  /** Serialised as JSON; omitted for 204. */
  body?: unknown;
  headers?: Record<string, string>;
}

export const MAX_BODY_BYTES = 1024 * 1024;

export function json(status: number, body?: unknown, headers?: Record<string, string>): Reply {
  return { status, ...(body === undefined ? {} : { body }), ...(headers ? { headers } : {}) };
}

export const notFound = (): Reply => json(404, { error: 'not_found' });

export function methodNotAllowed(allowed: string[]): Reply {
  return json(405, { error: 'method_not_allowed', allowed }, { allow: allowed.join(', ') });
}

export function writeReply(res: ServerResponse, reply: Reply): void {
  if (res.headersSent || res.writableEnded) return;
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  if (reply.status === 204 || reply.body === undefined) {
    res.writeHead(reply.status);
    res.end();
    return;
  }
  const payload = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
  });
  res.end(payload);
}

export type BodyResult = { ok: true; value: unknown } | { ok: false; reply: Reply };

function isJsonContentType(header: string | undefined): boolean {
  const media = (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return media === 'application/json' || (media.startsWith('application/') && media.endsWith('+json'));
}

/** Reads and parses a JSON body: 415 wrong content type, 413 over `limit` bytes, 400 invalid JSON. */
export async function readJsonBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<BodyResult> {
  if (!isJsonContentType(req.headers['content-type'])) {
    return {
      ok: false,
      reply: json(415, { error: 'unsupported_media_type', expected: 'application/json' }),
    };
  }
  const tooLarge: BodyResult = {
    ok: false,
    reply: json(413, { error: 'payload_too_large', limitBytes: limit }),
  };
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) return tooLarge;
  // Listeners rather than `for await`: leaving an async iterator early destroys the socket, and
  // the 413 reply could no longer be written.
  const received = await new Promise<Buffer | 'too_large' | 'aborted'>((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        // Discard the rest rather than cut the connection: a client still sending would get a
        // reset instead of our 413. (An unread body is discarded by node:http the same way.)
        req.resume();
        resolve('too_large');
      } else chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onAbort = () => {
      cleanup();
      resolve('aborted');
    };
    const cleanup = () => {
      req.off('data', onData).off('end', onEnd).off('error', onAbort).off('aborted', onAbort);
    };
    req.on('data', onData).on('end', onEnd).on('error', onAbort).on('aborted', onAbort);
  });
  if (received === 'too_large') return tooLarge;
  if (received === 'aborted') {
    return { ok: false, reply: json(400, { error: 'invalid_json', reason: 'request body was not received completely' }) };
  }
  const text = received.toString('utf8');
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, reply: json(400, { error: 'invalid_json' }) };
  }
}

export interface RouteContext {
  req: IncomingMessage;
  url: URL;
  /** Capture groups of the route's pattern. */
  params: string[];
}

export type Handler = (ctx: RouteContext) => Promise<Reply>;

export interface Route {
  /** Matched against the URL's pathname. */
  pattern: RegExp;
  methods: Partial<Record<string, Handler>>;
}

/** The route's handler, or 404 (unknown path) / 405 (known path, other method). */
export function matchRoute(routes: Route[], method: string, pathname: string): { handler: Handler; params: string[] } | Reply {
  for (const route of routes) {
    const m = route.pattern.exec(pathname);
    if (!m) continue;
    const handler = route.methods[method];
    if (!handler) return methodNotAllowed(Object.keys(route.methods));
    return { handler, params: m.slice(1).map((p) => p ?? '') };
  }
  return notFound();
}
