/** How a health poll becomes a GateResult (gate.ts), pure: the verdict, the one-line summary, the metrics. */
import { describe, expect, it } from 'vitest';
import { formatReasons, healthSummary, healthToGateResult } from './gate.ts';
import type { HealthPollResult } from './poll.ts';

const base: HealthPollResult = {
  outcome: 'unhealthy', target: 'http://127.0.0.1:1/health', elapsedMs: 5000, tries: 4, deadlineHit: true,
  reasons: [{ reason: 'HTTP 502', count: 3 }, { reason: 'db down', count: 1 }],
  history: [], options: { consecutive: 3, intervalMs: 1000, timeoutMs: 5000 },
};
const poll = (over: Partial<HealthPollResult>): HealthPollResult => ({ ...base, ...over });
const started = { startedAt: '2026-01-01T00:00:00.000Z', durationMs: 5001 };

describe('health result', () => {
  it('maps each outcome to a verdict: only healthy passes, never-answered is an error', () => {
    const status = (outcome: HealthPollResult['outcome']) => healthToGateResult(poll({ outcome }), started).status;
    expect([status('healthy'), status('unhealthy'), status('unreachable'), status('aborted')]).toEqual(['passed', 'failed', 'error', 'error']);
  });

  it('summarises each outcome in one line', () => {
    expect(healthSummary(poll({ outcome: 'healthy', timeToHealthyMs: 2500, tries: 3, lastVersion: '1.5.0' }))).toBe('healthy after 2.5s (3 tries, 3 in a row, version 1.5.0)');
    expect(healthSummary(poll({ outcome: 'healthy', tries: 3, elapsedMs: 4000 }))).toBe('healthy after 4s (3 tries, 3 in a row)');
    expect(healthSummary(poll({}))).toBe('not healthy: HTTP 502 x 3; db down; timeout after 5s');
    expect(healthSummary(poll({ outcome: 'unreachable', reasons: [] }))).toBe('unreachable: no answer; timeout after 5s');
    expect(healthSummary(poll({ outcome: 'aborted' }))).toBe('not healthy: HTTP 502 x 3; db down; aborted');
  });

  it('shows at most three reasons, then how many more', () => {
    const reasons = ['a', 'b', 'c', 'd', 'e'].map((reason, i) => ({ reason, count: i === 0 ? 2 : 1 }));
    expect(formatReasons(reasons)).toBe('a x 2; b; c; 2 other reason(s)');
    expect(formatReasons(reasons.slice(0, 3))).toBe('a x 2; b; c');
    expect(formatReasons(reasons, 1)).toBe('a x 2; 4 other reason(s)');
    expect(formatReasons([])).toBe('');
  });

  it('carries the numbers behind the verdict', () => {
    const r = healthToGateResult(poll({ lastStatus: 502, lastVersion: '1.4.2', options: { ...base.options, expectVersion: '1.5.0' } }), started);
    expect(r).toMatchObject({ gate: 'health', startedAt: started.startedAt, durationMs: 5001 });
    expect(r.metrics).toEqual({
      timeToHealthyMs: null, tries: 4, elapsedMs: 5000, consecutive: 3, expectedVersion: '1.5.0', observedVersion: '1.4.2',
      lastStatus: 502, failedTries: 4, topReason: 'HTTP 502',
    });
    const ok = healthToGateResult(poll({ outcome: 'healthy', reasons: [], timeToHealthyMs: 2000 }), started);
    expect(ok.metrics).toMatchObject({ timeToHealthyMs: 2000, expectedVersion: null, observedVersion: null, lastStatus: null, failedTries: 0, topReason: null });
    expect(ok.details).toContain('(not checked)');
    expect(ok.details).not.toContain('Why tries failed');
  });

  it('lists the last ten tries in the details: result, HTTP status and version, or a dash', () => {
    const history = Array.from({ length: 12 }, (_, i) => ({ n: i + 1, atMs: i * 1000, ms: 5, outcome: i % 2 ? ('healthy' as const) : ('unreachable' as const), ...(i % 2 ? { status: 200, version: '1.5.0' } : { reason: 'connection refused' }) }));
    const d = healthToGateResult(poll({ history, lastBody: 'has ``` fences' }), started).details;
    expect(d).toContain('**Last 10 tries**');
    expect(d).not.toMatch(/\| 2 \| 1s \|/);
    expect(d).toMatch(/\| 3 \| 2s \| 5ms \| ✗ connection refused \| — \| — \|/);
    expect(d).toMatch(/\| 12 \| 11s \| 5ms \| ✓ healthy \| 200 \| 1\.5\.0 \|/);
    expect(d).toMatch(/```\nhas ''' fences\n```$/);
  });
});
