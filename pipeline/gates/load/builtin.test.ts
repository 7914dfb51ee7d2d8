import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer as createNetServer } from 'node:net';
import { startLoopback, type Loopback } from '../health/loopback.testkit.ts';
import { parseProfile } from './profile.ts';
import { runBuiltinLoad } from './builtin.ts';
import { prepareLoad, runLoadGate } from './gate.ts';
import { isShipgateError } from '../../errors.ts';
import { toJobSummary } from '../render.ts';

let target: Loopback;
beforeAll(async () => {
  target = await startLoopback((req, res) => {
    if (req.url === '/fail') {
      res.writeHead(500, { 'content-type': 'application/json' });
      return res.end('{"error":"boom"}');
    }
    if (req.method === 'POST') {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        res.writeHead(JSON.parse(body).title ? 201 : 400, { 'content-type': 'application/json' });
        res.end(body);
      });
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
});
afterAll(() => target.close());

describe('built-in engine (autocannon + HDR histogram)', () => {
  it('measures k6-named metrics and excludes warm-up requests', async () => {
    const before = target.requests;
    const m = await runBuiltinLoad({ url: target.url, profile: parseProfile({ requests: [{ path: '/ok' }], connections: 4, amount: 200, warmup: { amount: 50 } }) });
    expect(target.requests - before).toBe(250);
    expect(m.metrics.http_reqs?.values.count).toBe(200);
    expect(m.metrics.http_req_failed?.values.rate).toBe(0);
    expect(m.statusCounts).toEqual({ '200': 200 });
    const d = m.metrics.http_req_duration!;
    expect(d.type).toBe('trend');
    for (const k of ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)']) expect(d.values[k]).toBeGreaterThan(0);
    expect(d.values['p(95)']!).toBeLessThanOrEqual(d.values.max! + 0.01);
    expect(d.percentile!(99.9)).toBeGreaterThanOrEqual(d.values['p(99)']!);
    expect(m.histogram!.reduce((n, b) => n + b.count, 0)).toBe(200);
  });

  it('counts non-2xx/3xx answers as failed requests and sends bodies', async () => {
    const m = await runBuiltinLoad({
      url: target.url,
      profile: parseProfile({ requests: [{ path: '/ok' }, { path: '/fail' }, { method: 'POST', path: '/notes', body: { title: 'x' } }, { method: 'POST', path: '/notes', body: {} }], connections: 1, amount: 40 }),
    });
    expect(m.statusCounts).toEqual({ '200': 10, '500': 10, '201': 10, '400': 10 });
    expect(m.metrics.http_req_failed?.values.rate).toBe(0.5);
  });
});

describe('load gate', () => {
  it('passes when every threshold holds and shows the numbers against each threshold', async () => {
    const r = await runLoadGate({
      url: target.url, engine: 'builtin',
      profile: parseProfile({ requests: [{ path: '/ok' }], connections: 2, amount: 100 }),
      thresholds: { http_req_duration: ['p(95)<30000', 'p(99.9)<60000'], http_req_failed: ['rate<0.01'], http_reqs: ['count>=100'] },
    });
    expect(r.result.status).toBe('passed');
    expect(r.result.summary).toMatch(/^4\/4 thresholds met · 100 requests in .* req\/s \(builtin\)$/);
    expect(r.terminal.join('\n')).toMatch(/http_req_duration p\(95\)=[\d.]+ms < 30000ms ✓/);
    expect(r.terminal.join('\n')).toMatch(/│█+ \d+/);
    expect(r.result.metrics.status_200).toBe(100);
    expect(r.result.metrics).toMatchObject({ engine: 'builtin', requests: 100, failedRate: 0, thresholdsPassed: 4, thresholdsFailed: 0 });
    for (const k of ['rps', 'p50Ms', 'p90Ms', 'p95Ms', 'p99Ms', 'durationMs']) expect(r.result.metrics[k]).toBeTypeOf('number');
    expect(r.measurement?.metrics.http_reqs?.values.count).toBe(100);
    expect(r.terminal[0]).toMatch(/^✅ load passed: 4\/4 thresholds met/);
    expect(r.terminal).toContain('  status codes: 200: 100');
    expect(r.terminal).toContain('  latency:');
    expect(r.result.details).toMatch(/^\*\*Engine:\*\* builtin · 100 requests in .* req\/s \(builtin\)\n\n\| metric \|/);
    expect(r.result.details).toMatch(/\n\n\*\*Latency\*\*\n\n\|/);
    expect(r.result.details).toMatch(/\n\n\*\*Status codes:\*\* 200: 100\n\n```\n.*│█+ \d+[\s\S]*\n```$/);
    expect(toJobSummary(r.result)).toMatch(/\| http_req_failed \| `rate<0.01` \| 0% \| < 1% \| ✓ \|/);
  });

  it('fails when a threshold is crossed', async () => {
    const r = await runLoadGate({
      url: target.url, engine: 'builtin',
      profile: parseProfile({ requests: [{ path: '/ok' }, { path: '/fail' }], connections: 2, amount: 100 }),
      thresholds: { http_req_failed: ['rate<0.01'], http_reqs: ['count>100000', 'count<1', 'count>=1'] },
    });
    expect(r.result.status).toBe('failed');
    expect(r.result.summary).toBe('3 of 4 thresholds crossed: http_req_failed rate=50% < 1% ✗; http_reqs count=100 > 100000 ✗');
    expect(r.result.metrics).toMatchObject({ thresholdsPassed: 1, thresholdsFailed: 3, failedRate: 0.5, status_200: 50, status_500: 50 });
  });

  it('fails closed on a threshold for a metric the engine does not produce', async () => {
    const r = await runLoadGate({
      url: target.url, engine: 'builtin', profile: parseProfile({ requests: [{ path: '/ok' }], connections: 1, amount: 20 }),
      thresholds: { iteration_duration: ['avg<100'] },
    });
    expect(r.result.status).toBe('failed');
    expect(r.result.details).toMatch(/no metric "iteration_duration"/);
  });

  it('is an error, not a pass, against a target that refuses connections', async () => {
    const probe = createNetServer();
    await new Promise<void>((res) => probe.listen(0, '127.0.0.1', res));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((res) => probe.close(() => res()));
    const r = await runLoadGate({
      url: `http://127.0.0.1:${port}`, engine: 'builtin', profile: parseProfile({ requests: [{ path: '/' }], connections: 1, duration: '1s' }),
      thresholds: { http_req_failed: ['rate<0.01'] },
    });
    expect(r.result.status).toBe('error');
    expect(r.result.summary).toMatch(/^no response from/);
  });

  it('refuses to prepare a run with no thresholds (CLI exit 3), naming where to set them', async () => {
    const err = await prepareLoad({ url: target.url, engine: 'builtin', profile: parseProfile({ requests: [{ path: '/ok' }], amount: 10 }) }).catch((e: unknown) => e);
    expect(isShipgateError(err) && err.code).toBe('SHIPGATE_LOAD_THRESHOLDS_MISSING');
    expect(isShipgateError(err) && err.exitCode).toBe(3);
    expect(String((err as Error).message)).toBe('the load gate has no thresholds: a builtin run would have nothing to decide on, so it is refused (fail closed) before any load is sent');
    expect(isShipgateError(err) && err.hint).toMatch(/gates\.load\.thresholds[\s\S]*--threshold/);
    // The profile's own thresholds count.
    const ok = await prepareLoad({ url: target.url, engine: 'builtin', profile: parseProfile({ requests: [{ path: '/ok' }], amount: 10, thresholds: { http_req_failed: ['rate<0.01'] } }) });
    expect(ok.thresholds.map((t) => t.expr)).toEqual(['rate<0.01']);
  });

  it('prepares the built-in engine: profile required, duration and connections override it', async () => {
    const profile = parseProfile({ requests: [{ path: '/ok' }], connections: 4, amount: 100 });
    const thresholds = { http_req_failed: ['rate<0.01'] };
    const p = await prepareLoad({ url: target.url, engine: 'builtin', profile, thresholds, durationMs: 2000, connections: 2 });
    expect(p).toMatchObject({ engine: 'builtin', thresholdSource: thresholds });
    expect(p.k6Path).toBeUndefined();
    expect(p.profile).toMatchObject({ duration: 2000, amount: undefined, connections: 2 });
    const fromFile = await prepareLoad({ url: target.url, engine: 'builtin', profile: 'load/notes.profile.json', thresholds });
    expect(fromFile.profile?.requests.length).toBeGreaterThan(0);
    const plain = await prepareLoad({ url: target.url, engine: 'builtin', profile, thresholds });
    expect(plain.profile).toMatchObject({ amount: 100, connections: 4 });
    const err = await prepareLoad({ url: target.url, engine: 'builtin', thresholds }).catch((e: unknown) => e);
    expect(isShipgateError(err) && [err.code, err.message]).toEqual(['SHIPGATE_LOAD_INPUT_MISSING', 'engine "builtin" needs a profile (requests, connections, duration), and none was given']);
    expect(isShipgateError(err) && err.hint).toMatch(/--profile <file>.*gates\.load\.profile/);
    // auto without k6 on PATH, or without a script, is the built-in engine.
    expect((await prepareLoad({ url: target.url, engine: 'auto', profile, thresholds, pathEnv: '/nonexistent', script: 'x.js' })).engine).toBe('builtin');
  });

  it('is an error, sending no load, when handed a prepared run with no thresholds', async () => {
    const before = target.requests;
    const r = await runLoadGate({ url: target.url }, { engine: 'builtin', profile: parseProfile({ requests: [{ path: '/ok' }], connections: 1, amount: 20 }), thresholds: [], thresholdSource: {} });
    expect(r.result.status).toBe('error');
    expect(r.result.summary).toBe('load could not decide: the load gate has no thresholds: a builtin run would have nothing to decide on, so it is refused (fail closed) before any load is sent');
    expect(r.result.details).toContain('SHIPGATE_LOAD_THRESHOLDS_MISSING');
    expect(target.requests).toBe(before);
  });

  it('rejects bad thresholds and bad profiles before running, naming the fix', async () => {
    const bad = await runLoadGate({ url: target.url, engine: 'builtin', profile: parseProfile({ requests: [{ path: '/' }], amount: 1 }), thresholds: { http_req_duration: ['p95<300'] } });
    expect(bad.result.status).toBe('error');
    expect(bad.result.summary).toBe('load could not decide: load thresholds in the load gate config are invalid:');
    expect(bad.result.details).toMatch(/write the percentile as p\(95\)/);
    expect(() => parseProfile({ requests: [], duration: 'soon' })).toThrow(/requests: list at least one request[\s\S]*duration: "soon" is not a duration/);
  });
});

describe('load gate abort', () => {
  it('is an error, not a pass, when aborted mid-run', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 500);
    const r = await runLoadGate({
      url: target.url, engine: 'builtin', signal: ac.signal,
      profile: parseProfile({ requests: [{ path: '/ok' }], connections: 1, duration: '60s' }),
      thresholds: { http_req_failed: ['rate<0.01'] },
    });
    expect(r.result.status).toBe('error');
    expect(r.result.summary).toBe('load run aborted before it finished');
    expect(r.result.metrics).toEqual({ engine: 'builtin' });
    expect(r.result.details).toBe('');
  });
});
