/**
 * The smoke gate runs real vitest child processes on fixture suites (smoke/fixtures/, excluded
 * from the unit run) against a real loopback server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from '../../mongo/embedded.ts';
import { startLoopback, json, type Loopback } from '../health/loopback.testkit.ts';
import { runSmokeGate, smokeGate } from './gate.ts';
import { toJobSummary, toSlack } from '../render.ts';

let target: Loopback;
beforeAll(async () => {
  target = await startLoopback((req, res) =>
    req.url === '/ping' ? json(res, 200, { pong: true }) : req.url === '/health' ? json(res, 200, { version: '1.4.2', db: 'up' }) : json(res, 404, { error: 'not_found' }));
});
afterAll(() => target.close());

const run = (suites: string[], extra: Partial<Parameters<typeof runSmokeGate>[0]> = {}) =>
  runSmokeGate({ url: target.url, suites, timeoutMs: 120_000, ...extra });

describe('smoke gate', () => {
  it('passes a passing suite and lists every test with status and duration', async () => {
    const r = await run(['smoke/fixtures/passing']);
    expect(r.result.status).toBe('passed');
    expect(r.result.summary).toBe('1 smoke tests passed');
    expect(r.report?.tests).toMatchObject([{ file: 'smoke/fixtures/passing/ping.test.ts', name: 'pings', status: 'passed', attempts: 1 }]);
    expect(r.result.details).toMatch(/\| smoke\/fixtures\/passing\/ping\.test\.ts \| pings \| ✓ \| \d+ms \| 1 \|/);
    expect(toJobSummary(r.result)).toMatch(/^### ✅ smoke — passed/);
  });

  it('fails when a test fails, naming it and its error', async () => {
    const r = await run(['smoke/fixtures/failing/failing.test.ts']);
    expect(r.result.status).toBe('failed');
    expect(r.result.summary).toMatch(/^1 of 2 smoke tests failed: flows › finds the missing page \(AssertionError: expected 404 to be 200/);
    expect(toSlack(r.result).text).toMatch(/^:x: \*smoke\* failed/);
    // Details: the target, the table of every test, then only the problems; no vitest output for a plain failure.
    expect(r.result.details).toMatch(new RegExp(`^\\*\\*Target:\\*\\* ${target.url} · \\*\\*suites:\\*\\* smoke/fixtures/failing/failing\\.test\\.ts · \\*\\*retries:\\*\\* 0\n\n\\| suite \\| test \\| status \\| duration \\| attempts \\|`));
    expect(r.result.details).toContain('**Problems**\n\n- ✗ smoke/fixtures/failing/failing.test.ts › flows › finds the missing page: AssertionError: expected 404 to be 200');
    expect(r.result.details.match(/^- /gm)).toHaveLength(1);
    expect(r.result.details).not.toContain('vitest output');
    expect(r.result.metrics).toMatchObject({ tests: 2, passed: 1, failed: 1, flaky: 0, skipped: 0, fileErrors: 0, exitCode: 1 });
    expect(r.terminal[0]).toMatch(/^❌ smoke failed: 1 of 2/);
    expect(r.terminal.filter((l) => l.startsWith('  ✓'))).toHaveLength(1);
    expect(r.terminal.join('\n')).toMatch(/ {2}✗ {9}smoke\/fixtures\/failing\/failing\.test\.ts › flows › finds the missing page \(\d+ms\)\n {12}AssertionError: expected 404 to be 200/);
    expect(r.terminal.join('\n')).not.toMatch(/✓.*\n {12}/);
  });

  it('inside a release, gives the suites the release version (EXPECT_VERSION) and reports progress', async () => {
    const gate = smokeGate({ suites: ['pipeline/gates/smoke/fixtures/expect-version.smoke.ts'], timeoutMs: 120_000 });
    expect(gate.name).toBe('smoke');
    const events: string[] = [];
    const old = await gate.run({ url: target.url, version: '1.5.0', progress: (e) => events.push(`${e.gate}: ${e.message}`) });
    expect(old.status).toBe('failed');
    expect(old.summary).toMatch(/expected '1\.4\.2' to be '1\.5\.0'/);
    expect(events[0]).toBe(`smoke: running pipeline/gates/smoke/fixtures/expect-version.smoke.ts against ${target.url}`);
    const current = await gate.run({ url: target.url, version: '1.4.2' });
    expect(current.status).toBe('passed');
  });

  it('reports a test that passed only on retry as flaky', async () => {
    const failsWithoutRetry = await run(['smoke/fixtures/flaky']);
    expect(failsWithoutRetry.result.status).toBe('failed');
    const r = await run(['smoke/fixtures/flaky'], { retries: 2 });
    expect(r.result.status).toBe('passed');
    expect(r.result.summary).toBe('2 smoke tests passed (1 flaky: passed only on retry)');
    expect(r.report?.tests.find((t) => t.name === 'passes only on retry')).toMatchObject({ status: 'flaky', attempts: 2 });
    expect(r.result.metrics.flaky).toBe(1);
  });

  it('is an error when a suite crashes while loading', async () => {
    const r = await run(['smoke/fixtures/crash']);
    expect(r.result.status).toBe('error');
    expect(r.result.summary).toMatch(/^suite smoke\/fixtures\/crash\/crash\.test\.ts could not run: .*suite crashed at import/);
    expect(r.result.details).toMatch(/\*\*Problems\*\*\n\n- smoke\/fixtures\/crash\/crash\.test\.ts: .*suite crashed at import/);
    expect(r.result.details).toMatch(/\*\*vitest output \(tail\)\*\*\n\n```\n[\s\S]*crash[\s\S]*\n```$/);
    expect(r.result.metrics.fileErrors).toBe(1);
    expect(r.terminal.join('\n')).toMatch(/\n {2}✗ smoke\/fixtures\/crash\/crash\.test\.ts: .*suite crashed at import/);
  });

  it('is an error when a suite does not compile', async () => {
    const dir = join(repoRoot, 'smoke/fixtures', `.generated-${process.pid}`);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'broken.test.ts'), "import { it } from 'vitest';\nit('x', () => { const a: number = ; });\n");
    try {
      const r = await run([`smoke/fixtures/.generated-${process.pid}`]);
      expect(r.result.status).toBe('error');
      expect(r.result.summary).toMatch(/could not run: .*(PARSE_ERROR|Unexpected|Transform failed)/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('is an error when no tests are found', async () => {
    const empty = await run(['smoke/fixtures/empty']);
    expect(empty.result.status).toBe('error');
    expect(empty.result.summary).toMatch(/No test found/);
    const none = await run(['smoke/fixtures/does-not-exist']);
    expect(none.result.status).toBe('error');
    expect(none.result.summary).toMatch(/^(no smoke tests found in smoke\/fixtures\/does-not-exist|vitest exited)/);
  });

  it('is an error, not a pass, when vitest exits non-zero though no test failed (an error outside the tests)', async () => {
    const r = await run(['pipeline/gates/smoke/fixtures/unhandled-error.smoke.ts']);
    expect(r.report?.tests.map((t) => t.status)).toEqual(['passed', 'passed']);
    expect(r.result.metrics).toMatchObject({ tests: 2, passed: 2, failed: 0, exitCode: 1 });
    expect(r.result.status).toBe('error');
    expect(r.result.summary).toBe('vitest exited 1 though no test failed (an unhandled error?)');
    expect(r.result.details).toMatch(/escaped outside any test/);
  });

  it('is an error, not a pass, when vitest dies without writing its report', async () => {
    const r = await run(['pipeline/gates/smoke/fixtures/kills-vitest.smoke.ts']);
    expect(r.report).toBeUndefined();
    expect(r.result.status).toBe('error');
    expect(r.result.summary).toMatch(/^vitest exited by signal without a report \(crash\?\)/);
    expect(r.result.metrics).toMatchObject({ tests: 0, exitCode: null });
  });

  it('is an error when the overall timeout passes, and kills the run', async () => {
    const r = await run(['smoke/fixtures/hang'], { timeoutMs: 8_000 });
    expect(r.result.status).toBe('error');
    expect(r.result.summary).toBe('smoke suites did not finish within 8s and were killed');
  });
});
