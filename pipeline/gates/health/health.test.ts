import { afterEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { healthGate, runHealthGate } from './gate.ts';
import { backoffDelay } from './poll.ts';
import { assessHealthAnswer } from './assess.ts';
import { healthy, json, startLoopback, type Loopback } from './loopback.testkit.ts';
import { toJobSummary, toSlack } from '../render.ts';

const open: Loopback[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});
async function serve(h: Parameters<typeof startLoopback>[0]) {
  const s = await startLoopback(h);
  open.push(s);
  return s;
}
const fast = { intervalMs: 20, maxBackoffMs: 60, requestTimeoutMs: 2000 };

describe('health gate against loopback servers', () => {
  it('passes after N consecutive healthy answers, each on a new connection', async () => {
    const s = await serve((_req, res) => json(res, 200, healthy('1.5.0')));
    const r = await runHealthGate({ url: s.url, expectVersion: '1.5.0', ...fast, timeoutMs: 20_000 });
    expect(r.result.status).toBe('passed');
    expect(r.run?.tries).toBe(3);
    expect(r.result.metrics.timeToHealthyMs).toBeTypeOf('number');
    expect(r.result.summary).toMatch(/^healthy after .* \(3 tries, 3 in a row, version 1\.5\.0\)$/);
    expect(s.connections).toBe(3);
    expect(r.terminal).toEqual([expect.stringMatching(/^✅ health passed/)]);
    expect(r.result.durationMs).toBeLessThan(20_000);
  });

  it('fails when the app reports another database than the environment\'s, as the release engine calls it', async () => {
    const s = await serve((_req, res) => json(res, 200, { ...healthy('1.5.0'), dbName: 'notes_dev' }));
    const gate = healthGate({ ...fast, consecutive: 1, timeoutMs: 400 });
    const wrong = await gate.run({ url: s.url, version: '1.5.0', dbName: 'notesproduction' });
    expect(wrong.status).toBe('failed');
    expect(wrong.summary).toContain('app uses database "notes_dev", expected "notesproduction"');
    expect((await gate.run({ url: s.url, version: '1.5.0', dbName: 'notes_dev' })).status).toBe('passed');
  });

  it('does not pass while the old version still answers, then passes on the new one', async () => {
    const s = await serve((_req, res, n) => json(res, 200, healthy(n <= 4 ? '1.4.2' : '1.5.0')));
    const r = await runHealthGate({ url: s.url, expectVersion: '1.5.0', ...fast, timeoutMs: 30_000 });
    expect(r.result.status).toBe('passed');
    expect(r.run?.tries).toBe(7);
    expect(r.run?.reasons).toEqual([{ reason: 'version 1.4.2 still serving, expected 1.5.0', count: 4 }]);
  });

  it('fails with the old version named when only the old deployment answers', async () => {
    const s = await serve((_req, res) => json(res, 200, healthy('1.4.2')));
    const r = await runHealthGate({ url: s.url, expectVersion: '1.5.0', ...fast, timeoutMs: 600 });
    expect(r.result.status).toBe('failed');
    expect(r.result.summary).toMatch(/^not healthy: version 1\.4\.2 still serving, expected 1\.5\.0 x \d+; timeout after 600ms$/);
    expect(r.result.metrics.observedVersion).toBe('1.4.2');
    expect(r.result.details).toContain('"version": "1.4.2"');
    // The terminal shows the last answer on one line, whitespace folded, at most 200 characters.
    expect(r.terminal).toHaveLength(2);
    expect(r.terminal[0]).toMatch(/^❌ health failed: not healthy/);
    expect(r.terminal[1]).toBe('  last answer (HTTP 200): { "status": "ok", "version": "1.4.2", "commit": "abc1234", "db": "up", "uptimeS": 5 }');
  });

  it('as a Gate, expects the version of the context: fails against the old deployment, naming both versions', async () => {
    const s = await serve((_req, res) => json(res, 200, healthy('1.4.2')));
    const gate = healthGate({ ...fast, consecutive: 2, timeoutMs: 600 });
    const r = await gate.run({ url: s.url, version: '1.5.0' });
    expect(r.status).toBe('failed');
    expect(r.summary).toMatch(/^not healthy: version 1\.4\.2 still serving, expected 1\.5\.0 x \d+; timeout after 600ms$/);
    expect(r.metrics).toMatchObject({ expectedVersion: '1.5.0', observedVersion: '1.4.2' });
    expect(gate.name).toBe('health');
    // The release's abort signal and progress sink reach the poller.
    const events: string[] = [];
    const ac = new AbortController();
    ac.abort();
    const aborted = await gate.run({ url: s.url, version: '1.5.0', signal: ac.signal, progress: (e) => events.push(e.message) });
    expect(aborted).toMatchObject({ status: 'error', summary: 'not healthy: no answer; aborted', metrics: { tries: 0 } });
    await gate.run({ url: s.url, version: '1.5.0', progress: (e) => events.push(e.message) });
    expect(events[0]).toMatch(/^try 1 · [\d.]+s · version 1\.4\.2 still serving, expected 1\.5\.0$/);
    // An explicit expectVersion in the defaults wins over the context's.
    const pinned = await healthGate({ ...fast, consecutive: 2, timeoutMs: 5000, expectVersion: '1.4.2' }).run({ url: s.url, version: '1.5.0' });
    expect(pinned.status).toBe('passed');
  });

  it('does not blame the target for a try the deadline cut short', async () => {
    // First answer: the old version; every later request hangs, so the second try is still waiting
    // (request timeout 5s) when the 400ms deadline cuts it.
    const s = await serve((_req, res, n) => (n === 1 ? json(res, 200, healthy('1.4.2')) : undefined));
    const r = await runHealthGate({ url: s.url, expectVersion: '1.5.0', intervalMs: 20, requestTimeoutMs: 5000, timeoutMs: 400 });
    expect(r.result.status).toBe('failed');
    expect(r.result.summary).toBe('not healthy: version 1.4.2 still serving, expected 1.5.0; timeout after 400ms');
    expect(r.run?.tries).toBe(2);
    expect(r.run?.history[1]).toMatchObject({ outcome: 'unreachable', reason: expect.stringMatching(/^cut off by the deadline after \d+ms$/) });
  });

  it('never passes a flapping target that needs 3 in a row', async () => {
    const s = await serve((_req, res, n) => (n % 2 ? json(res, 200, healthy('1.5.0')) : json(res, 502, { error: 'bad gateway' })));
    const r = await runHealthGate({ url: s.url, expectVersion: '1.5.0', ...fast, timeoutMs: 800 });
    expect(r.result.status).toBe('failed');
    expect(r.result.summary).toMatch(/HTTP 502 x \d+/);
    expect(r.run!.history.some((t) => t.outcome === 'healthy')).toBe(true);
  });

  it('reports a hanging target as an error with a per-request timeout', async () => {
    const s = await serve(() => undefined);
    const r = await runHealthGate({ url: s.url, expectVersion: '1.5.0', intervalMs: 20, requestTimeoutMs: 200, timeoutMs: 1000 });
    expect(r.result.status).toBe('error');
    expect(r.result.summary).toMatch(/^unreachable: no answer within 0\.2s( x \d+)?; timeout after 1s$/);
  });

  it('fails on an HTML answer', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<html><body>Welcome to nginx</body></html>');
    });
    const r = await runHealthGate({ url: s.url, ...fast, timeoutMs: 500 });
    expect(r.result.status).toBe('failed');
    expect(r.result.summary).toMatch(/not JSON \(text\/html\)/);
    expect(r.result.details).toContain('Welcome to nginx');
  });

  it('reports refused connections as an error', async () => {
    const probe = createServer();
    await new Promise<void>((res) => probe.listen(0, '127.0.0.1', res));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((res) => probe.close(() => res()));
    const r = await runHealthGate({ url: `http://127.0.0.1:${port}`, ...fast, timeoutMs: 500 });
    expect(r.result.status).toBe('error');
    expect(r.result.summary).toMatch(/^unreachable: connection refused( x \d+)?; timeout after 500ms$/);
  });

  it('fails when the database is down, and reads a configured JSON path', async () => {
    const s = await serve((req, res) =>
      req.url === '/ready' ? json(res, 200, { build: { version: '2.0.0' }, checks: { mongo: { status: 'down' } } }) : json(res, 503, { ...healthy('2.0.0'), db: 'down' }),
    );
    const a = await runHealthGate({ url: s.url, ...fast, timeoutMs: 400 });
    expect(a.result.summary).toMatch(/HTTP 503 \(db down\)/);
    const b = await runHealthGate({ url: s.url, path: '/ready', expectVersion: '2.0.0', versionField: 'build.version', dbField: 'checks.mongo', ...fast, timeoutMs: 400 });
    expect(b.result.status).toBe('failed');
    expect(b.result.summary).toMatch(/^not healthy: db down x \d+/);
  });

  it('redacts secrets in the last body it shows', async () => {
    const s = await serve((_req, res) => json(res, 500, { error: 'boom', uri: 'mongodb://app:hunter2secret@db.internal/notes', token: 'abc123456' }));
    const r = await runHealthGate({ url: s.url, ...fast, timeoutMs: 300 });
    const md = toJobSummary(r.result);
    expect(md).not.toContain('hunter2secret');
    expect(md).not.toContain('abc123456');
    expect(md).toContain('mongodb://app:***@db.internal/notes');
    expect(toSlack(r.result).text).toMatch(/^:x: \*health\* failed — not healthy: HTTP 500/);
  });

  it('stops when the signal aborts', async () => {
    const s = await serve((_req, res) => json(res, 502, {}));
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    const r = await runHealthGate({ url: s.url, ...fast, timeoutMs: 60_000, signal: ac.signal });
    expect(r.result.status).toBe('error');
    expect(r.result.summary).toMatch(/aborted$/);
  });
});

describe('health pieces', () => {
  it('backs off exponentially up to the cap, with jitter in [base/2, base]', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, 100, 400, () => 1))).toEqual([100, 200, 400, 400, 400]);
    expect(backoffDelay(3, 100, 400, () => 0)).toBe(200);
  });

  it('requires a version when one is expected', () => {
    const a = assessHealthAnswer({ status: 200, contentType: 'application/json', body: '{"db":"up"}' }, { expectVersion: '1.0.0', versionField: 'version', dbField: 'db' });
    expect(a).toMatchObject({ healthy: false, reason: 'no version in the body (field "version"), expected 1.0.0' });
  });
});
