/**
 * The load gate: pick an engine (k6 | builtin | auto = k6 when on PATH), let it measure, then
 * evaluate the k6-syntax thresholds with OUR evaluator. Any threshold crossed or not measurable →
 * `failed`; engine broke or nothing was measured → `error`. No thresholds at all is refused before
 * any load is sent (an `error` result; exit 3 in the CLI): a run with nothing to check never passes.
 */
import { runGuarded, type GateResult, type ProgressSink } from '../types.ts';
import { formatDuration } from '../../config/duration.ts';
import { terminalHeadline } from '../render.ts';
import { loadErrors } from './errors.ts';
import { evaluateThresholds, parseThresholds, type ParsedThreshold, type ThresholdOutcome } from './thresholds.ts';
import { readProfile, type LoadProfile } from './profile.ts';
import { runBuiltinLoad } from './builtin.ts';
import { findOnPath, runK6 } from './k6.ts';
import type { LoadMeasurement } from './measurement.ts';
import { histogramLines, latencyTable, statusLine, thresholdLine, thresholdsTable } from './report.ts';

export type EngineChoice = 'k6' | 'builtin' | 'auto';

export interface LoadGateOptions {
  url: string;
  engine?: EngineChoice;
  /** Built-in engine: a parsed profile or the path of a profile JSON file. */
  profile?: LoadProfile | string;
  /** k6 engine: the script (must write its summary via handleSummary to SHIPGATE_K6_SUMMARY). */
  script?: string;
  /** k6-syntax thresholds; per metric they replace those of the profile. */
  thresholds?: Record<string, string[]>;
  /** Overrides of the profile/script: run length and connections (k6: VUs). */
  durationMs?: number;
  connections?: number;
  /** k6 executable and the PATH used for `auto` (defaults: "k6", process PATH). */
  k6?: string;
  pathEnv?: string;
  /** Extra env for the k6 script (auth). */
  env?: Record<string, string>;
  signal?: AbortSignal;
  progress?: ProgressSink;
}

export interface PreparedLoad {
  engine: 'k6' | 'builtin';
  k6Path?: string;
  profile?: LoadProfile;
  thresholds: ParsedThreshold[];
  thresholdSource: Record<string, string[]>;
}

/** Validates inputs and picks the engine; throws ShipgateErrors naming what to fix. */
export async function prepareLoad(opts: LoadGateOptions): Promise<PreparedLoad> {
  const choice = opts.engine ?? 'auto';
  const k6Path = choice === 'builtin' ? undefined : await findOnPath(opts.k6 ?? 'k6', opts.pathEnv ?? process.env.PATH ?? '');
  if (choice === 'k6' && !k6Path) throw loadErrors.SHIPGATE_LOAD_K6_MISSING({ path: opts.pathEnv ?? process.env.PATH ?? '' });
  const engine = choice === 'k6' || (choice === 'auto' && k6Path && opts.script) ? 'k6' : 'builtin';
  let profile: LoadProfile | undefined;
  if (engine === 'builtin') {
    if (opts.profile === undefined) throw loadErrors.SHIPGATE_LOAD_INPUT_MISSING({ engine, what: 'a profile (requests, connections, duration)' });
    profile = typeof opts.profile === 'string' ? await readProfile(opts.profile) : opts.profile;
    if (opts.durationMs !== undefined) profile = { ...profile, duration: opts.durationMs, amount: undefined };
    if (opts.connections !== undefined) profile = { ...profile, connections: opts.connections };
  } else if (!opts.script) {
    throw loadErrors.SHIPGATE_LOAD_INPUT_MISSING({ engine, what: 'a k6 script' });
  }
  const thresholdSource = { ...(profile?.thresholds ?? {}), ...(opts.thresholds ?? {}) };
  const parsed = parseThresholds(thresholdSource);
  if (!parsed.ok) throw loadErrors.SHIPGATE_LOAD_THRESHOLDS_INVALID({ source: 'the load gate config', error: parsed.error });
  if (parsed.value.length === 0) throw loadErrors.SHIPGATE_LOAD_THRESHOLDS_MISSING({ engine });
  return { engine, ...(k6Path ? { k6Path } : {}), ...(profile ? { profile } : {}), thresholds: parsed.value, thresholdSource };
}

export interface LoadReport {
  result: GateResult;
  measurement?: LoadMeasurement;
  outcomes: ThresholdOutcome[];
  terminal: string[];
}

function metricsOf(m: LoadMeasurement, outcomes: readonly ThresholdOutcome[]): GateResult['metrics'] {
  const d = m.metrics.http_req_duration?.values ?? {};
  const out: GateResult['metrics'] = {
    engine: m.engine,
    requests: m.metrics.http_reqs?.values.count ?? null,
    rps: round(m.metrics.http_reqs?.values.rate),
    failedRate: round(m.metrics.http_req_failed?.values.rate, 4),
    p50Ms: round(d.med), p90Ms: round(d['p(90)']), p95Ms: round(d['p(95)']), p99Ms: round(d['p(99)']),
    durationMs: m.durationMs,
    thresholdsPassed: outcomes.filter((o) => o.ok).length,
    thresholdsFailed: outcomes.filter((o) => !o.ok).length,
  };
  for (const [k, v] of Object.entries(m.statusCounts)) out[`status_${k}`] = v;
  return out;
}

function round(n: number | undefined, digits = 2): number | null {
  return n === undefined || !Number.isFinite(n) ? null : Number(n.toFixed(digits));
}

/** Runs the whole gate; never throws. */
export async function runLoadGate(opts: LoadGateOptions, prepared?: PreparedLoad): Promise<LoadReport> {
  let measurement: LoadMeasurement | undefined;
  let outcomes: ThresholdOutcome[] = [];
  const result = await runGuarded('load', async () => {
    const prep = prepared ?? (await prepareLoad(opts));
    // A hand-built PreparedLoad gets the same refusal: no thresholds, no load sent, no verdict.
    if (prep.thresholds.length === 0) throw loadErrors.SHIPGATE_LOAD_THRESHOLDS_MISSING({ engine: prep.engine });
    let k6Crossed = false;
    if (prep.engine === 'k6') {
      const run = await runK6({
        url: opts.url, script: opts.script as string, k6: prep.k6Path ?? 'k6',
        ...(opts.durationMs !== undefined ? { durationMs: opts.durationMs } : {}),
        ...(opts.connections !== undefined ? { vus: opts.connections } : {}),
        ...(opts.env ? { env: opts.env } : {}), ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.progress ? { progress: opts.progress } : {}),
      });
      if (run.error || !run.measurement) {
        return { status: 'error', summary: run.error ?? 'k6 produced no measurement', details: `k6 exit code: ${run.exitCode ?? 'none'}\n\n\`\`\`\n${run.stderrTail}\n\`\`\``, metrics: { engine: 'k6', exitCode: run.exitCode } };
      }
      measurement = run.measurement;
      k6Crossed = run.thresholdsCrossed;
    } else {
      measurement = await runBuiltinLoad({ url: opts.url, profile: prep.profile as LoadProfile, ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.progress ? { progress: opts.progress } : {}) });
    }
    const m = measurement;
    if (opts.signal?.aborted) return { status: 'error', summary: 'load run aborted before it finished', details: '', metrics: { engine: m.engine } };
    outcomes = evaluateThresholds(prep.thresholds, m.metrics);
    const total = m.metrics.http_reqs?.values.count ?? 0;
    const failed = outcomes.filter((o) => !o.ok);
    const rps = m.metrics.http_reqs?.values.rate ?? 0;
    const volume = `${total} requests in ${formatDuration(m.durationMs)} at ${Math.round(rps)} req/s (${m.engine})`;
    const details = [
      `**Engine:** ${m.engine} · ${volume}`, '',
      thresholdsTable(outcomes), '',
      '**Latency**', '', latencyTable(m), '',
      `**Status codes:** ${statusLine(m)}`,
      ...(m.notes.length ? ['', ...m.notes.map((n) => `- ${n}`)] : []),
      ...(m.histogram?.length ? ['', '```', ...histogramLines(m), '```'] : []),
    ].join('\n');
    const metrics = metricsOf(m, outcomes);
    const responses = m.engine === 'k6' ? (m.metrics.http_req_duration ? total : 0) : total - (m.statusCounts.error ?? 0);
    if (responses <= 0) return { status: 'error', summary: `no response from ${opts.url} (${total} requests, ${m.statusCounts.error ?? 0} errors)`, details, metrics };
    if (failed.length) {
      return { status: 'failed', summary: `${failed.length} of ${outcomes.length} thresholds crossed: ${failed.slice(0, 2).map(thresholdLine).join('; ')}`, details, metrics };
    }
    if (k6Crossed) {
      return { status: 'failed', summary: `k6 reports thresholds crossed (exit 99) though Shipgate's ${outcomes.length} thresholds pass: the script's own thresholds differ`, details, metrics };
    }
    return { status: 'passed', summary: `${outcomes.length}/${outcomes.length} thresholds met · ${volume}`, details, metrics };
  });
  if (measurement?.histogram?.length) result.histogram = measurement.histogram.map((b) => ({ label: b.label, count: b.count }));
  const terminal = [terminalHeadline(result)];
  if (outcomes.length) terminal.push(...outcomes.map((o) => `  ${thresholdLine(o)}`));
  if (measurement) {
    terminal.push(`  status codes: ${statusLine(measurement)}`);
    const h = histogramLines(measurement);
    if (h.length) terminal.push('  latency:', ...h.map((l) => `    ${l}`));
  }
  return { result, ...(measurement ? { measurement } : {}), outcomes, terminal };
}
