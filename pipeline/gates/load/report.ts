/** How load results read: `p(95)=212ms < 300ms ✓`, the thresholds table, status counts, histogram. */
import { markdownTable, textHistogram } from '../render.ts';
import type { LoadMeasurement } from './measurement.ts';
import type { ThresholdOutcome } from './thresholds.ts';

function isDurationMetric(metric: string): boolean {
  return /duration|_time|latency|waiting|connecting|blocked|sending|receiving|handshaking/.test(metric.split('{')[0] ?? '');
}

function num(n: number): string {
  if (Number.isInteger(n)) return String(n);
  const abs = Math.abs(n);
  return abs >= 100 ? n.toFixed(1).replace(/\.0$/, '') : abs >= 10 ? n.toFixed(1) : abs >= 0.01 ? n.toFixed(2).replace(/\.?0+$/, '') : n.toPrecision(2);
}

export function formatValue(metric: string, stat: string, value: number): string {
  if (isDurationMetric(metric) && stat !== 'count' && stat !== 'rate') return `${num(value)}ms`;
  if (stat === 'rate' && metric.startsWith('http_reqs')) return `${num(value)}/s`;
  if (stat === 'rate') return `${Number((value * 100).toPrecision(3))}%`;
  return num(value);
}

/** One threshold as a line: `p(95)=212ms < 300ms ✓` (or the reason it could not be evaluated). */
export function thresholdLine(o: ThresholdOutcome): string {
  const limit = formatValue(o.metric, o.stat, o.limit);
  if (o.actual === null) return `${o.metric} ${o.stat} ${o.op} ${limit} ✗ (${o.reason ?? 'not measured'})`;
  return `${o.metric} ${o.stat}=${formatValue(o.metric, o.stat, o.actual)} ${o.op} ${limit} ${o.ok ? '✓' : '✗'}`;
}

export function thresholdsTable(outcomes: readonly ThresholdOutcome[]): string {
  return markdownTable(['metric', 'threshold', 'actual', 'limit', 'result'], outcomes.map((o) => [
    o.metric, `\`${o.expr}\``, o.actual === null ? `— (${o.reason ?? 'not measured'})` : formatValue(o.metric, o.stat, o.actual),
    `${o.op} ${formatValue(o.metric, o.stat, o.limit)}`, o.ok ? '✓' : '✗',
  ]));
}

export function latencyTable(m: LoadMeasurement): string {
  const d = m.metrics.http_req_duration?.values;
  if (!d) return '_no latency measured (no request completed)_';
  const keys = ['avg', 'min', 'med', 'p(90)', 'p(95)', 'p(99)', 'max'].filter((k) => typeof d[k] === 'number');
  return markdownTable(keys, [keys.map((k) => `${num(d[k] as number)}ms`)]);
}

export function statusLine(m: LoadMeasurement): string {
  const entries = Object.entries(m.statusCounts).sort(([a], [b]) => a.localeCompare(b));
  return entries.length ? entries.map(([k, v]) => `${k}: ${v}`).join(', ') : m.engine === 'k6' ? '(k6 summary has no status breakdown)' : 'none';
}

export function histogramLines(m: LoadMeasurement): string[] {
  return m.histogram && m.histogram.length ? textHistogram(m.histogram, 30) : [];
}
