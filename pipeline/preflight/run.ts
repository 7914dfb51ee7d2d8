/**
 * Runs preflight checks: one after another (they are cheap, and one slow vendor must not hide the
 * others' answers), each under its own time limit. A check that throws is an `error` verdict
 * with the error's message and hint; one that has not answered when its time is up is an `error`
 * naming the limit, whether or not it honours the abort signal — so the run always ends, with a
 * verdict for every check.
 */
import { isShipgateError } from '../errors.ts';
import type { GateResult } from '../gates/types.ts';
import { redactText } from '../secrets/redact.ts';
import type { CheckVerdict, PreflightCheck, PreflightContext } from './types.ts';

export interface RunChecksOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Called when a check starts and when it ends (live checklist, progress line). */
  onVerdict?(verdict: CheckVerdict | { id: string; title: string; status: 'running' }): void;
}

export async function runChecks(checks: readonly PreflightCheck[], ctx: Omit<PreflightContext, 'signal'>, opts: RunChecksOptions): Promise<CheckVerdict[]> {
  const verdicts: CheckVerdict[] = [];
  for (const check of checks) {
    const title = check.title(ctx.env);
    opts.onVerdict?.({ id: check.id, title, status: 'running' });
    const verdict = await runOne(check, title, ctx, opts);
    verdicts.push(verdict);
    opts.onVerdict?.(verdict);
  }
  return verdicts;
}

async function runOne(check: PreflightCheck, title: string, ctx: Omit<PreflightContext, 'signal'>, opts: RunChecksOptions): Promise<CheckVerdict> {
  const t0 = performance.now();
  const limit = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, limit.signal]) : limit.signal;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => {
      limit.abort(new Error(`preflight check ${check.id} timed out`));
      resolve('timeout');
    }, opts.timeoutMs);
  });
  const done = (v: Omit<CheckVerdict, 'id' | 'title' | 'durationMs'>): CheckVerdict => ({
    id: check.id, title, ...v, summary: redactText(v.summary), ...(v.fix ? { fix: redactText(v.fix) } : {}),
    durationMs: Math.round(performance.now() - t0),
  });
  try {
    if (opts.signal?.aborted) return done({ status: 'error', summary: 'not run: the release was interrupted' });
    const outcome = await Promise.race([check.run({ ...ctx, signal }), timedOut]);
    if (outcome === 'timeout') {
      return done({ status: 'error', summary: `no answer within ${Math.round(opts.timeoutMs / 100) / 10} s`, fix: 'check that what this check reads is reachable from here, or raise preflight.timeout' });
    }
    return done(outcome);
  } catch (err) {
    const message = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
    const hint = isShipgateError(err) ? err.hint : undefined;
    return done({ status: 'error', summary: `could not check: ${message}`, ...(hint ? { fix: hint } : {}) });
  } finally {
    clearTimeout(timer);
  }
}

const ICON: Record<CheckVerdict['status'], string> = { passed: '✅', failed: '❌', error: '❌', skipped: '➖' };

/** Fail closed: only passed and skipped checks let the release go on. */
export function blocking(verdicts: readonly CheckVerdict[]): CheckVerdict[] {
  return verdicts.filter((v) => v.status === 'failed' || v.status === 'error');
}

/** The checklist as terminal lines (doctor, plain CI lines). */
export function verdictLines(verdicts: readonly CheckVerdict[]): string[] {
  return verdicts.flatMap((v) => [
    `${ICON[v.status]} ${v.title}: ${v.summary}`,
    ...(v.fix && (v.status === 'failed' || v.status === 'error' || v.status === 'skipped') ? [`     fix: ${v.fix}`] : []),
  ]);
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** The preflight stage's result: blocked on any failed check, with a markdown table of every verdict. */
export function preflightResult(env: string, verdicts: readonly CheckVerdict[], startedAt: string, durationMs: number): GateResult {
  const bad = blocking(verdicts);
  const count = (s: CheckVerdict['status']) => verdicts.filter((v) => v.status === s).length;
  const summary = bad.length
    ? `${bad.length} of ${verdicts.length} checks failed on ${env}: ${bad.map((v) => `${v.id} — ${v.summary}`).join('; ')}`
    : `${count('passed')} checks passed${count('skipped') ? `, ${count('skipped')} skipped` : ''} on ${env}`;
  const rows = [...bad, ...verdicts.filter((v) => !bad.includes(v))].map(
    (v) => `| ${ICON[v.status]} | ${cell(v.title)} | ${cell(v.summary)} | ${cell(v.status === 'passed' ? '' : (v.fix ?? ''))} |`,
  );
  const details = ['| | check | result | fix |', '|---|---|---|---|', ...rows].join('\n');
  return {
    gate: 'preflight',
    status: bad.length ? 'failed' : 'passed',
    summary: redactText(summary.length > 600 ? `${summary.slice(0, 597)}…` : summary),
    details: redactText(details),
    metrics: { checks: verdicts.length, passed: count('passed'), failed: count('failed') + count('error'), skipped: count('skipped') },
    checks: verdicts.map((v) => ({ id: v.id, title: v.title, status: v.status, summary: redactText(v.summary), ...(v.fix ? { fix: redactText(v.fix) } : {}) })),
    startedAt,
    durationMs,
  };
}
