/**
 * The k6 adapter. k6 cannot be installed on these machines (and its Go module must not be used),
 * so a fake `k6` executable — a small node script placed first on PATH — plays it: it writes the
 * summary k6 documents for handleSummary to SHIPGATE_K6_SUMMARY and exits with k6's exit codes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { findOnPath, k6SummaryToMetrics, runK6 } from './k6.ts';
import { prepareLoad, runLoadGate } from './gate.ts';
import { parseProfile } from './profile.ts';

const fixtures = resolve(import.meta.dirname, 'fixtures');
let bin: string;
let pathEnv: string;

const FAKE_K6 = `#!${process.execPath}
// Fake k6 for tests: behaviour chosen by FAKE_K6_MODE; records argv and BASE_URL.
const fs = require('node:fs');
const mode = process.env.FAKE_K6_MODE || 'pass';
fs.writeFileSync(process.env.FAKE_K6_RECORD, JSON.stringify({ argv: process.argv.slice(2), baseUrl: process.env.BASE_URL }));
const summary = JSON.parse(fs.readFileSync(process.env.FAKE_K6_FIXTURE, 'utf8'));
if (mode === 'slow') summary.metrics.http_req_duration.values['p(95)'] = 450;
if (mode === 'exception') { console.error('ReferenceError: foo is not defined at file:///load/x.k6.js:3:1(4)'); process.exit(107); }
if (mode === 'nosummary') process.exit(0);
if (mode !== 'nosummary') fs.writeFileSync(process.env.SHIPGATE_K6_SUMMARY, JSON.stringify(summary));
console.log('     ✓ status is 200');
process.exit(mode === 'crossed' || mode === 'slow' ? 99 : 0);
`;

beforeAll(async () => {
  bin = await mkdtemp(join(tmpdir(), 'fake-k6-'));
  await writeFile(join(bin, 'k6'), FAKE_K6);
  await chmod(join(bin, 'k6'), 0o755);
  pathEnv = `${bin}:${process.env.PATH}`;
});
afterAll(() => rm(bin, { recursive: true, force: true }));

function env(mode: string) {
  return { FAKE_K6_MODE: mode, FAKE_K6_RECORD: join(bin, `record-${mode}.json`), FAKE_K6_FIXTURE: join(fixtures, 'k6-handle-summary.json') };
}
const thresholds = { http_req_duration: ['p(95)<300', 'p(99)<800'], http_req_failed: ['rate<0.01'], http_reqs: ['rate>100'] };

describe('k6 summary formats', () => {
  it('reads the documented handleSummary data', async () => {
    const m = k6SummaryToMetrics(JSON.parse(await readFile(join(fixtures, 'k6-handle-summary.json'), 'utf8')));
    expect(m.http_req_duration).toEqual({ type: 'trend', values: { avg: 41.2, min: 3.1, med: 35.5, max: 910.4, 'p(90)': 88.2, 'p(95)': 212.4, 'p(99)': 640.7 } });
    expect(m.http_req_failed?.values.rate).toBe(0.0021);
    expect(m.http_reqs).toEqual({ type: 'counter', values: { count: 1830, rate: 182.77 } });
    expect(m.vus?.type).toBe('gauge');
  });

  it('reads the older --summary-export file, ignoring its inverted threshold booleans', async () => {
    const m = k6SummaryToMetrics(JSON.parse(await readFile(join(fixtures, 'k6-summary-export.json'), 'utf8')));
    expect(m.http_req_duration?.type).toBe('trend');
    expect(m.http_req_failed).toMatchObject({ type: 'rate', values: { rate: 0.0021 } });
    expect(m.http_reqs?.type).toBe('counter');
  });

  it('rejects a file without metrics', () => {
    expect(() => k6SummaryToMetrics({ hello: 1 })).toThrow(/no "metrics" object/);
  });
});

describe('k6 engine through a fake k6 on PATH', () => {
  it('passes BASE_URL and the overrides, and evaluates with our evaluator', async () => {
    const e = env('pass');
    const r = await runLoadGate({ url: 'http://127.0.0.1:9', engine: 'k6', script: 'load/notes.k6.js', pathEnv, env: e, thresholds, durationMs: 5000, connections: 7 });
    expect(r.result.status).toBe('passed');
    expect(r.result.metrics.engine).toBe('k6');
    expect(r.terminal.join('\n')).toContain('http_req_duration p(95)=212.4ms < 300ms ✓');
    const rec = JSON.parse(await readFile(e.FAKE_K6_RECORD, 'utf8'));
    expect(rec).toEqual({ argv: ['run', '--no-color', '--duration', '5s', '--vus', '7', 'load/notes.k6.js'], baseUrl: 'http://127.0.0.1:9' });
  });

  it('fails on exit 99 with the crossed threshold named by our evaluation', async () => {
    const r = await runLoadGate({ url: 'http://127.0.0.1:9', engine: 'k6', script: 'x.js', pathEnv, env: env('slow'), thresholds });
    expect(r.result.status).toBe('failed');
    expect(r.result.summary).toBe('1 of 4 thresholds crossed: http_req_duration p(95)=450ms < 300ms ✗');
  });

  it('still fails on exit 99 when our thresholds pass (fail closed)', async () => {
    const r = await runLoadGate({ url: 'http://127.0.0.1:9', engine: 'k6', script: 'x.js', pathEnv, env: env('crossed'), thresholds });
    expect(r.result.status).toBe('failed');
    expect(r.result.summary).toMatch(/k6 reports thresholds crossed \(exit 99\)/);
  });

  it('turns exit 107 into an error with its meaning and the stderr tail', async () => {
    const r = await runLoadGate({ url: 'http://127.0.0.1:9', engine: 'k6', script: 'x.js', pathEnv, env: env('exception'), thresholds });
    expect(r.result.status).toBe('error');
    expect(r.result.summary).toBe('k6 exited 107 (script exception (the script threw an error))');
    expect(r.result.details).toContain('ReferenceError: foo is not defined');
  });

  it('is an error when the script wrote no summary', async () => {
    const r = await runK6({ url: 'http://127.0.0.1:9', script: 'x.js', k6: join(bin, 'k6'), env: env('nosummary') });
    expect(r.error).toMatch(/wrote no summary to SHIPGATE_K6_SUMMARY/);
  });

  it('auto picks k6 when it is on PATH, builtin otherwise', async () => {
    const profile = parseProfile({ requests: [{ path: '/' }], amount: 1 });
    const thresholds = { http_req_failed: ['rate<0.01'] };
    expect(await findOnPath('k6', pathEnv)).toBe(join(bin, 'k6'));
    expect((await prepareLoad({ url: 'http://x', engine: 'auto', script: 'x.js', profile, pathEnv, thresholds })).engine).toBe('k6');
    expect((await prepareLoad({ url: 'http://x', engine: 'auto', script: 'x.js', profile, pathEnv: '/nonexistent', thresholds })).engine).toBe('builtin');
    await expect(prepareLoad({ url: 'http://x', engine: 'k6', script: 'x.js', pathEnv: '/nonexistent' })).rejects.toThrow('engine "k6" was chosen but no k6 executable is on PATH (/nonexistent)');
    await expect(prepareLoad({ url: 'http://x', engine: 'k6', pathEnv, thresholds })).rejects.toThrow('engine "k6" needs a k6 script');
  });
});
