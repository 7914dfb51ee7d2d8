/**
 * The smoke gate: runs the smoke suites (vitest files in smoke/) against a deployment and lists
 * every test with status and duration. A failing test is `failed`; a suite that does not compile,
 * finds no tests, crashes, times out or leaves no report is `error` — never a pass.
 */
import { runGuarded, type Gate, type GateContext, type GateResult } from '../types.ts';
import { formatDuration } from '../../config/duration.ts';
import { markdownTable, terminalHeadline } from '../render.ts';
import { redactText } from '../../secrets/redact.ts';
import { runVitest, type VitestRunOptions, type VitestRun } from './run-vitest.ts';
import { parseVitestReport, type SmokeReport, type SmokeTest } from './vitest-report.ts';
import { findWorkspace } from '../../repo.ts';

export type SmokeGateOptions = VitestRunOptions;

const MARK: Record<SmokeTest['status'], string> = { passed: '✓', flaky: '⚠ flaky', failed: '✗', skipped: '↓ skipped' };

function testsTable(tests: readonly SmokeTest[]): string {
  return markdownTable(['suite', 'test', 'status', 'duration', 'attempts'],
    tests.map((t) => [t.file, t.name, MARK[t.status], formatDuration(t.durationMs), t.attempts]));
}

/** Pure: the verdict from what vitest did and reported. Only a clean run with tests that ran passes. */
export function smokeVerdict(run: VitestRun, report: SmokeReport | undefined, timeoutMs: number): Pick<GateResult, 'status' | 'summary'> {
  if (run.timedOut) return { status: 'error', summary: `smoke suites did not finish within ${formatDuration(timeoutMs)} and were killed` };
  if (run.aborted) return { status: 'error', summary: 'smoke run aborted' };
  if (!report) return { status: 'error', summary: `vitest exited ${run.exitCode ?? 'by signal'} without a report (crash?): ${redactText(run.outputTail.split('\n').slice(-1)[0] ?? '')}` };
  const loadErrors = report.fileErrors.filter((f) => !f.hasTests);
  if (loadErrors.length) {
    const f = loadErrors[0]!;
    return { status: 'error', summary: `suite ${f.file} could not run: ${f.message}${loadErrors.length > 1 ? ` (+${loadErrors.length - 1} more)` : ''}` };
  }
  const ran = report.tests.filter((t) => t.status !== 'skipped');
  if (report.filesSeen === 0 || ran.length === 0) return { status: 'error', summary: `no smoke tests found in ${run.include.join(', ')}` };
  const failed = report.tests.filter((t) => t.status === 'failed');
  const flaky = report.tests.filter((t) => t.status === 'flaky');
  const hookErrors = report.fileErrors.filter((f) => f.hasTests);
  if (failed.length) {
    const names = failed.slice(0, 3).map((t) => `${t.name}${t.error ? ` (${t.error})` : ''}`).join('; ');
    return { status: 'failed', summary: `${failed.length} of ${ran.length} smoke tests failed: ${names}` };
  }
  if (hookErrors.length) return { status: 'failed', summary: `suite ${hookErrors[0]!.file} failed outside its tests (a hook, e.g. cleanup): ${hookErrors[0]!.message}` };
  if (run.exitCode !== 0) return { status: 'error', summary: `vitest exited ${run.exitCode} though no test failed (an unhandled error?)` };
  return { status: 'passed', summary: `${ran.length} smoke tests passed${flaky.length ? ` (${flaky.length} flaky: passed only on retry)` : ''}` };
}

export interface SmokeReportOut {
  result: GateResult;
  report?: SmokeReport;
  terminal: string[];
}

export async function runSmokeGate(opts: SmokeGateOptions): Promise<SmokeReportOut> {
  let report: SmokeReport | undefined;
  const timeoutMs = opts.timeoutMs ?? 5 * 60_000;
  const result = await runGuarded('smoke', async () => {
    opts.progress?.({ gate: 'smoke', message: `running ${opts.suites?.join(', ') || 'smoke/suites'} against ${opts.url}` });
    const run = await runVitest(opts);
    if (run.report !== undefined) report = parseVitestReport(run.report, opts.cwd ?? findWorkspace().root);
    const v = smokeVerdict(run, report, timeoutMs);
    const tests = report?.tests ?? [];
    const details: string[] = [`**Target:** ${opts.url} · **suites:** ${run.include.join(', ')} · **retries:** ${opts.retries ?? 0}`, ''];
    if (tests.length) details.push(testsTable(tests));
    const problems = [
      ...tests.filter((t) => t.status === 'failed' || t.status === 'flaky').map((t) => `- ${MARK[t.status]} ${t.file} › ${t.name}: ${t.error ?? ''}`),
      ...(report?.fileErrors ?? []).map((f) => `- ${f.file}: ${f.message}`),
    ];
    if (problems.length) details.push('', '**Problems**', '', ...problems);
    if (v.status === 'error') details.push('', '**vitest output (tail)**', '', '```', run.outputTail.replace(/```/g, "'''"), '```');
    const count = (s: SmokeTest['status']) => tests.filter((t) => t.status === s).length;
    return {
      ...v,
      details: redactText(details.join('\n')),
      metrics: { tests: tests.length, passed: count('passed'), flaky: count('flaky'), failed: count('failed'), skipped: count('skipped'), fileErrors: report?.fileErrors.length ?? 0, exitCode: run.exitCode },
    };
  });
  const flaky = (report?.tests ?? []).filter((t) => t.status === 'flaky').map((t) => redactText(`${t.file} › ${t.name}`).slice(0, 200));
  if (flaky.length) result.flaky = flaky;
  const terminal = [terminalHeadline(result)];
  for (const t of report?.tests ?? []) terminal.push(`  ${MARK[t.status].padEnd(9)} ${t.file} › ${t.name} (${formatDuration(t.durationMs)})${t.error && t.status !== 'passed' ? `\n            ${t.error}` : ''}`);
  for (const f of report?.fileErrors ?? []) terminal.push(`  ✗ ${f.file}: ${f.message}`);
  return { result, ...(report ? { report } : {}), terminal };
}

export function smokeGate(defaults: Omit<SmokeGateOptions, 'url'>): Gate<GateContext> {
  return {
    name: 'smoke',
    async run(ctx) {
      const env = { ...(defaults.env ?? {}), ...(ctx.version ? { EXPECT_VERSION: ctx.version } : {}) };
      return (await runSmokeGate({ ...defaults, url: ctx.url, env, ...(ctx.signal ? { signal: ctx.signal } : {}), ...(ctx.progress ? { progress: ctx.progress } : {}) })).result;
    },
  };
}
