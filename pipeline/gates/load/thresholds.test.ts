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
