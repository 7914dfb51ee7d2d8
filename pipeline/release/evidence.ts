/**
 * Evidence when a stage fails (docs/releases.md#evidence-when-a-stage-fails): the last lines of the
 * new deployment's logs, redacted, carried by the stage's result (`evidence`, and a fenced block in
 * its markdown `details`, which the Slack thread and the job summary show). Reading them has its
 * own time limit and can never change a verdict: a provider that cannot give logs leaves a note.
 */
import { isShipgateError } from '../errors.ts';
import type { Deployment, DeployProvider, LogTail } from '../deploy/types.ts';
import type { GateEvidence, GateResult } from '../gates/types.ts';
import { redactText } from '../secrets/redact.ts';
import type { ReleaseRecord } from './types.ts';

export const EVIDENCE_LINES = 100;
const MAX_LINE = 400;
const MAX_BYTES = 16_000;
/** What the markdown details carry: Slack's thread reply keeps about 10,000 characters in all. */
const DETAILS_CHARS = 5_000;
const LOGS_TIMEOUT_MS = 15_000;

/** Redacted, each line cut, at most `EVIDENCE_LINES` newest lines and MAX_BYTES in all (oldest dropped first). */
export function boundEvidence(tail: LogTail): GateEvidence {
  const lines = tail.lines
    .flatMap((l) => l.split(/\r?\n/))
    .filter((l) => l.trim().length > 0)
    // Redact first (a secret cut in half is no longer recognised), then drop terminal control
    // characters (escape sequences would act on the operator's terminal), then cut.
    // eslint-disable-next-line no-control-regex -- removing control characters is the point
    .map((l) => redactText(l).replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, ''))
    .map((l) => (l.length > MAX_LINE ? `${l.slice(0, MAX_LINE - 1)}…` : l));
  let kept = lines.slice(-EVIDENCE_LINES);
  while (kept.length > 1 && kept.reduce((n, l) => n + l.length + 1, 0) > MAX_BYTES) kept = kept.slice(1);
  const omitted = lines.length - kept.length;
  return { source: redactText(tail.source), lines: kept, ...(omitted > 0 ? { omitted } : {}) };
}

/** Reads a deployment's logs within a time limit; any failure becomes a note, never a throw. */
export async function readLogs(provider: DeployProvider, deployment: Deployment, signal?: AbortSignal): Promise<GateEvidence | undefined> {
  if (!provider.logs) return undefined;
  const limit = AbortSignal.timeout(LOGS_TIMEOUT_MS);
  const both = signal ? AbortSignal.any([signal, limit]) : limit;
  let timer: NodeJS.Timeout | undefined;
  try {
    const tail = await Promise.race([
      provider.logs(deployment, { lines: EVIDENCE_LINES, signal: both }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${LOGS_TIMEOUT_MS / 1000} s`)), LOGS_TIMEOUT_MS);
      }),
    ]);
    return boundEvidence(tail);
  } catch (err) {
    return { source: `${provider.name} logs of ${deployment.id}`, lines: [], note: redactText(`could not read the logs: ${(err as Error).message.split('\n')[0]}`) };
  } finally {
    clearTimeout(timer);
  }
}

/** The deployment a release recorded for `env`, as the provider needs it to read its logs. */
export function recordedDeployment(release: ReleaseRecord, env: string): Deployment | undefined {
  const d = release.deployments[env];
  if (!d?.ref) return undefined;
  return { provider: d.ref.provider, env, ...(d.slot ? { slot: d.slot } : {}), version: release.version, id: d.ref.id, url: d.url, startedAt: d.ref.startedAt, data: d.ref.data };
}

/**
 * What a failed deploy left: the log lines its error carries (the process provider's start-up
 * log), else the logs of the deployment the error names (Railway: the deployment it created).
 */
export async function deployFailureEvidence(provider: DeployProvider, err: unknown, at: { env: string; slot?: string; version: string }, signal?: AbortSignal): Promise<GateEvidence | undefined> {
  const details = isShipgateError(err) ? (err.details as Record<string, unknown>) : {};
  if (Array.isArray(details.logLines) && typeof details.logFile === 'string') {
    return boundEvidence({ source: `log file ${details.logFile}`, lines: details.logLines.map(String) });
  }
  const id = typeof details.deploymentId === 'string' ? details.deploymentId : undefined;
  if (id && provider.logs) {
    return readLogs(provider, { provider: provider.name, env: at.env, ...(at.slot ? { slot: at.slot } : {}), version: at.version, id, url: '', startedAt: new Date().toISOString(), data: {} }, signal);
  }
  return undefined;
}

/** The result with its evidence: the structured field, and a fenced block appended to the details (newest lines kept). */
export function withEvidence(result: GateResult, evidence: GateEvidence | undefined): GateResult {
  if (!evidence) return result;
  let shown = evidence.lines;
  while (shown.length > 1 && shown.reduce((n, l) => n + l.length + 1, 0) > DETAILS_CHARS) shown = shown.slice(1);
  const earlier = evidence.lines.length - shown.length + (evidence.omitted ?? 0);
  const block = evidence.note
    ? `**Logs** (${evidence.source}): ${evidence.note}`
    : evidence.lines.length === 0
      ? `**Logs** (${evidence.source}): empty`
      : [`**Logs**: last ${shown.length} lines of ${evidence.source}${earlier ? ` (${earlier} earlier lines in the release record: \`shipgate release show <id> --json\`)` : ''}`, '```', ...shown.map((l) => l.replace(/```/g, "'''")), '```'].join('\n');
  return { ...result, evidence, details: [result.details.trim(), block].filter(Boolean).join('\n\n') };
}

/** Terminal lines for a failed stage's evidence (renderFinal). */
export function evidenceLines(key: string, evidence: GateEvidence): string[] {
  if (evidence.note) return [`  logs of ${key} (${evidence.source}): ${evidence.note}`];
  return [`  last ${evidence.lines.length} log lines of ${key} (${evidence.source}):`, ...evidence.lines.map((l) => `    │ ${l}`)];
}
