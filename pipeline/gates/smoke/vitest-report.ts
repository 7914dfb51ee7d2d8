/**
 * Reads vitest's JSON report (`--reporter=json`) into the smoke gate's terms. Pure. Checked
 * against vitest 4's real output: a test that passed after a retry has status "passed" AND the
 * failure messages of its failed attempts; a file that could not load (parse error, throw at
 * import, no tests) has status "failed", a message and no assertion results.
 */
import { relative } from 'node:path';

export type SmokeTestStatus = 'passed' | 'flaky' | 'failed' | 'skipped';

export interface SmokeTest {
  file: string;
  name: string;
  status: SmokeTestStatus;
  durationMs: number;
  /** Attempts made (1 + failed attempts before the final one). */
  attempts: number;
  /** First line of the last failure, for failed and flaky tests. */
  error?: string;
}

export interface SmokeReport {
  tests: SmokeTest[];
  /** Files that failed as a whole: could not load, crashed, found no tests, or a hook failed. */
  fileErrors: Array<{ file: string; message: string; hasTests: boolean }>;
  filesSeen: number;
  success: boolean;
}

interface VitestAssertion {
  ancestorTitles?: string[];
  title?: string;
  fullName?: string;
  status?: string;
  duration?: number | null;
  failureMessages?: string[];
}
interface VitestFile {
  name?: string;
  status?: string;
  message?: string;
  assertionResults?: VitestAssertion[];
}

function fewLines(text: string): string {
  return text.split('\n').map((l) => l.trim()).filter(Boolean).slice(0, 4).join(' ').slice(0, 400);
}

function firstLine(text: string): string {
  return (text.split('\n').find((l) => l.trim()) ?? text).trim().slice(0, 300);
}

export function parseVitestReport(raw: unknown, cwd: string): SmokeReport {
  const r = raw as { testResults?: VitestFile[]; success?: boolean };
  if (!r || !Array.isArray(r.testResults)) throw new Error('the vitest report has no testResults array');
  const tests: SmokeTest[] = [];
  const fileErrors: SmokeReport['fileErrors'] = [];
  for (const f of r.testResults) {
    const file = f.name ? relative(cwd, f.name) : '(unknown file)';
    const assertions = f.assertionResults ?? [];
    for (const a of assertions) {
      const failures = a.failureMessages ?? [];
      const name = [...(a.ancestorTitles ?? []), a.title ?? a.fullName ?? '(unnamed)'].join(' › ');
      let status: SmokeTestStatus;
      if (a.status === 'passed') status = failures.length ? 'flaky' : 'passed';
      else if (a.status === 'failed') status = 'failed';
      else status = 'skipped';
      const lastFailure = failures[failures.length - 1];
      tests.push({
        file,
        name,
        status,
        durationMs: Math.round(a.duration ?? 0),
        attempts: status === 'skipped' ? 0 : status === 'failed' ? Math.max(1, failures.length) : failures.length + 1,
        ...(lastFailure ? { error: firstLine(lastFailure) } : {}),
      });
    }
    if (f.status === 'failed' && (f.message || assertions.length === 0)) {
      fileErrors.push({ file, message: fewLines(f.message || 'failed without a message'), hasTests: assertions.length > 0 });
    }
  }
  return { tests, fileErrors, filesSeen: r.testResults.length, success: r.success === true };
}
