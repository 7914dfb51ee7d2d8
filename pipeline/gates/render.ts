/**
 * Shared rendering of GateResults: a GitHub job summary (markdown), a compact Slack form, terminal
 * lines, and the progress printer long gates use (one live line in a TTY, plain lines elsewhere).
 */
import type { GateResult, GateStatus, ProgressSink } from './types.ts';
import { formatDuration } from '../config/duration.ts';
import { redactText } from '../secrets/redact.ts';

const ICON: Record<GateStatus, string> = { passed: '✅', failed: '❌', error: '⚠️', skipped: '⏭️' };
const SLACK_ICON: Record<GateStatus, string> = { passed: ':white_check_mark:', failed: ':x:', error: ':warning:', skipped: ':fast_forward:' };

export function statusIcon(status: GateStatus): string {
  return ICON[status];
}

function cell(v: unknown): string {
  return String(v ?? '').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

export function markdownTable(headers: readonly string[], rows: ReadonlyArray<readonly unknown[]>): string {
  return [`| ${headers.map(cell).join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}

/** Markdown for a GitHub job summary (or a Slack thread reply). */
export function toJobSummary(result: GateResult): string {
  return redactText(
    [
      `### ${ICON[result.status]} ${result.gate} — ${result.status}`,
      '',
      `**${result.summary}**`,
      '',
      result.details,
      '',
      `<sub>started ${result.startedAt} · took ${formatDuration(result.durationMs)}</sub>`,
      '',
    ].join('\n'),
  );
}

export interface SlackCompact {
  text: string;
  fields: Array<{ title: string; value: string }>;
}

/** The metrics each gate shows as Slack fields by default. */
const SLACK_FIELDS: Record<string, readonly string[]> = {
  health: ['expectedVersion', 'observedVersion', 'tries', 'timeToHealthyMs', 'topReason'],
  smoke: ['tests', 'passed', 'failed', 'flaky'],
  load: ['engine', 'rps', 'p95Ms', 'p99Ms', 'failedRate', 'thresholdsFailed'],
};

/** A Slack one-liner plus a few short fields (the metrics that matter most come first). */
export function toSlack(result: GateResult, fieldKeys?: readonly string[]): SlackCompact {
  const keys = fieldKeys ?? SLACK_FIELDS[result.gate] ?? Object.keys(result.metrics).slice(0, 6);
  const fields = keys
    .filter((k) => result.metrics[k] !== undefined && result.metrics[k] !== null)
    .map((k) => ({ title: k, value: String(result.metrics[k]) }));
  return {
    text: redactText(`${SLACK_ICON[result.status]} *${result.gate}* ${result.status} — ${result.summary} (${formatDuration(result.durationMs)})`),
    fields: fields.map((f) => ({ title: f.title, value: redactText(f.value) })),
  };
}

/** The one-line verdict for a terminal. */
export function terminalHeadline(result: GateResult): string {
  return `${ICON[result.status]} ${result.gate} ${result.status}: ${result.summary} (${formatDuration(result.durationMs)})`;
}

/** A small horizontal histogram: one bar per bucket, scaled to `width` characters. */
export function textHistogram(buckets: ReadonlyArray<{ label: string; count: number }>, width = 30): string[] {
  const max = Math.max(1, ...buckets.map((b) => b.count));
  const labelWidth = Math.max(...buckets.map((b) => b.label.length), 1);
  return buckets.map((b) => {
    const n = b.count === 0 ? 0 : Math.max(1, Math.round((b.count / max) * width));
    return `${b.label.padStart(labelWidth)} │${'█'.repeat(n)} ${b.count}`;
  });
}

/** Progress for the CLI: a live line in a TTY (throttled), plain lines otherwise. */
export function progressPrinter(stream: NodeJS.WriteStream = process.stderr, opts: { minIntervalMs?: number } = {}): ProgressSink & { done(): void } {
  const tty = stream.isTTY === true;
  const minInterval = opts.minIntervalMs ?? (tty ? 100 : 1000);
  let lastAt = 0;
  let drawn = false;
  const t0 = Date.now();
  const sink = ((event) => {
    const now = Date.now();
    if (now - lastAt < minInterval && event.fraction !== 1) return;
    lastAt = now;
    const line = `[${event.gate} ${formatDuration(now - t0)}] ${event.message}`;
    if (tty) {
      const cols = stream.columns || 100;
      stream.write(`\r\x1b[2K${line.slice(0, cols - 1)}`);
      drawn = true;
    } else {
      stream.write(`${line}\n`);
    }
  }) as ProgressSink & { done(): void };
  sink.done = () => {
    if (tty && drawn) stream.write('\r\x1b[2K');
    drawn = false;
  };
  return sink;
}
