import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { markdownTable, progressPrinter, textHistogram, toJobSummary, toSlack } from './render.ts';
import { healthToGateResult } from './health/gate.ts';
import type { HealthPollResult } from './health/poll.ts';
import { thresholdsTable, thresholdLine } from './load/report.ts';
import { evaluateThresholds, parseThresholds } from './load/thresholds.ts';

function sinkStream(tty: boolean) {
  const chunks: string[] = [];
  const s = new Writable({ write(c, _e, cb) { chunks.push(String(c)); cb(); } }) as Writable & { isTTY?: boolean; columns?: number };
  s.isTTY = tty;
  s.columns = 80;
  return { stream: s as unknown as NodeJS.WriteStream, chunks };
}

const golden = async (name: string, actual: string) => {
  const file = join(import.meta.dirname, 'golden', name);
  if (process.env.UPDATE_GOLDEN) await writeFile(file, actual);
  expect(actual).toBe(await readFile(file, 'utf8'));
};

const run: HealthPollResult = {
  outcome: 'unhealthy', target: 'http://127.0.0.1:4100/health', elapsedMs: 120_004, tries: 3, deadlineHit: true,
  reasons: [{ reason: 'version 1.4.2 still serving, expected 1.5.0', count: 2 }, { reason: 'HTTP 502', count: 1 }],
  lastStatus: 200, lastVersion: '1.4.2', lastBody: '{\n  "status": "ok",\n  "version": "1.4.2",\n  "db": "up"\n}',
  history: [
    { n: 1, atMs: 0, ms: 12, outcome: 'unreachable', reason: 'HTTP 502', status: 502 },
    { n: 2, atMs: 1000, ms: 8, outcome: 'unhealthy', reason: 'version 1.4.2 still serving, expected 1.5.0', status: 200, version: '1.4.2' },
    { n: 3, atMs: 2000, ms: 7, outcome: 'unhealthy', reason: 'version 1.4.2 still serving, expected 1.5.0', status: 200, version: '1.4.2' },
  ],
  options: { consecutive: 3, intervalMs: 1000, timeoutMs: 120_000, expectVersion: '1.5.0' },
};

describe('rendering', () => {
  it('health job summary (golden)', async () => {
    const r = healthToGateResult(run, { startedAt: '2026-01-01T00:00:00.000Z', durationMs: 120_010 });
    expect(r.summary).toBe('not healthy: version 1.4.2 still serving, expected 1.5.0 x 2; HTTP 502; timeout after 2m');
    await golden('health-failed.md', toJobSummary(r));
    expect(toSlack(r, ['expectedVersion', 'observedVersion', 'tries'])).toEqual({
      text: ':x: *health* failed — not healthy: version 1.4.2 still serving, expected 1.5.0 x 2; HTTP 502; timeout after 2m (2m)',
      fields: [{ title: 'expectedVersion', value: '1.5.0' }, { title: 'observedVersion', value: '1.4.2' }, { title: 'tries', value: '3' }],
    });
    // By default: the health gate's own fields, skipping empty ones (timeToHealthyMs is null here).
    expect(toSlack(r).fields.map((f) => f.title)).toEqual(['expectedVersion', 'observedVersion', 'tries', 'topReason']);
  });

  it('thresholds table and lines (golden)', async () => {
    const parsed = parseThresholds({ http_req_duration: ['p(95)<300', 'p(99)<800'], http_req_failed: ['rate<0.01'], http_reqs: ['rate>200'], iterations: ['count>1'] });
    if (!parsed.ok) throw new Error(parsed.error);
    const out = evaluateThresholds(parsed.value, {
      http_req_duration: { type: 'trend', values: { 'p(95)': 212, 'p(99)': 912.5 } },
      http_req_failed: { type: 'rate', values: { rate: 0.002 } },
      http_reqs: { type: 'counter', values: { count: 2500, rate: 250 } },
    });
    expect(out.map(thresholdLine)).toEqual([
      'http_req_duration p(95)=212ms < 300ms ✓',
      'http_req_duration p(99)=912.5ms < 800ms ✗',
      'http_req_failed rate=0.2% < 1% ✓',
      'http_reqs rate=250/s > 200/s ✓',
      'iterations count > 1 ✗ (the load engine produced no metric "iterations" (it produced: http_req_duration, http_req_failed, http_reqs))',
    ]);
    await golden('load-thresholds.md', thresholdsTable(out) + '\n');
  });

  it('escapes pipes in tables and scales histograms', () => {
    expect(markdownTable(['a'], [['x|y']])).toBe('| a |\n|---|\n| x\\|y |');
    expect(textHistogram([{ label: '≤1ms', count: 10 }, { label: '≤2ms', count: 5 }, { label: '≤5ms', count: 0 }], 10)).toEqual(['≤1ms │██████████ 10', '≤2ms │█████ 5', '≤5ms │ 0']);
  });

  it('progress: one rewritten line in a TTY, plain lines otherwise', () => {
    const tty = sinkStream(true);
    const p = progressPrinter(tty.stream, { minIntervalMs: 0 });
    p({ gate: 'load', message: 'a' });
    p({ gate: 'load', message: 'b' });
    p.done();
    expect(tty.chunks.every((c) => c.startsWith('\r\x1b[2K'))).toBe(true);
    expect(tty.chunks.join('')).not.toContain('\n');
    const plain = sinkStream(false);
    const q = progressPrinter(plain.stream, { minIntervalMs: 0 });
    q({ gate: 'health', message: 'try 1' });
    q({ gate: 'health', message: 'try 2' });
    expect(plain.chunks).toHaveLength(2);
    expect(plain.chunks[1]).toMatch(/^\[health \d+ms\] try 2\n$/);
  });
});
