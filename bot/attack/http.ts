/**
 * Raw HTTP for the attack suite (node:http, not fetch: arbitrary methods, a Content-Length that
 * lies, bodies that never end, chunked floods). Every shot has a deadline: a server that does
 * not answer in time is reported as `timedOut`, not waited for.
 */
import { request } from 'node:http';

export interface Shot {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  ms: number;
  timedOut?: boolean;
  error?: string;
}

export interface RawRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** Send `body`, then keep the request open (a lying Content-Length) instead of ending it. */
  holdOpen?: boolean;
  /** Stream this many bytes (chunked, 64 KB at a time) until the server answers. */
  floodBytes?: number;
  deadlineMs?: number;
}

export function shoot(base: string, r: RawRequest): Promise<Shot> {
  const started = Date.now();
  const url = new URL(base);
  return new Promise((resolve) => {
    let done = false;
    let answered: { status: number; headers: Shot['headers'] } | undefined;
    const finish = (s: Omit<Shot, 'ms'>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      resolve({ ...s, ms: Date.now() - started });
    };
    const req = request({ host: url.hostname, port: url.port, method: r.method ?? 'POST', path: r.path, headers: r.headers ?? {}, agent: false }, (res) => {
      answered = { status: res.statusCode ?? 0, headers: res.headers };
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => finish({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (err) => finish({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8'), error: err.message }));
    });
    const timer = setTimeout(() => finish({ status: 0, headers: {}, text: '', timedOut: true }), r.deadlineMs ?? 5_000);
    // A server that answers (413) and closes while we still write: the answer is what counts.
    req.on('error', (err) => finish({ status: answered?.status ?? 0, headers: answered?.headers ?? {}, text: '', error: err.message }));
    if (r.floodBytes) {
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      let sent = 0;
      const pump = () => {
        while (!done && sent < (r.floodBytes ?? 0)) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        if (!done) req.end();
      };
      pump();
      return;
    }
    if (r.body !== undefined) req.write(r.body);
    if (!r.holdOpen) req.end();
  });
}
