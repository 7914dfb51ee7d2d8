import { describe, expect, it } from 'vitest';
import { evaluateThresholds, parseThresholdExpression, parseThresholds, thresholdsFromFlags, type LoadMetrics } from './thresholds.ts';

describe('parseThresholdExpression', () => {
  it.each([
    ['p(95)<300', 'p(95)', '<', 300],
    ['p(99.9)<=800', 'p(99.9)', '<=', 800],
    [' p( 90 ) < 250 ', 'p(90)', '<', 250],
    ['avg<200', 'avg', '<', 200],
    ['med>=1.5', 'med', '>=', 1.5],
    ['min>0', 'min', '>', 0],
    ['max!=5000', 'max', '!=', 5000],
    ['rate<0.01', 'rate', '<', 0.01],
    ['count>10', 'count', '>', 10],
    ['value==3', 'value', '==', 3],
    ['rate > 200', 'rate', '>', 200],
  ])('parses %s', (expr, stat, op, limit) => {
    const r = parseThresholdExpression(expr);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.value).toMatchObject({ stat, op, limit, expr: expr.trim() });
  });

  it.each([
    ['p95<300', /write the percentile as p\(95\)/],
    ['p(abc)<300', /needs a number inside p/],
    ['p(101)<300', /outside 0\.\.100/],
    ['avg=200', /unknown operator "="/],
    ['avg 200', /missing operator/],
    ['avg<', /missing number/],
    ['avg<300ms', /has a unit/],
    ['avg<fast', /is not a number/],
    ['mean<3', /unknown aggregation "mean"/],
    ['', /is empty/],
  ])('rejects %s with a clear message and an example', (expr, msg) => {
    const r = parseThresholdExpression(expr);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toMatch(msg);
      expect(r.error).toContain('p(95)<300');
    }
  });
});

describe('parseThresholds', () => {
  it('parses a whole record', () => {
    const r = parseThresholds({ http_req_duration: ['p(95)<300', 'p(99)<800'], http_req_failed: ['rate<0.01'], http_reqs: ['rate>200'] });
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.value.map((t) => `${t.metric}:${t.stat}${t.op}${t.limit}`)).toEqual([
      'http_req_duration:p(95)<300', 'http_req_duration:p(99)<800', 'http_req_failed:rate<0.01', 'http_reqs:rate>200',
    ]);
  });

  it('collects every error, naming metric and index', () => {
    const r = parseThresholds({ http_req_duration: ['p95<300', 'avg<1'], 'bad name': ['rate<1'], http_reqs: [], http_req_failed: ['rate<<1'] });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      const lines = r.error.split('\n');
      expect(lines).toHaveLength(4);
      expect(lines[0]).toMatch(/^thresholds\.http_req_duration\[0\]/);
      expect(r.error).toMatch(/"bad name" is not a metric name/);
      expect(r.error).toMatch(/thresholds\.http_reqs: must be a non-empty list/);
      expect(r.error).toMatch(/thresholds\.http_req_failed\[0\]/);
    }
  });

  it('accepts sub-metric tags', () => {
    expect(parseThresholds({ 'http_req_duration{status:200}': ['p(95)<300'] }).ok).toBe(true);
  });
});

describe('evaluateThresholds', () => {
  const metrics: LoadMetrics = {
    http_req_duration: { type: 'trend', values: { avg: 120, min: 3, med: 100, max: 900, 'p(90)': 180, 'p(95)': 212, 'p(99)': 700 } },
    http_req_failed: { type: 'rate', values: { rate: 0.02 } },
    http_reqs: { type: 'counter', values: { count: 3000, rate: 250 } },
  };
  const parse = (rec: Record<string, string[]>) => {
    const r = parseThresholds(rec);
    if (!r.ok) throw new Error(r.error);
    return r.value;
  };

  it('compares actual numbers to limits', () => {
    const out = evaluateThresholds(parse({ http_req_duration: ['p(95)<300', 'p(99)<600'], http_req_failed: ['rate<0.01'], http_reqs: ['rate>200', 'count>=3000'] }), metrics);
    expect(out.map((o) => [o.expr, o.actual, o.ok])).toEqual([
      ['p(95)<300', 212, true],
      ['p(99)<600', 700, false],
      ['rate<0.01', 0.02, false],
      ['rate>200', 250, true],
      ['count>=3000', 3000, true],
    ]);
  });

  it('fails closed on a metric the engine did not produce', () => {
    const [o] = evaluateThresholds(parse({ iteration_duration: ['avg<100'] }), metrics);
    expect(o).toMatchObject({ ok: false, actual: null });
    expect(o?.reason).toMatch(/no metric "iteration_duration"/);
  });

  it('fails closed on a statistic the engine did not report, unless it can compute it', () => {
    const [missing] = evaluateThresholds(parse({ http_req_duration: ['p(99.9)<1000'] }), metrics);
    expect(missing).toMatchObject({ ok: false, actual: null });
    expect(missing?.reason).toMatch(/summaryTrendStats/);
    const withDist: LoadMetrics = { http_req_duration: { ...metrics.http_req_duration!, percentile: (p) => p * 10 } };
    const [computed] = evaluateThresholds(parse({ http_req_duration: ['p(99.9)<1000'] }), withDist);
    expect(computed).toMatchObject({ ok: true, actual: 999 });
  });

  it('rejects an aggregation that does not fit the metric type', () => {
    const [o] = evaluateThresholds(parse({ http_req_failed: ['p(95)<1'] }), metrics);
    expect(o?.ok).toBe(false);
    expect(o?.reason).toMatch(/does not apply to http_req_failed, a rate metric/);
  });

  it('treats med and p(50) as the same statistic', () => {
    const out = evaluateThresholds(parse({ http_req_duration: ['p(50)<=100'] }), metrics);
    expect(out[0]).toMatchObject({ ok: true, actual: 100 });
  });
});

describe('thresholdsFromFlags', () => {
  it('groups metric=expr flags', () => {
    expect(thresholdsFromFlags(['http_req_duration=p(95)<300', 'http_req_duration=p(99)<=800', 'http_req_failed=rate<0.01'])).toEqual({
      ok: true,
      value: { http_req_duration: ['p(95)<300', 'p(99)<=800'], http_req_failed: ['rate<0.01'] },
    });
  });
  it('rejects a flag without metric', () => {
    const r = thresholdsFromFlags(['p(95)<300']);
    expect(r.ok).toBe(false);
  });
});

// Each case below kills a mutant StrykerJS found alive (docs/mutation.md): boundaries, anchors,
// fail-closed lookups and the input guards.
describe('thresholds at their edges', () => {
  it.each([
    ['p(0)<5', 'p(0)'],
    ['p(100)<5', 'p(100)'],
    ['p(99.95)<5', 'p(99.95)'],
    ['p(99.50)<5', 'p(99.5)'],
    ['p(95.0)<5', 'p(95)'],
    ['p (95)<5', 'p(95)'],
    ['p(99.05)<5', 'p(99.05)'],
    ['p(95.00)<5', 'p(95)'],
  ])('accepts the percentile %s as %s', (expr, stat) => {
    const r = parseThresholdExpression(expr);
    expect(r.ok && r.value.stat).toBe(stat);
  });

  it.each([
    ['p(-5)<1', /percentile "p\(-5\)" needs a number inside p/],
    ['p(95x)<1', /percentile "p\(95x\)" needs a number inside p/],
    ['p(100.5)<1', /percentile 100\.5 is outside 0\.\.100/],
    ['avgp(95)<1', /unknown aggregation "avgp\(95\)"/],
    ['95<300', /must be "<aggregation> <operator> <number>"/],
    ['avg<1e999', /"1e999" is not a finite number/],
    ['avg<300 ms', /"300 ms" has a unit: k6 thresholds take plain numbers \(durations in ms\), e\.g\. avg<300 \(e\.g\./],
    ['avg<1.5s', /"1\.5s" has a unit/],
    ['avg<+-1', /"\+-1" is not a number/],
    ['avg<1e', /"1e" is not a number/],
    ['avg<1e+', /"1e\+" is not a number/],
    ['avg<.', /"\." is not a number/],
    ['avg<-300ms', /"-300ms" has a unit/],
    ['1avg<200', /must be "<aggregation> <operator> <number>"/],
    ['avg<300ms', /"300ms" has a unit: k6 thresholds take plain numbers \(durations in ms\), e\.g\. avg<300 \(e\.g\./],
    ['avg<1.55s', /"1\.55s" has a unit/],
    ['avg<abc300ms', /"abc300ms" is not a number/],
    ['avg<300msx', /"300msx" is not a number/],
    ['p99.95<1', /unknown aggregation "p99\.95": write the percentile as p\(99\.95\)/],
    ['avgp95<1', /unknown aggregation "avgp95": use one of avg, min, med, max, p\(N\), rate, count, value/],
    ['mean<3', /unknown aggregation "mean": use one of avg, min, med, max, p\(N\), rate, count, value/],
    ['avg 200', /missing operator after "avg": use one of <= >= == != < >/],
    ['avg=200', /unknown operator "=": use one of <= >= == != < >/],
  ])('rejects %s', (expr, msg) => {
    const r = parseThresholdExpression(expr);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(msg);
  });

  it.each([
    ['avg<-1.5', -1.5], ['avg<+2', 2], ['avg<.5', 0.5], ['avg<5.', 5], ['avg<1e3', 1000], ['avg<1E-2', 0.01], ['avg<2e+1', 20], ['avg<12e10', 12e10], ['avg<.55', 0.55],
  ])('reads the number in %s', (expr, limit) => {
    const r = parseThresholdExpression(expr);
    expect(r.ok && r.value.limit).toBe(limit);
  });

  it('rejects a non-string expression and a thresholds value that is not an object', () => {
    const r = parseThresholdExpression(42 as unknown as string);
    expect(r).toEqual({ ok: false, error: expect.stringMatching(/^threshold "42": must be a string/) });
    for (const bad of [null, [], 'p(95)<300']) {
      expect(parseThresholds(bad as never)).toEqual({ ok: false, error: 'thresholds must be an object like { http_req_duration: ["p(95)<300"] }' });
    }
  });

  it('compares exactly at the limit, for every operator', () => {
    const at = (expr: string, actual: number) => evaluateThresholds(parse({ m: [expr] }), { m: { type: 'gauge', values: { value: actual } } })[0]!.ok;
    expect([at('value<10', 10), at('value<10', 9.99)]).toEqual([false, true]);
    expect([at('value<=10', 10), at('value<=10', 10.01)]).toEqual([true, false]);
    expect([at('value>10', 10), at('value>10', 10.01)]).toEqual([false, true]);
    expect([at('value>=10', 10), at('value>=10', 9.99), at('value>=10', 11)]).toEqual([true, false, true]);
    expect([at('value<=10', 9)]).toEqual([true]);
    expect([at('value==10', 10), at('value==10', 11)]).toEqual([true, false]);
    expect([at('value!=10', 10), at('value!=10', 11)]).toEqual([false, true]);
  });

  it('fails closed on a statistic that is not a finite number, whatever the operator', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
      const [o] = evaluateThresholds(parse({ http_req_duration: ['max!=5000'] }), { http_req_duration: { type: 'trend', values: { max: bad } } });
      expect(o).toMatchObject({ ok: false, actual: null, reason: 'the load engine reported no max for http_req_duration (k6: add "max" to summaryTrendStats)' });
    }
  });

  it('answers med from p(50) and p(50) from med, but no other percentile from med', () => {
    const onlyP50: LoadMetrics = { d: { type: 'trend', values: { 'p(50)': 40 } } };
    expect(evaluateThresholds(parse({ d: ['med<50'] }), onlyP50)[0]).toMatchObject({ ok: true, actual: 40 });
    const onlyMed: LoadMetrics = { d: { type: 'trend', values: { med: 40 } } };
    expect(evaluateThresholds(parse({ d: ['p(50)<50'] }), onlyMed)[0]).toMatchObject({ ok: true, actual: 40 });
    expect(evaluateThresholds(parse({ d: ['p(95)<50'] }), onlyMed)[0]).toMatchObject({ ok: false, actual: null });
    // p(50) never stands in for another statistic.
    expect(evaluateThresholds(parse({ d: ['avg<50'] }), onlyP50)[0]).toMatchObject({ ok: false, actual: null });
    // p(50) without med comes from the distribution.
    expect(evaluateThresholds(parse({ d: ['p(50)<50'] }), { d: { type: 'trend', values: {}, percentile: () => 7 } })[0]).toMatchObject({ ok: true, actual: 7 });
    // A distribution answers percentiles only, never a missing avg.
    const dist: LoadMetrics = { d: { type: 'trend', values: {}, percentile: () => 5 } };
    expect(evaluateThresholds(parse({ d: ['avg<50'] }), dist)[0]).toMatchObject({ ok: false, actual: null });
    expect(evaluateThresholds(parse({ d: ['p(90)<50'] }), dist)[0]).toMatchObject({ ok: true, actual: 5 });
  });

  it('names what the engine produced (sorted) and which statistics fit the metric type', () => {
    const [missing] = evaluateThresholds(parse({ iterations: ['count>1'] }), { zeta: { type: 'gauge', values: { value: 1 } }, alpha: { type: 'gauge', values: { value: 1 } } });
    expect(missing?.reason).toBe('the load engine produced no metric "iterations" (it produced: alpha, zeta)');
    expect(evaluateThresholds(parse({ x: ['avg<1'] }), {})[0]?.reason).toBe('the load engine produced no metric "x" (it produced: none)');
    const [wrong] = evaluateThresholds(parse({ d: ['rate<1'] }), { d: { type: 'trend', values: { rate: 0 } } });
    expect(wrong?.reason).toBe('"rate" does not apply to d, a trend metric (use avg, min, med, max, p(N))');
  });

  it('reads --threshold flags, trimming, and lists every bad one', () => {
    expect(thresholdsFromFlags([' http_reqs = count>0 '])).toEqual({ ok: true, value: { http_reqs: ['count>0'] } });
    const r = thresholdsFromFlags(['p(95)<300', '=avg<1', 'http_reqs=', 'http_reqs=>=5', 'http_reqs=count>0']);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.split('\n')).toEqual([
        `--threshold "p(95)<300": write metric=expression, e.g. --threshold 'http_req_duration=p(95)<300'`,
        `--threshold "=avg<1": write metric=expression, e.g. --threshold 'http_req_duration=p(95)<300'`,
        `--threshold "http_reqs=": write metric=expression, e.g. --threshold 'http_req_duration=p(95)<300'`,
        `--threshold "http_reqs=>=5": write metric=expression, e.g. --threshold 'http_req_duration=p(95)<300'`,
      ]);
    }
  });
});

function parse(rec: Record<string, string[]>) {
  const r = parseThresholds(rec);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}
