/**
 * The built-in load engine: autocannon driven by a declarative profile. autocannon reports no p95,
 * so every response latency goes into our own HDR histogram (from the `response` event) and any
 * percentile can be answered. Warm-up is a separate run whose requests are never counted.
 * Metrics carry k6's names: http_req_duration (trend, ms), http_req_failed (rate), http_reqs (counter).
 */
import autocannon from 'autocannon';
import * as hdr from 'hdr-histogram-js';
import type { ProgressSink } from '../types.ts';
import type { LoadProfile } from './profile.ts';
import { runLength } from './profile.ts';
import { LatencyBuckets, type LoadMeasurement } from './measurement.ts';

export interface BuiltinRunOptions {
  url: string;
  profile: LoadProfile;
  signal?: AbortSignal;
  progress?: ProgressSink;
  /** Hard stop in ms (default: run length + request timeout + 30s; 10 min for amount-based runs). */
  maxMs?: number;
}

function autocannonRequests(p: LoadProfile): autocannon.Request[] {
  return p.requests.map((r) => {
    const isJson = r.body !== undefined && typeof r.body !== 'string';
    const headers = { ...(isJson ? { 'content-type': 'application/json' } : {}), ...(r.headers ?? {}) };
    return {
      method: r.method,
      path: r.path,
      ...(r.body !== undefined ? { body: typeof r.body === 'string' ? r.body : JSON.stringify(r.body) } : {}),
      ...(Object.keys(headers).length ? { headers } : {}),
    } as autocannon.Request;
  });
}

interface CannonRun {
  instance: autocannon.Instance;
  done: Promise<autocannon.Result>;
}

function startCannon(opts: autocannon.Options): CannonRun {
  let instance!: autocannon.Instance;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
  });
  return { instance, done };
}

async function bounded(run: CannonRun, maxMs: number, signal?: AbortSignal): Promise<autocannon.Result> {
  const stop = () => run.instance.stop();
  const timer = setTimeout(stop, maxMs);
  signal?.addEventListener('abort', stop, { once: true });
  try {
    return await run.done;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', stop);
  }
}

export async function runBuiltinLoad(opts: BuiltinRunOptions): Promise<LoadMeasurement> {
  const p = opts.profile;
  const base = {
    url: opts.url.replace(/\/+$/, ''),
    requests: autocannonRequests(p),
    timeout: Math.max(1, Math.ceil(p.requestTimeout / 1000)),
    ...(p.headers ? { headers: p.headers } : {}),
  };
  const notes: string[] = [];

  if (p.warmup && (p.warmup.duration !== undefined || p.warmup.amount !== undefined)) {
    opts.progress?.({ gate: 'load', message: 'warming up (not measured)' });
    const w = p.warmup;
    const warm = startCannon({
      ...base,
      connections: w.connections ?? p.connections,
      ...(w.amount !== undefined ? { amount: w.amount } : { duration: (w.duration ?? 2000) / 1000 }),
    });
    await bounded(warm, (w.duration ?? 60_000) + p.requestTimeout + 30_000, opts.signal);
    notes.push(`warm-up: ${w.amount !== undefined ? `${w.amount} requests` : `${(w.duration ?? 2000) / 1000}s`} (excluded)`);
  }
  if (opts.signal?.aborted) throw new Error('load run aborted before measuring');

  const len = runLength(p);
  const latencyUs = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3, useWebAssembly: false });
  const buckets = new LatencyBuckets();
  const byStatus = new Uint32Array(1000);
  let responses = 0;
  let bad = 0;
  let lastTickCount = 0;
  let lastTickAt = performance.now();

  const t0 = performance.now();
  const run = startCannon({
    ...base,
    connections: p.connections,
    ...(len.amount !== undefined ? { amount: len.amount } : { duration: (len.durationMs ?? 10_000) / 1000 }),
  });
  run.instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    responses++;
    latencyUs.recordValue(Math.max(1, Math.round(responseTime * 1000)));
    buckets.add(responseTime);
    if (statusCode >= 0 && statusCode < 1000) byStatus[statusCode] = (byStatus[statusCode] ?? 0) + 1;
    if (statusCode < 200 || statusCode >= 400) bad++;
  });
  run.instance.on('tick', () => {
    const now = performance.now();
    if (responses === lastTickCount && len.durationMs !== undefined && now - t0 >= len.durationMs) return; // autocannon's closing tick
    const rps = ((responses - lastTickCount) * 1000) / Math.max(1, now - lastTickAt);
    lastTickCount = responses;
    lastTickAt = now;
    const total = len.durationMs ? `/${(len.durationMs / 1000).toFixed(0)}s` : '';
    opts.progress?.({
      gate: 'load',
      message: `${((now - t0) / 1000).toFixed(0)}s${total} · ${Math.round(rps)} req/s live · ${responses} responses`,
      ...(len.durationMs ? { fraction: Math.min(1, (now - t0) / len.durationMs) } : {}),
    });
  });
  const maxMs = opts.maxMs ?? (len.durationMs !== undefined ? len.durationMs + p.requestTimeout + 30_000 : 600_000);
  const result = await bounded(run, maxMs, opts.signal);
  const durationMs = performance.now() - t0;

  const statusCounts: Record<string, number> = {};
  byStatus.forEach((count, code) => {
    if (count > 0) statusCounts[String(code)] = count;
  });
  const errors = result.errors ?? 0;
  if (errors > 0) statusCounts.error = errors;
  if (result.timeouts) notes.push(`${result.timeouts} request(s) timed out after ${base.timeout}s`);
  const total = responses + errors;
  const seconds = Math.max(0.001, durationMs / 1000);
  const q = (pct: number) => latencyUs.getValueAtPercentile(pct) / 1000;
  const trendValues: Record<string, number> = responses
    ? { avg: latencyUs.mean / 1000, min: latencyUs.minNonZeroValue / 1000, med: q(50), max: latencyUs.maxValue / 1000, 'p(90)': q(90), 'p(95)': q(95), 'p(99)': q(99) }
    : {};
  const metrics: LoadMeasurement['metrics'] = {
    http_reqs: { type: 'counter', values: { count: total, rate: total / seconds } },
    http_req_failed: { type: 'rate', values: total ? { rate: (bad + errors) / total, passes: bad + errors, fails: total - bad - errors } : {} },
  };
  if (responses) metrics.http_req_duration = { type: 'trend', values: trendValues, percentile: q };
  return { engine: 'builtin', metrics, durationMs: Math.round(durationMs), statusCounts, histogram: buckets.toBuckets(), notes };
}
