/**
 * Reading a request body with a bound, before anything parses or verifies it: a declared
 * Content-Length over the limit is refused at once (nothing read), and a streamed body is counted
 * and cut at the limit (what was read is dropped, the connection closed). Nothing is logged here.
 */
import type { IncomingMessage } from 'node:http';

/** GitHub caps webhook payloads at 25 MB. */
export const GITHUB_MAX_BODY_BYTES = 25 * 1024 * 1024;
/** Where the GitHub App's webhooks are served. */
export const GITHUB_WEBHOOK_PATH = '/api/github/webhooks';

export type BoundedBody = { ok: true; body: Buffer } | { ok: false; status: 400 | 413; problem: string };

/** The declared Content-Length: undefined when absent, NaN when it is not one non-negative integer. */
export function declaredLength(req: IncomingMessage): number | undefined {
  const raw = req.headers['content-length'];
  if (raw === undefined) return undefined;
  return /^\d{1,15}$/.test(raw) ? Number(raw) : Number.NaN;
}

/** Refusal for a declared length, before any byte is read (undefined: go ahead and read). */
export function refuseDeclaredLength(req: IncomingMessage, maxBytes: number): BoundedBody | undefined {
  const declared = declaredLength(req);
  if (declared === undefined) return undefined;
  if (Number.isNaN(declared)) return { ok: false, status: 400, problem: 'malformed Content-Length header' };
  if (declared > maxBytes) return { ok: false, status: 413, problem: `body over the limit of ${maxBytes} bytes` };
  return undefined;
}

export function readBoundedBody(req: IncomingMessage, maxBytes: number): Promise<BoundedBody> {
  const refused = refuseDeclaredLength(req, maxBytes);
  if (refused) return Promise.resolve(refused);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (result: BoundedBody) => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      chunks.length = 0;
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        // Stop reading: the rest is never buffered; the caller answers 413 and closes.
        req.pause();
        settle({ ok: false, status: 413, problem: `body over the limit of ${maxBytes} bytes` });
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => {
      if (settled) return;
      const body = Buffer.concat(chunks, size);
      settled = true;
      resolve({ ok: true, body });
    });
    req.on('error', () => settle({ ok: false, status: 400, problem: 'the request body could not be read' }));
    req.on('aborted', () => settle({ ok: false, status: 400, problem: 'the request was aborted' }));
  });
}
