/**
 * The Gate contract (DESIGN.md). A gate measures and decides; it never throws for a finding:
 * a problem it found is `failed`, a question it could not answer (timeout, unreachable, crash)
 * is `error`. The engine treats both alike: fail closed. A missing result is a failure.
 */
import { isShipgateError, presentError } from '../errors.ts';

export type GateStatus = 'passed' | 'failed' | 'error' | 'skipped';

export interface GateResult {
  gate: string;
  status: GateStatus;
  /** One line a person can act on. */
  summary: string;
  /** Markdown: usable as a GitHub job summary or a Slack thread reply. */
  details: string;
  /** Numbers behind the verdict; JSON-safe (no NaN/Infinity, no keys with '.' or '$'). */
  metrics: Record<string, number | string | boolean | null>;
  startedAt: string;
  durationMs: number;
  /** When a stage failed: the last lines of the new deployment's logs, redacted (pipeline/release/evidence.ts). */
  evidence?: GateEvidence;
  /** The smoke gate's flaky tests (`file › name`: failed, then passed on a retry), for the nightly history. */
  flaky?: string[];
  /** The load gate's latency histogram (bucket label, responses), for the dashboard's chart. */
  histogram?: Array<{ label: string; count: number }>;
  /** A stage made of several checks (preflight): each one's verdict and fix, for the terminal. */
  checks?: Array<{ id: string; title: string; status: GateStatus | 'error'; summary: string; fix?: string }>;
}

export interface GateEvidence {
  /** Where the lines come from, e.g. "log file …/staging.log" or "Railway deploymentLogs of <id>". */
  source: string;
  /** Newest last; redacted; at most 100. */
  lines: string[];
  /** Older lines left out to stay within the size bound. */
  omitted?: number;
  /** Why there are no lines (the provider could not give them). */
  note?: string;
}

/** Reports progress of long gates: the CLI draws it live in a TTY, plain lines elsewhere. */
export interface ProgressSink {
  (event: { gate: string; message: string; fraction?: number }): void;
}

export interface GateContext {
  /** Base URL of the deployment under test, e.g. http://127.0.0.1:4100 */
  url: string;
  /** The version being released; the health gate insists the target reports it. */
  version?: string;
  /** The environment's database name: a health body naming another database fails. */
  dbName?: string;
  signal?: AbortSignal;
  progress?: ProgressSink;
}

export interface Gate<C extends GateContext = GateContext> {
  name: string;
  run(ctx: C): Promise<GateResult>;
}

/** Fail closed: only `passed` (or a deliberate `skipped`) lets a release move on. */
export function allowsPromotion(result: GateResult | undefined): boolean {
  return result !== undefined && (result.status === 'passed' || result.status === 'skipped');
}

/** Runs a gate body and turns any throw into an `error` result, so a crash can never pass. */
export async function runGuarded(
  gate: string,
  body: (started: { startedAt: string; t0: number }) => Promise<Omit<GateResult, 'gate' | 'startedAt' | 'durationMs'>>,
): Promise<GateResult> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  try {
    const r = await body({ startedAt, t0 });
    return { gate, startedAt, durationMs: Math.round(performance.now() - t0), ...r };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return {
      gate,
      status: 'error',
      summary: `${gate} could not decide: ${message.split('\n')[0]}`,
      // A refusal from the catalogue keeps its code, hint and docs link; anything else its message.
      details: isShipgateError(err) ? presentError(err, 'markdown') : '```\n' + message + '\n```',
      metrics: {},
      startedAt,
      durationMs: Math.round(performance.now() - t0),
    };
  }
}
