/**
 * The smoke gate's verdict and report reading, pure: every way a run can go wrong is an error or
 * a failure, never a pass (invariant 5). The same cases with real vitest processes are in
 * smoke.test.ts; these pin each branch cheaply (mutation testing runs them thousands of times).
 */
import { describe, expect, it } from 'vitest';
import { smokeVerdict } from './gate.ts';
import { parseVitestReport, type SmokeReport, type SmokeTest } from './vitest-report.ts';
import type { VitestRun } from './run-vitest.ts';

const run = (over: Partial<VitestRun> = {}): VitestRun => ({ exitCode: 0, timedOut: false, aborted: false, outputTail: 'tail line 1\nlast line', include: ['smoke/suites/**/*.test.ts'], ...over });
const t = (status: SmokeTest['status'], name: string = status, error?: string): SmokeTest => ({ file: 'smoke/suites/a.test.ts', name, status, durationMs: 5, attempts: 1, ...(error ? { error } : {}) });
const report = (tests: SmokeTest[], over: Partial<SmokeReport> = {}): SmokeReport => ({ tests, fileErrors: [], filesSeen: 1, success: true, ...over });

describe('smokeVerdict', () => {
  it('passes only a clean run whose tests ran and passed, counting flaky ones', () => {
    expect(smokeVerdict(run(), report([t('passed'), t('skipped')]), 60_000)).toEqual({ status: 'passed', summary: '1 smoke tests passed' });
    expect(smokeVerdict(run(), report([t('passed'), t('flaky')]), 60_000)).toEqual({ status: 'passed', summary: '2 smoke tests passed (1 flaky: passed only on retry)' });
  });

  it('is an error when the run timed out or was aborted, even with a passing report', () => {
    expect(smokeVerdict(run({ timedOut: true, exitCode: null }), report([t('passed')]), 90_000)).toEqual({ status: 'error', summary: 'smoke suites did not finish within 1m30s and were killed' });
    expect(smokeVerdict(run({ aborted: true }), report([t('passed')]), 90_000)).toEqual({ status: 'error', summary: 'smoke run aborted' });
  });

  it('is an error without a report, naming the exit and the last output line (redacted)', () => {
    expect(smokeVerdict(run({ exitCode: 0, outputTail: 'one\ntwo\nlast line' }), undefined, 1000)).toEqual({ status: 'error', summary: 'vitest exited 0 without a report (crash?): last line' });
    expect(smokeVerdict(run({ exitCode: null, outputTail: 'x\nmongodb://app:hunter2@db/x' }), undefined, 1000)).toEqual({ status: 'error', summary: 'vitest exited by signal without a report (crash?): mongodb://app:***@db/x' });
  });

  it('is an error when a suite could not load, naming the first and counting the rest', () => {
    const errs = [{ file: 'a.test.ts', message: 'SyntaxError', hasTests: false }, { file: 'b.test.ts', message: 'boom', hasTests: false }];
    expect(smokeVerdict(run({ exitCode: 1 }), report([t('passed')], { fileErrors: errs }), 1000)).toEqual({ status: 'error', summary: 'suite a.test.ts could not run: SyntaxError (+1 more)' });
    expect(smokeVerdict(run({ exitCode: 1 }), report([], { fileErrors: errs.slice(1) }), 1000)).toEqual({ status: 'error', summary: 'suite b.test.ts could not run: boom' });
  });

  it('is an error when nothing ran: no file, or every test skipped', () => {
    expect(smokeVerdict(run(), report([], { filesSeen: 0 }), 1000)).toEqual({ status: 'error', summary: 'no smoke tests found in smoke/suites/**/*.test.ts' });
    expect(smokeVerdict(run(), report([t('skipped'), t('skipped')]), 1000)).toEqual({ status: 'error', summary: 'no smoke tests found in smoke/suites/**/*.test.ts' });
    expect(smokeVerdict(run(), report([t('passed')], { filesSeen: 0 }), 1000).status).toBe('error');
    expect(smokeVerdict(run({ include: ['a/**/*.test.ts', 'b.test.ts'] }), report([], { filesSeen: 0 }), 1000).summary).toBe('no smoke tests found in a/**/*.test.ts, b.test.ts');
  });

  it('fails on failed tests, naming at most three with their errors', () => {
    const tests = [t('failed', 'a', 'E1'), t('failed', 'b'), t('passed'), t('failed', 'c', 'E3'), t('failed', 'd', 'E4'), t('skipped')];
    expect(smokeVerdict(run({ exitCode: 1 }), report(tests), 1000)).toEqual({ status: 'failed', summary: '4 of 5 smoke tests failed: a (E1); b; c (E3)' });
  });

  it('fails on a hook that failed outside the tests, and a failed test wins over it', () => {
    const hook = [{ file: 'a.test.ts', message: 'cleanup failed', hasTests: true }];
    expect(smokeVerdict(run({ exitCode: 1 }), report([t('passed')], { fileErrors: hook }), 1000)).toEqual({ status: 'failed', summary: 'suite a.test.ts failed outside its tests (a hook, e.g. cleanup): cleanup failed' });
    expect(smokeVerdict(run({ exitCode: 1 }), report([t('failed', 'x')], { fileErrors: hook }), 1000).summary).toBe('1 of 1 smoke tests failed: x');
  });

  it('is an error when vitest exits non-zero though every test passed', () => {
    expect(smokeVerdict(run({ exitCode: 1 }), report([t('passed')]), 1000)).toEqual({ status: 'error', summary: 'vitest exited 1 though no test failed (an unhandled error?)' });
    expect(smokeVerdict(run({ exitCode: null }), report([t('passed')]), 1000).status).toBe('error');
  });
});

describe('parseVitestReport', () => {
  const cwd = '/repo';
  it('reads passed, flaky (passed after failures), failed and skipped tests with their attempts and first error line', () => {
    const r = parseVitestReport({
      success: false,
      testResults: [{
        name: '/repo/smoke/suites/a.test.ts', status: 'failed',
        assertionResults: [
          { ancestorTitles: ['notes'], title: 'lists', status: 'passed', duration: 12.4, failureMessages: [] },
          { ancestorTitles: [], title: 'retried', status: 'passed', duration: 3, failureMessages: ['AssertionError: first\n at x', '\n  Error: second  \nmore'] },
          { ancestorTitles: ['notes', 'create'], title: 'fails', status: 'failed', duration: null, failureMessages: ['E1', 'E2 last'] },
          { fullName: 'named only', status: 'failed' },
          { title: 'skipped one', status: 'skipped' },
          { status: 'todo' },
        ],
      }],
    }, cwd);
    expect(r.tests).toEqual([
      { file: 'smoke/suites/a.test.ts', name: 'notes › lists', status: 'passed', durationMs: 12, attempts: 1 },
      { file: 'smoke/suites/a.test.ts', name: 'retried', status: 'flaky', durationMs: 3, attempts: 3, error: 'Error: second' },
      { file: 'smoke/suites/a.test.ts', name: 'notes › create › fails', status: 'failed', durationMs: 0, attempts: 2, error: 'E2 last' },
      { file: 'smoke/suites/a.test.ts', name: 'named only', status: 'failed', durationMs: 0, attempts: 1 },
      { file: 'smoke/suites/a.test.ts', name: 'skipped one', status: 'skipped', durationMs: 0, attempts: 0 },
      { file: 'smoke/suites/a.test.ts', name: '(unnamed)', status: 'skipped', durationMs: 0, attempts: 0 },
    ]);
    // A failed file WITH assertions and no message is not a file error (its tests say what failed).
    expect(r.fileErrors).toEqual([]);
    expect(r).toMatchObject({ filesSeen: 1, success: false });
  });

  it('reports files that failed as a whole: could not load, or a hook failed beside its tests', () => {
    const r = parseVitestReport({
      success: false,
      testResults: [
        { name: '/repo/smoke/suites/broken.test.ts', status: 'failed', message: 'Transform failed\n\n  at line 3\nx\ny\nz', assertionResults: [] },
        { name: '/repo/smoke/suites/hook.test.ts', status: 'failed', message: 'afterAll: cleanup failed', assertionResults: [{ title: 'ok', status: 'passed' }] },
        { status: 'failed' },
        { name: '/repo/smoke/suites/fine.test.ts', status: 'passed', message: 'ignored', assertionResults: [] },
      ],
    }, cwd);
    expect(r.fileErrors).toEqual([
      { file: 'smoke/suites/broken.test.ts', message: 'Transform failed at line 3 x y', hasTests: false },
      { file: 'smoke/suites/hook.test.ts', message: 'afterAll: cleanup failed', hasTests: true },
      { file: '(unknown file)', message: 'failed without a message', hasTests: false },
    ]);
    expect(r).toMatchObject({ filesSeen: 4, success: false });
    expect(parseVitestReport({ success: true, testResults: [] }, cwd)).toEqual({ tests: [], fileErrors: [], filesSeen: 0, success: true });
    expect(parseVitestReport({ success: 'yes', testResults: [] }, cwd).success).toBe(false);
  });

  it('keeps error lines short: first non-blank line, at most 300 characters; file messages at most 4 lines and 400 characters', () => {
    const long = 'x'.repeat(500);
    const r = parseVitestReport({ testResults: [
      { name: '/repo/a.test.ts', status: 'failed', message: `   \n${long}\n${long}`, assertionResults: [] },
      { name: '/repo/b.test.ts', status: 'failed', assertionResults: [{ title: 't', status: 'failed', failureMessages: [`  \t \n  ${long}  `] }] },
    ] }, '/repo');
    expect(r.fileErrors[0]?.message).toBe('x'.repeat(400));
    expect(r.tests[0]?.error).toBe('x'.repeat(300));
  });

  it('rejects a report without a testResults array (the gate turns it into an error)', () => {
    for (const bad of [null, {}, { testResults: 'x' }]) expect(() => parseVitestReport(bad, cwd)).toThrow('the vitest report has no testResults array');
  });
});
