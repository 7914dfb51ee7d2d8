/**
 * The health gate: polls the deployment's health endpoint (poll.ts), judges each answer
 * (assess.ts) and turns the run into a GateResult. Never healthy in time is `failed` when the
 * target answered (a finding: old version, db down, HTTP 502…) and `error` when it never answered
 * at all (could not decide: refused, hanging).
 */
import { runGuarded, type Gate, type GateContext, type GateResult } from '../types.ts';
import { formatDuration } from '../../config/duration.ts';
import { markdownTable, terminalHeadline } from '../render.ts';
import { pollHealth, type HealthPollOptions, type HealthPollResult } from './poll.ts';

export type HealthGateOptions = HealthPollOptions;

export function formatReasons(reasons: HealthPollResult['reasons'], max = 3): string {
  const shown = reasons.slice(0, max).map((r) => (r.count > 1 ? `${r.reason} x ${r.count}` : r.reason));
  if (reasons.length > max) shown.push(`${reasons.length - max} other reason(s)`);
  return shown.join('; ');
}

export function healthSummary(run: HealthPollResult): string {
  const s = (ms: number) => formatDuration(ms);
  if (run.outcome === 'healthy') {
    const v = run.lastVersion ? `, version ${run.lastVersion}` : '';
    return `healthy after ${s(run.timeToHealthyMs ?? run.elapsedMs)} (${run.tries} tries, ${run.options.consecutive} in a row${v})`;
  }
  const why = formatReasons(run.reasons) || 'no answer';
  const end = run.outcome === 'aborted' ? 'aborted' : `timeout after ${s(run.options.timeoutMs)}`;
  const head = run.outcome === 'unreachable' ? 'unreachable' : 'not healthy';
  return `${head}: ${why}; ${end}`;
}

export function healthDetails(run: HealthPollResult): string {
  const parts = [
    markdownTable(['target', 'expected version', 'tries', 'needed in a row', 'interval', 'deadline', 'elapsed'], [[
      run.target, run.options.expectVersion ?? '(not checked)', run.tries, run.options.consecutive,
      formatDuration(run.options.intervalMs), formatDuration(run.options.timeoutMs), formatDuration(run.elapsedMs),
    ]]),
  ];
  if (run.reasons.length) {
    parts.push('', '**Why tries failed**', '', markdownTable(['reason', 'count'], run.reasons.map((r) => [r.reason, r.count])));
  }
  const recent = run.history.slice(-10);
  parts.push('', `**Last ${recent.length} tries**`, '', markdownTable(['#', 'at', 'took', 'result', 'HTTP', 'version'],
    recent.map((t) => [t.n, formatDuration(t.atMs), formatDuration(t.ms), t.outcome === 'healthy' ? '✓ healthy' : `✗ ${t.reason ?? t.outcome}`, t.status ?? '—', t.version ?? '—'])));
  if (run.lastBody !== undefined) parts.push('', '**Last body** (secrets redacted)', '', '```', run.lastBody.replace(/```/g, "'''"), '```');
  return parts.join('\n');
}

export function healthToGateResult(run: HealthPollResult, started: { startedAt: string; durationMs: number }): GateResult {
  return {
    gate: 'health',
    status: run.outcome === 'healthy' ? 'passed' : run.outcome === 'unhealthy' ? 'failed' : 'error',
    summary: healthSummary(run),
    details: healthDetails(run),
    metrics: {
      timeToHealthyMs: run.timeToHealthyMs ?? null,
      tries: run.tries,
      elapsedMs: run.elapsedMs,
      consecutive: run.options.consecutive,
      expectedVersion: run.options.expectVersion ?? null,
      observedVersion: run.lastVersion ?? null,
      lastStatus: run.lastStatus ?? null,
      failedTries: run.reasons.reduce((n, r) => n + r.count, 0),
      topReason: run.reasons[0]?.reason ?? null,
    },
    startedAt: started.startedAt,
    durationMs: started.durationMs,
  };
}

export interface HealthReport {
  result: GateResult;
  run?: HealthPollResult;
  terminal: string[];
}

/** Runs the gate; never throws (a crash becomes an `error` result). */
export async function runHealthGate(opts: HealthGateOptions): Promise<HealthReport> {
  let run: HealthPollResult | undefined;
  const result = await runGuarded('health', async ({ startedAt, t0 }) => {
    run = await pollHealth(opts);
    const { gate: _g, startedAt: _s, durationMs: _d, ...rest } = healthToGateResult(run, { startedAt, durationMs: Math.round(performance.now() - t0) });
    return rest;
  });
  const terminal = [terminalHeadline(result)];
  if (run && run.outcome !== 'healthy' && run.lastBody) terminal.push(`  last answer (HTTP ${run.lastStatus ?? '—'}): ${run.lastBody.replace(/\s+/g, ' ').slice(0, 200)}`);
  return { result, ...(run ? { run } : {}), terminal };
}

/** The gate as the release engine calls it: version and progress come from the context. */
export function healthGate(defaults: Omit<HealthGateOptions, 'url'>): Gate<GateContext> {
  return {
    name: 'health',
    async run(ctx) {
      const r = await runHealthGate({
        ...defaults,
        url: ctx.url,
        ...(ctx.version !== undefined && defaults.expectVersion === undefined ? { expectVersion: ctx.version } : {}),
        ...(ctx.dbName !== undefined && defaults.expectDbName === undefined ? { expectDbName: ctx.dbName } : {}),
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        ...(ctx.progress ? { progress: ctx.progress } : {}),
      });
      return r.result;
    },
  };
}
