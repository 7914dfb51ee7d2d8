/**
 * Polls a health endpoint until it has answered healthy N times in a row, or the deadline passes.
 * Each try opens a NEW connection (fresh undici Agent, `reset: true`), so a try never rides a
 * kept-alive socket to a deployment that has since been replaced. While the target struggles (no
 * answer, 5xx) the wait grows exponentially from the interval to a cap, with jitter; otherwise
 * (healthy, old version, 4xx, db field down on a 2xx) it is the plain interval.
 */
import { Agent, request } from 'undici';
import type { ProgressSink } from '../types.ts';
import { assessHealthAnswer, type HealthExpectations, type HttpAnswer } from './assess.ts';
import { redactDeep, redactText } from '../../secrets/redact.ts';

export interface HealthPollOptions {
  /** Base URL of the deployment, e.g. http://127.0.0.1:4100 */
  url: string;
  path?: string;
  expectVersion?: string | undefined;
  versionField?: string;
  /** JSON path of the db status; null = do not check. */
  dbField?: string | null;
  /** JSON path of the database name the app reports; when present it must be expectDbName. */
  dbNameField?: string | null;
  expectDbName?: string | undefined;
  /** Healthy answers in a row needed to pass. */
  consecutive?: number;
  intervalMs?: number;
  /** Overall deadline. */
  timeoutMs?: number;
  requestTimeoutMs?: number;
  /** Cap of the backoff between failed tries (default 4 × interval). */
  maxBackoffMs?: number;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  progress?: ProgressSink;
  /** Source of jitter (tests may pass a fixed one). */
  random?: () => number;
}

export interface HealthTry {
  n: number;
  /** Start of the try, ms since the poll began. */
  atMs: number;
  ms: number;
  outcome: 'healthy' | 'unhealthy' | 'unreachable';
  reason?: string;
  status?: number;
  version?: string;
}

export interface HealthPollResult {
  outcome: 'healthy' | 'unhealthy' | 'unreachable' | 'aborted';
  target: string;
  elapsedMs: number;
  /** Set when it passed: ms from the start until the last of the N healthy answers. */
  timeToHealthyMs?: number;
  tries: number;
  /** Failure reasons with counts, most frequent first. */
  reasons: Array<{ reason: string; count: number }>;
  deadlineHit: boolean;
  lastStatus?: number;
  lastVersion?: string;
  /** Last body, redacted and truncated. */
  lastBody?: string;
  /** The most recent tries (at most 30). */
  history: HealthTry[];
  options: { consecutive: number; intervalMs: number; timeoutMs: number; expectVersion?: string };
}

const MAX_BODY = 64 * 1024;
const SHOWN_BODY = 2000;

export function backoffDelay(failStreak: number, intervalMs: number, capMs: number, random: () => number): number {
  const base = Math.min(capMs, intervalMs * 2 ** Math.max(0, failStreak - 1));
  return Math.round(base / 2 + (random() * base) / 2);
}

function transportReason(err: unknown, timedOut: boolean, requestTimeoutMs: number): string {
  if (timedOut) return `no answer within ${requestTimeoutMs / 1000}s`;
  const e = err as { code?: string; cause?: { code?: string }; message?: string };
  const code = e?.code ?? e?.cause?.code;
  switch (code) {
    case 'ECONNREFUSED': return 'connection refused';
    case 'ECONNRESET': case 'UND_ERR_SOCKET': return 'connection reset';
    case 'ENOTFOUND': case 'EAI_AGAIN': return 'host not found';
    case 'UND_ERR_CONNECT_TIMEOUT': case 'UND_ERR_HEADERS_TIMEOUT': case 'UND_ERR_BODY_TIMEOUT': return `no answer within ${requestTimeoutMs / 1000}s`;
    default: return `request failed: ${code ?? e?.message ?? String(err)}`;
  }
}

async function readCapped(body: AsyncIterable<Buffer> & { destroy(): unknown }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= MAX_BODY) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, MAX_BODY).toString('utf8');
}

async function fetchOnce(target: string, timeoutMs: number, headers: Record<string, string>, outer?: AbortSignal): Promise<HttpAnswer> {
  const agent = new Agent({ connections: 1, pipelining: 0, connect: { timeout: timeoutMs }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const ac = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ac.abort(new Error('request timeout'));
  }, timeoutMs);
  const onOuter = () => ac.abort(outer?.reason);
  outer?.addEventListener('abort', onOuter, { once: true });
  try {
    const res = await request(target, { method: 'GET', dispatcher: agent, reset: true, signal: ac.signal, headers: { accept: 'application/json', ...headers } });
    const body = await readCapped(res.body as never);
    const ct = res.headers['content-type'];
    return { status: res.statusCode, contentType: Array.isArray(ct) ? (ct[0] ?? '') : (ct ?? ''), body };
  } catch (err) {
    const code = (err as { code?: string })?.code ?? '';
    if (timedOut || /TIMEOUT/.test(code)) throw Object.assign(new Error('request timeout'), { timedOut: true });
    throw err;
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuter);
    agent.destroy().catch(() => undefined);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function showBody(body: string, json: unknown): string {
  const text = json !== undefined ? JSON.stringify(redactDeep(json), null, 2) : redactText(body);
  return text.length > SHOWN_BODY ? `${text.slice(0, SHOWN_BODY)}… (${text.length - SHOWN_BODY} more characters)` : text;
}

export async function pollHealth(opts: HealthPollOptions): Promise<HealthPollResult> {
  const path = opts.path ?? '/health';
  const target = `${opts.url.replace(/\/+$/, '')}${path.startsWith('/') ? path : `/${path}`}`;
  const consecutive = Math.max(1, opts.consecutive ?? 3);
  const intervalMs = opts.intervalMs ?? 1000;
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const requestTimeoutMs = opts.requestTimeoutMs ?? 5000;
  const capMs = opts.maxBackoffMs ?? intervalMs * 4;
  const random = opts.random ?? Math.random;
  const exp: HealthExpectations = { expectVersion: opts.expectVersion, versionField: opts.versionField ?? 'version', dbField: opts.dbField === undefined ? 'db' : opts.dbField, dbNameField: opts.dbNameField === undefined ? 'dbName' : opts.dbNameField, expectDbName: opts.expectDbName };

  const t0 = performance.now();
  const elapsed = () => Math.round(performance.now() - t0);
  const counts = new Map<string, number>();
  const history: HealthTry[] = [];
  let tries = 0, streak = 0, failStreak = 0, sawAnswer = false;
  let last: { status?: number; version?: string; body?: string } = {};

  for (;;) {
    if (opts.signal?.aborted) break;
    const remaining = timeoutMs - elapsed();
    if (remaining <= 0) break;
    tries++;
    const atMs = elapsed();
    const reqTimeout = Math.max(1, Math.min(requestTimeoutMs, remaining));
    let entry: HealthTry;
    try {
      const answer = await fetchOnce(target, reqTimeout, opts.headers ?? {}, opts.signal);
      sawAnswer = true;
      const a = assessHealthAnswer(answer, exp);
      last = { status: answer.status, ...(a.version ? { version: a.version } : {}), body: showBody(answer.body, a.json) };
      entry = { n: tries, atMs, ms: elapsed() - atMs, outcome: a.healthy ? 'healthy' : 'unhealthy', status: answer.status, ...(a.version ? { version: a.version } : {}), ...(a.healthy ? {} : { reason: a.reason }) };
    } catch (err) {
      if (opts.signal?.aborted) break;
      const timedOut = (err as { timedOut?: boolean }).timedOut === true;
      // A try the overall deadline cut short (less time left than a request may take) says nothing
      // about the target: it shows in the history, not among the reasons (which it would blur).
      if (timedOut && reqTimeout < requestTimeoutMs) {
        history.push({ n: tries, atMs, ms: elapsed() - atMs, outcome: 'unreachable', reason: `cut off by the deadline after ${reqTimeout}ms` });
        if (history.length > 30) history.shift();
        break;
      }
      entry = { n: tries, atMs, ms: elapsed() - atMs, outcome: 'unreachable', reason: transportReason(err, timedOut, requestTimeoutMs) };
    }
    history.push(entry);
    if (history.length > 30) history.shift();
    if (entry.outcome === 'healthy') {
      streak++;
      failStreak = 0;
    } else {
      streak = 0;
      failStreak++;
      counts.set(entry.reason ?? 'unknown', (counts.get(entry.reason ?? 'unknown') ?? 0) + 1);
    }
    opts.progress?.({
      gate: 'health',
      message: `try ${tries} · ${(elapsed() / 1000).toFixed(1)}s · ${entry.outcome === 'healthy' ? `healthy ${streak}/${consecutive}` : entry.reason}`,
      fraction: Math.min(1, elapsed() / timeoutMs),
    });
    if (streak >= consecutive) break;
    // Back off only when the target struggles (no answer, 5xx); an old version or a 4xx answer is
    // cheap to ask again, and polling it at the interval finds the new deployment sooner.
    const struggling = entry.outcome === 'unreachable' || (entry.status ?? 0) >= 500;
    failStreak = struggling ? failStreak : 0;
    const wait = struggling ? backoffDelay(failStreak, intervalMs, capMs, random) : intervalMs;
    const left = timeoutMs - elapsed();
    if (left <= 0) break;
    await sleep(Math.min(wait, left), opts.signal);
  }

  const reasons = [...counts.entries()].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count);
  const passed = streak >= consecutive;
  const aborted = !passed && !!opts.signal?.aborted;
  return {
    outcome: passed ? 'healthy' : aborted ? 'aborted' : sawAnswer ? 'unhealthy' : 'unreachable',
    target,
    elapsedMs: elapsed(),
    ...(passed ? { timeToHealthyMs: elapsed() } : {}),
    tries,
    reasons,
    deadlineHit: !passed && !aborted,
    ...(last.status !== undefined ? { lastStatus: last.status } : {}),
    ...(last.version !== undefined ? { lastVersion: last.version } : {}),
    ...(last.body !== undefined ? { lastBody: last.body } : {}),
    history,
    options: { consecutive, intervalMs, timeoutMs, ...(opts.expectVersion ? { expectVersion: opts.expectVersion } : {}) },
  };
}
