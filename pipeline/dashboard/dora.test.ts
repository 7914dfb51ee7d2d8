/**
 * DORA metrics from release records (dora.ts): what counts as a deployment, a change failure and
 * a restore, per environment and window; lead time from the commit or the request; and a property
 * that no record set yields NaN or a rate outside [0, 1].
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { doraMetrics, doraRecordOf } from './dora.ts';
import { seededRelease } from './seed.ts';
import { summaryOf } from '../release/summary.ts';
import type { ReleaseRecord, ReleaseStatus, StageRecord } from '../release/types.ts';

const NOW = new Date('2026-12-05T12:00:00Z');
const H = 3_600_000;
const D = 24 * H;
const iso = (msAgo: number) => new Date(NOW.getTime() - msAgo).toISOString();

/** A release requested `ago` ms before NOW that went live on production `took` ms later (or not). */
function rel(id: string, ago: number, o: { status?: ReleaseStatus; took?: number; live?: boolean; failAfter?: boolean; stage?: 'deploy' | 'cutover'; finishedAgo?: number; sha?: string } = {}): ReleaseRecord {
  const took = o.took ?? H;
  const liveAt = iso(ago - took);
  const stages: StageRecord[] = [
    { key: 'staging/deploy', env: 'staging', name: 'deploy', status: 'passed', startedAt: iso(ago), finishedAt: iso(ago - 60_000) },
    { key: `production/${o.stage ?? 'cutover'}`, env: 'production', name: o.stage ?? 'cutover', status: o.live === false ? 'failed' : 'passed', startedAt: iso(ago - took + 1000), finishedAt: liveAt },
  ];
  if (o.failAfter) stages.push({ key: 'production/verify-public', env: 'production', name: 'verify-public', status: 'failed', startedAt: liveAt, finishedAt: iso(ago - took - 60_000) });
  return {
    _id: id, repo: 'acme/notes', sha: o.sha ?? `${id}`.padEnd(40, '0'), ref: 'main', version: '1.0.0', path: ['staging', 'production'], target: 'production',
    requester: { identity: { via: 'cli', id: 'sam' } }, status: o.status ?? 'succeeded', stages, approvals: [], deployments: {}, rev: 5,
    // A rollback is the record's last write: updatedAt; finishedAt stays when it had succeeded.
    createdAt: iso(ago), updatedAt: iso(o.finishedAgo ?? ago - took), finishedAt: iso(ago - took),
  };
}
const opts = { env: 'production', days: 7, now: NOW, liveStage: 'cutover' as const };

describe('DORA metrics', () => {
  it('empty history: zero deployments, no rates (not NaN)', () => {
    const m = doraMetrics([], opts);
    expect(m).toMatchObject({ deployments: 0, perWeek: 0, changeFailures: 0, changeFailureRate: null, leadTime: { medianMs: null, from: null }, timeToRestore: { medianMs: null, unrestored: 0 } });
  });

  it('counts deployments within the window only; 7, 30 and 90 days differ', () => {
    const list = [rel('a', 2 * D), rel('b', 10 * D), rel('c', 40 * D), rel('d', 100 * D)];
    expect(doraMetrics(list, opts).deployments).toBe(1);
    expect(doraMetrics(list, { ...opts, days: 30 }).deployments).toBe(2);
    expect(doraMetrics(list, { ...opts, days: 90 }).deployments).toBe(3);
    expect(doraMetrics(list, { ...opts, days: 30 }).perWeek).toBe(Number(((2 / 30) * 7).toFixed(2)));
  });

  it('a release stopped before it went live is a gate working, not a deployment nor a change failure', () => {
    const m = doraMetrics([rel('ok', D), rel('stopped', D, { status: 'failed', live: false })], opts);
    expect(m.deployments).toBe(1);
    expect(m.changeFailures).toBe(0);
  });

  it('uses the environment\'s live stage: cutover behind DNS, deploy without', () => {
    const list = [rel('a', D, { stage: 'deploy' })];
    expect(doraMetrics(list, opts).deployments).toBe(0);
    expect(doraMetrics(list, { ...opts, liveStage: 'deploy' }).deployments).toBe(1);
  });

  it('lead time from the commit where git knows it, else from the request, and says which', () => {
    const a = rel('a', 2 * D, { took: 2 * H });
    const b = rel('b', D, { took: 4 * H });
    expect(doraMetrics([a, b], opts).leadTime).toMatchObject({ medianMs: 3 * H, from: 'request', samples: 2 });
    const commits = new Map([[a.sha, iso(3 * D)]]);
    const m = doraMetrics([a, b], { ...opts, commitTimes: commits });
    expect(m.leadTime.from).toBe('mixed');
    expect(m.leadTime.medianMs).toBe((D + 2 * H + 4 * H) / 2); // a: commit 3 d ago → live 2 d − 2 h ago; b: requested 1 d ago, live 4 h later
    const onlyCommit = doraMetrics([a], { ...opts, commitTimes: commits });
    expect(onlyCommit.leadTime).toMatchObject({ from: 'commit', medianMs: 3 * D - (2 * D - 2 * H) });
  });

  it('change failures: rolled back there, or failed after going live; restored by the rollback or the next deployment', () => {
    const rolled = rel('rolled', 3 * D, { status: 'rolled_back', took: H, finishedAgo: 3 * D - 3 * H }); // live at 3d−1h, rolled back at 3d−3h: 2 h
    const broke = rel('broke', 2 * D, { status: 'failed', took: H, failAfter: true }); // live at 2d−1h
    const fix = rel('fix', D, { took: H }); // live at 1d−1h: restores broke after 1 d
    const m = doraMetrics([rolled, broke, fix], opts);
    expect(m.deployments).toBe(3);
    expect(m.changeFailures).toBe(2);
    expect(m.changeFailureRate).toBeCloseTo(2 / 3, 4);
    expect(m.timeToRestore).toEqual({ medianMs: (2 * H + D) / 2, samples: 2, unrestored: 0 });
  });

  it('a change failure with nothing after it is counted as not restored', () => {
    const m = doraMetrics([rel('ok', 3 * D), rel('broke', D, { status: 'failed', failAfter: true })], opts);
    expect(m.timeToRestore).toEqual({ medianMs: null, samples: 0, unrestored: 1 });
  });

  it('from summaries alone (what the metrics page reads) gives the same figures as from the full records', () => {
    const records = Array.from({ length: 800 }, (_, i) => seededRelease(i, { now: NOW, days: 120, seed: 3 }));
    const liveStageOf = (env: string) => (env === 'production' ? 'cutover' : 'deploy') as 'cutover' | 'deploy';
    const fromSummaries = records.map((r) => doraRecordOf(summaryOf(r), liveStageOf));
    let failures = 0;
    for (const env of ['staging', 'production']) {
      for (const days of [7, 30, 90]) {
        const o = { env, days, now: NOW, liveStage: liveStageOf(env) };
        const full = doraMetrics(records, o);
        expect(doraMetrics(fromSummaries, o), `${env} ${days} d`).toEqual(full);
        failures += full.changeFailures;
      }
    }
    expect(failures).toBeGreaterThan(0); // the seed has change failures to compare, not only zeros
  });

  it('property: any records give finite numbers and a rate within [0, 1]', () => {
    const statuses: ReleaseStatus[] = ['succeeded', 'failed', 'rolled_back', 'rejected', 'running'];
    fc.assert(
      fc.property(
        fc.array(fc.record({ ago: fc.integer({ min: 0, max: 120 * D }), took: fc.integer({ min: 0, max: 3 * D }), status: fc.constantFrom(...statuses), live: fc.boolean(), failAfter: fc.boolean() }), { maxLength: 30 }),
        fc.constantFrom(7, 30, 90),
        (rows, days) => {
          const m = doraMetrics(rows.map((r, i) => rel(`r${i}`, r.ago, r)), { ...opts, days });
          const nums = [m.deployments, m.perWeek, m.changeFailures, m.changeFailureRate ?? 0, m.leadTime.medianMs ?? 0, m.timeToRestore.medianMs ?? 0];
          return nums.every(Number.isFinite) && (m.changeFailureRate === null || (m.changeFailureRate >= 0 && m.changeFailureRate <= 1)) && m.changeFailures <= m.deployments;
        },
      ),
    );
  });
});
