/**
 * Load thresholds in k6 syntax (`http_req_duration: ["p(95)<300"]`), parsed once at the edge and
 * evaluated by our own pure evaluator on the metrics of whichever engine ran (k6 or built-in).
 *
 * Forms (k6 docs, "Thresholds"): `<aggregation> <operator> <number>` where the aggregation is
 * one of `avg min med max p(N)` (trend), `rate` (rate, counter), `count` (counter), `value` (gauge)
 * and the operator one of `< <= > >= == !=`. Fail closed: a threshold on a metric or statistic the
 * engine did not produce is a failure, never a silent pass.
 */

export type ThresholdOperator = '<' | '<=' | '>' | '>=' | '==' | '!=';

export type Aggregation =
  | { kind: 'percentile'; p: number }
  | { kind: 'avg' | 'min' | 'med' | 'max' | 'rate' | 'count' | 'value' };

export interface ParsedThreshold {
  /** Metric name as written, e.g. `http_req_duration` or `http_req_duration{status:200}`. */
  metric: string;
  /** The expression as written by the user, trimmed. */
  expr: string;
  /** Canonical statistic key: `p(95)`, `avg`, `rate`, … (the key k6 uses in summary values). */
  stat: string;
  aggregation: Aggregation;
  op: ThresholdOperator;
  limit: number;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** Metric values as an engine produced them, keyed by k6 metric name. */
export interface MetricSample {
  type: 'trend' | 'rate' | 'counter' | 'gauge';
  /** Statistic → number, in k6's keys (`avg`, `p(95)`, `rate`, `count`, `value`…). Durations in ms. */
  values: Record<string, number>;
  /** Trends may carry the full distribution, so any percentile can be answered. */
  percentile?: (p: number) => number;
}
export type LoadMetrics = Record<string, MetricSample>;

export interface ThresholdOutcome {
  metric: string;
  expr: string;
  stat: string;
  op: ThresholdOperator;
  limit: number;
  /** null when the engine did not produce this metric or statistic (then `ok` is false). */
  actual: number | null;
  ok: boolean;
  /** Set when the threshold could not be evaluated. */
  reason?: string;
}

const OPERATORS: readonly ThresholdOperator[] = ['<=', '>=', '==', '!=', '<', '>'];
const NAMED = ['avg', 'min', 'med', 'max', 'rate', 'count', 'value'] as const;
const METRIC_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\{[^{}]+\})?$/;
const EXAMPLE = 'e.g. "p(95)<300", "avg<=200", "rate<0.01", "count>100"';

function fail(expr: string, what: string): { ok: false; error: string } {
  return { ok: false, error: `threshold "${expr}": ${what} (${EXAMPLE})` };
}

/** Parses one k6 threshold expression such as `p(95)<300` or `rate < 0.01`. */
export function parseThresholdExpression(expr: string): ParseResult<Omit<ParsedThreshold, 'metric'>> {
  if (typeof expr !== 'string') return fail(String(expr), 'must be a string');
  const text = expr.trim();
  if (text === '') return fail(expr, 'is empty');
  const m = /^([A-Za-z]+[0-9.]*(?:\s*\([^)]*\))?)\s*(<=|>=|==|!=|<|>|=>|=<|=)?\s*(.*)$/.exec(text);
  if (!m) return fail(text, 'must be "<aggregation> <operator> <number>"');
  const aggText = (m[1] ?? '').replace(/\s+/g, '');
  const opText = m[2];
  const rest = m[3] ?? ''; // the text is trimmed and `\s*` took the blanks before it

  let aggregation: Aggregation;
  let stat: string;
  const pm = /^p\((.*)\)$/.exec(aggText);
  if (pm) {
    const raw = pm[1] ?? '';
    // Digits only, so p is a finite number ≥ 0 (or Infinity for absurdly long digit strings: > 100).
    if (!/^\d+(\.\d+)?$/.test(raw)) return fail(text, `percentile "${aggText}" needs a number inside p(…), like p(95) or p(99.9)`);
    const p = Number(raw);
    if (p > 100) return fail(text, `percentile ${raw} is outside 0..100`);
    aggregation = { kind: 'percentile', p };
    stat = `p(${raw.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '')})`;
  } else if ((NAMED as readonly string[]).includes(aggText)) {
    aggregation = { kind: aggText as (typeof NAMED)[number] };
    stat = aggText;
  } else {
    const pct = /^p(\d+(?:\.\d+)?)$/.exec(aggText);
    const hint = pct ? `write the percentile as p(${pct[1]})` : `use one of avg, min, med, max, p(N), rate, count, value`;
    return fail(text, `unknown aggregation "${aggText}": ${hint}`);
  }

  if (!opText) return fail(text, `missing operator after "${stat}": use one of ${OPERATORS.join(' ')}`);
  if (!(OPERATORS as readonly string[]).includes(opText)) return fail(text, `unknown operator "${opText}": use one of ${OPERATORS.join(' ')}`);
  if (rest === '') return fail(text, `missing number after "${stat}${opText}"`);
  if (!/^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(rest)) {
    const unit = /^[-+]?\d+(\.\d+)?\s*(ms|s|m)$/.exec(rest);
    return fail(text, unit ? `"${rest}" has a unit: k6 thresholds take plain numbers (durations in ms), e.g. ${stat}${opText}${rest.replace(/\s*ms$/, '')}` : `"${rest}" is not a number`);
  }
  const limit = Number(rest);
  if (!Number.isFinite(limit)) return fail(text, `"${rest}" is not a finite number`);
  return { ok: true, value: { expr: text, stat, aggregation, op: opText as ThresholdOperator, limit } };
}

/**
 * Parses a whole thresholds record (`{ metric: [expr, …] }`), collecting every problem so the user
 * fixes them all at once. Errors name the metric and the expression.
 */
export function parseThresholds(record: Record<string, readonly string[]>): ParseResult<ParsedThreshold[]> {
  const errors: string[] = [];
  const out: ParsedThreshold[] = [];
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    return { ok: false, error: 'thresholds must be an object like { http_req_duration: ["p(95)<300"] }' };
  }
  for (const [metric, exprs] of Object.entries(record)) {
    if (!METRIC_NAME.test(metric)) {
      errors.push(`thresholds.${metric}: "${metric}" is not a metric name (letters, digits, _; optional {tag:value}), e.g. http_req_duration`);
      continue;
    }
    if (!Array.isArray(exprs) || exprs.length === 0) {
      errors.push(`thresholds.${metric}: must be a non-empty list of expressions, e.g. ${metric}: ["p(95)<300"]`);
      continue;
    }
    exprs.forEach((expr, i) => {
      const r = parseThresholdExpression(expr);
      if (r.ok) out.push({ metric, ...r.value });
      else errors.push(`thresholds.${metric}[${i}]: ${r.error}`);
    });
  }
  if (errors.length) return { ok: false, error: errors.join('\n') };
  return { ok: true, value: out };
}

const ALLOWED: Record<MetricSample['type'], ReadonlyArray<Aggregation['kind']>> = {
  trend: ['avg', 'min', 'med', 'max', 'percentile'],
  rate: ['rate'],
  counter: ['count', 'rate'],
  gauge: ['value'],
};

function compare(actual: number, op: ThresholdOperator, limit: number): boolean {
  switch (op) {
    case '<': return actual < limit;
    case '<=': return actual <= limit;
    case '>': return actual > limit;
    case '>=': return actual >= limit;
    case '==': return actual === limit;
    case '!=': return actual !== limit;
  }
}

function lookup(t: ParsedThreshold, sample: MetricSample): number | undefined {
  const direct = sample.values[t.stat];
  if (typeof direct === 'number') return direct;
  if (t.aggregation.kind === 'med' && typeof sample.values['p(50)'] === 'number') return sample.values['p(50)'];
  if (t.aggregation.kind === 'percentile') {
    if (t.aggregation.p === 50 && typeof sample.values.med === 'number') return sample.values.med;
    if (sample.percentile) return sample.percentile(t.aggregation.p);
  }
  return undefined;
}

/** Pure: compares metrics to thresholds. Missing metric or statistic → not ok (fail closed). */
export function evaluateThresholds(parsed: readonly ParsedThreshold[], metrics: LoadMetrics): ThresholdOutcome[] {
  return parsed.map((t) => {
    const base = { metric: t.metric, expr: t.expr, stat: t.stat, op: t.op, limit: t.limit };
    const sample = metrics[t.metric];
    if (!sample) {
      const have = Object.keys(metrics).sort().join(', ') || 'none';
      return { ...base, actual: null, ok: false, reason: `the load engine produced no metric "${t.metric}" (it produced: ${have})` };
    }
    if (!ALLOWED[sample.type].includes(t.aggregation.kind)) {
      return { ...base, actual: null, ok: false, reason: `"${t.stat}" does not apply to ${t.metric}, a ${sample.type} metric (use ${ALLOWED[sample.type].map((k) => (k === 'percentile' ? 'p(N)' : k)).join(', ')})` };
    }
    const actual = lookup(t, sample);
    if (actual === undefined || !Number.isFinite(actual)) {
      return { ...base, actual: null, ok: false, reason: `the load engine reported no ${t.stat} for ${t.metric} (k6: add "${t.stat}" to summaryTrendStats)` };
    }
    return { ...base, actual, ok: compare(actual, t.op, t.limit) };
  });
}

/** Thresholds given on the command line as `metric=expr` (e.g. `http_req_duration=p(95)<300`). */
export function thresholdsFromFlags(flags: readonly string[]): ParseResult<Record<string, string[]>> {
  const record: Record<string, string[]> = {};
  const errors: string[] = [];
  for (const f of flags) {
    const i = f.indexOf('=');
    const metric = i > 0 ? f.slice(0, i).trim() : '';
    const expr = i > 0 ? f.slice(i + 1).trim() : '';
    if (!metric || !expr || /^[<>=!]/.test(expr)) {
      errors.push(`--threshold "${f}": write metric=expression, e.g. --threshold 'http_req_duration=p(95)<300'`);
      continue;
    }
    (record[metric] ??= []).push(expr);
  }
  return errors.length ? { ok: false, error: errors.join('\n') } : { ok: true, value: record };
}
