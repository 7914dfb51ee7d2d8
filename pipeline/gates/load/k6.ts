/**
 * The k6 engine adapter, for users' CI where k6 is installed. It spawns `k6 run <script>` with
 * BASE_URL set and SHIPGATE_K6_SUMMARY naming a file that the script's own `handleSummary` writes
 * (k6's documented `data.metrics[name] = { type, contains, values, thresholds }`). Thresholds are
 * still evaluated by our evaluator; k6's exit code 99 is only cross-checked.
 * k6 itself cannot be installed on Shipgate's build machines: its tests use a fake `k6` executable.
 */
import { spawn } from 'node:child_process';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { tmpdir } from 'node:os';
import type { ProgressSink } from '../types.ts';
import type { LoadMetrics, MetricSample } from './thresholds.ts';
import type { LoadMeasurement } from './measurement.ts';
import { redactText } from '../../secrets/redact.ts';
import { waitForChildGroup } from '../../local/process-group.ts';

export const K6_EXIT_MEANING: Record<number, string> = {
  99: 'thresholds crossed',
  104: 'invalid configuration (k6 could not parse the script options)',
  105: 'external abort',
  107: 'script exception (the script threw an error)',
  108: 'aborted by the script (test.abort())',
};

export interface K6RunOptions {
  url: string;
  script: string;
  /** Executable name or path (default "k6", looked up on PATH). */
  k6?: string;
  /** Extra environment (e.g. auth tokens) for the script; PATH and HOME are inherited. */
  env?: Record<string, string>;
  /** Overrides: `--duration` and `--vus`. */
  durationMs?: number;
  vus?: number;
  /** Hard stop (default 15 min): the process group is killed. */
  timeoutMs?: number;
  cwd?: string;
  signal?: AbortSignal;
  progress?: ProgressSink;
}

export interface K6Run {
  exitCode: number | null;
  /** Set when k6 could not produce a usable run (crash, bad script, no summary). */
  error?: string;
  /** k6 exited 99. */
  thresholdsCrossed: boolean;
  measurement?: LoadMeasurement;
  stderrTail: string;
}

/** Finds an executable on PATH (the rule `engine: auto` uses). */
export async function findOnPath(name: string, pathEnv = process.env.PATH ?? ''): Promise<string | undefined> {
  if (name.includes('/')) return (await access(name, constants.X_OK).then(() => true, () => false)) ? name : undefined;
  for (const dir of pathEnv.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    if (await access(candidate, constants.X_OK).then(() => true, () => false)) return candidate;
  }
  return undefined;
}

function sample(raw: Record<string, unknown>): MetricSample | undefined {
  const values = (raw.values ?? raw) as Record<string, unknown>;
  const nums: Record<string, number> = {};
  for (const [k, v] of Object.entries(values)) if (typeof v === 'number' && Number.isFinite(v)) nums[k] = v;
  let type = raw.type as MetricSample['type'] | undefined;
  if (type === undefined) {
    // The older --summary-export file has no type; infer it from the keys it carries.
    if ('passes' in nums || 'fails' in nums) type = 'rate';
    else if ('avg' in nums || 'med' in nums) type = 'trend';
    else if ('count' in nums) type = 'counter';
    else if ('value' in nums) type = 'gauge';
  }
  if (type === 'rate' && nums.rate === undefined && nums.value !== undefined && raw.values === undefined) nums.rate = nums.value;
  return type && ['trend', 'rate', 'counter', 'gauge'].includes(type) ? { type, values: nums } : undefined;
}

/** Converts a k6 summary (handleSummary `data`, or the older --summary-export file) to our metrics. */
export function k6SummaryToMetrics(summary: unknown): LoadMetrics {
  const metrics = (summary as { metrics?: unknown })?.metrics;
  if (!metrics || typeof metrics !== 'object') throw new Error('k6 summary has no "metrics" object (is handleSummary writing JSON.stringify(data)?)');
  const out: LoadMetrics = {};
  for (const [name, raw] of Object.entries(metrics as Record<string, unknown>)) {
    if (!raw || typeof raw !== 'object') continue;
    const s = sample(raw as Record<string, unknown>);
    if (s) out[name] = s;
  }
  return out;
}

/** Duration of the run from the summary, if k6 reported it. */
function summaryDurationMs(summary: unknown): number {
  const s = summary as { state?: { testRunDurationMs?: number } };
  return Math.round(s?.state?.testRunDurationMs ?? 0);
}

export async function runK6(opts: K6RunOptions): Promise<K6Run> {
  const dir = await mkdtemp(join(tmpdir(), 'shipgate-k6-'));
  const summaryFile = join(dir, 'summary.json');
  const args = ['run', '--no-color'];
  if (opts.durationMs !== undefined) args.push('--duration', `${Math.max(1, Math.round(opts.durationMs / 1000))}s`);
  if (opts.vus !== undefined) args.push('--vus', String(opts.vus));
  args.push(opts.script);
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...(opts.env ?? {}), BASE_URL: opts.url, SHIPGATE_K6_SUMMARY: summaryFile };
  try {
    const child = spawn(opts.k6 ?? 'k6', args, { cwd: opts.cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const keep = (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4000);
      const line = chunk.toString('utf8').trim().split('\n').pop();
      if (line) opts.progress?.({ gate: 'load', message: `k6: ${line.slice(0, 120)}` });
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const { exitCode, timedOut } = await waitForChildGroup(child, { timeoutMs: opts.timeoutMs ?? 15 * 60_000, signal: opts.signal });
    const stderrTail = redactText(stderr.trim().split('\n').slice(-15).join('\n'));
    const base = { exitCode, thresholdsCrossed: exitCode === 99, stderrTail };
    if (timedOut) return { ...base, error: `k6 did not finish within ${Math.round((opts.timeoutMs ?? 900_000) / 1000)}s and was killed` };
    if (exitCode !== 0 && exitCode !== 99) {
      const meaning = exitCode !== null ? K6_EXIT_MEANING[exitCode] : 'killed by a signal';
      return { ...base, error: `k6 exited ${exitCode ?? 'by signal'}${meaning ? ` (${meaning})` : ''}` };
    }
    let raw: string;
    try {
      raw = await readFile(summaryFile, 'utf8');
    } catch {
      return { ...base, error: `k6 exited ${exitCode} but wrote no summary to SHIPGATE_K6_SUMMARY: the script needs a handleSummary that writes it (see load/notes.k6.js)` };
    }
    let summary: unknown;
    try {
      summary = JSON.parse(raw);
    } catch (err) {
      return { ...base, error: `the k6 summary is not JSON: ${(err as Error).message}` };
    }
    const metrics = k6SummaryToMetrics(summary);
    const notes = exitCode === 99 ? ['k6 exit 99: thresholds in the script were crossed'] : [];
    const reqs = metrics.http_reqs?.values.count;
    const durationMs = summaryDurationMs(summary) || (reqs && metrics.http_reqs?.values.rate ? Math.round((reqs / metrics.http_reqs.values.rate) * 1000) : 0);
    return { ...base, measurement: { engine: 'k6', metrics, durationMs, statusCounts: {}, notes } };
  } catch (err) {
    const code = (err as { code?: string }).code;
    return { exitCode: null, thresholdsCrossed: false, stderrTail: '', error: code === 'ENOENT' ? `k6 executable not found (${opts.k6 ?? 'k6'})` : `could not run k6: ${(err as Error).message}` };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
