/**
 * Delivery metrics (DORA) from release records, per environment, over a window of days:
 * - deployment frequency: releases that went live on the environment (its cutover passed there,
 *   or its deploy when it has no cutover) within the window, and per week;
 * - lead time: from the commit (its time from git, where known) or else from the release request,
 *   to going live — the median and the 90th percentile;
 * - change failure rate: of those deployments, the ones that failed in service: rolled back on
 *   that environment, or failed after going live there (a later gate, e.g. verify-public). A
 *   release stopped by a gate before it went live is a gate working, not a change failure;
 * - time to restore: from a change failure going live to the rollback, or to the next deployment
 *   on the environment; one not restored yet is counted apart.
 * Pure: no I/O, no clock but `now`; never NaN.
 */
import type { ReleaseRecord } from '../release/types.ts';
import type { ReleaseIndexEntry } from '../release/summary.ts';

export interface DoraOptions {
  env: string;
  days: number;
  now: Date;
  liveStage: 'deploy' | 'cutover';
  /** sha → ISO commit time (git); unknown commits fall back to the request time. */
  commitTimes?: ReadonlyMap<string, string>;
}

export interface DoraMetrics {
  env: string;
  days: number;
  from: string;
  to: string;
  deployments: number;
  perWeek: number;
  leadTime: { medianMs: number | null; p90Ms: number | null; from: 'commit' | 'request' | 'mixed' | null; samples: number };
  changeFailures: number;
  changeFailureRate: number | null;
  timeToRestore: { medianMs: number | null; samples: number; unrestored: number };
}

export type DoraRecord = Pick<ReleaseRecord, '_id' | 'sha' | 'status' | 'target' | 'stages' | 'createdAt'> & Partial<Pick<ReleaseRecord, 'finishedAt' | 'updatedAt'>>;

function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  if (p === 50) {
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  }
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

const time = (iso: string | undefined) => (iso ? Date.parse(iso) : NaN);

/** When `r` went live on `env` (its live stage passed), or NaN. */
export function liveAt(r: DoraRecord, env: string, liveStage: DoraOptions['liveStage']): number {
  const s = r.stages.find((x) => x.env === env && x.name === liveStage && x.status === 'passed');
  return time(s?.finishedAt);
}

export function doraMetrics(releases: readonly DoraRecord[], o: DoraOptions): DoraMetrics {
  const to = o.now.getTime();
  const from = to - o.days * 86_400_000;
  // Every deployment on env (any time: restores may come after the window's failures), oldest first.
  const all = releases
    .map((r) => ({ r, at: liveAt(r, o.env, o.liveStage) }))
    .filter((d) => Number.isFinite(d.at))
    .sort((a, b) => a.at - b.at);
  const inWindow = all.filter((d) => d.at >= from && d.at <= to);

  const lead: number[] = [];
  let fromCommit = 0;
  let fromRequest = 0;
  for (const { r, at } of inWindow) {
    const commit = time(o.commitTimes?.get(r.sha));
    const start = Number.isFinite(commit) ? commit : time(r.createdAt);
    if (!Number.isFinite(start)) continue;
    if (Number.isFinite(commit)) fromCommit++;
    else fromRequest++;
    lead.push(Math.max(0, at - start));
  }
  lead.sort((a, b) => a - b);

  const failed = inWindow.filter(({ r, at }) => {
    if (r.status === 'rolled_back' && r.target === o.env) return true;
    if (r.status !== 'failed') return false;
    // Failed after going live there: a stage of env that ended after the live stage failed.
    return r.stages.some((s) => s.env === o.env && (s.status === 'failed' || s.status === 'error') && time(s.finishedAt ?? s.startedAt) >= at);
  });

  const restore: number[] = [];
  let unrestored = 0;
  for (const f of failed) {
    let restoredAt = NaN;
    // A rollback is the release's last write (its finishedAt is when it had succeeded).
    if (f.r.status === 'rolled_back') restoredAt = time(f.r.updatedAt ?? f.r.finishedAt);
    const next = all.find((d) => d.at > f.at && d.r._id !== f.r._id);
    if (next && !(restoredAt <= next.at)) restoredAt = next.at;
    if (Number.isFinite(restoredAt) && restoredAt >= f.at) restore.push(restoredAt - f.at);
    else unrestored++;
  }
  restore.sort((a, b) => a - b);

  return {
    env: o.env,
    days: o.days,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    deployments: inWindow.length,
    perWeek: o.days > 0 ? Number(((inWindow.length / o.days) * 7).toFixed(2)) : 0,
    leadTime: {
      medianMs: percentile(lead, 50), p90Ms: percentile(lead, 90),
      from: lead.length === 0 ? null : fromRequest === 0 ? 'commit' : fromCommit === 0 ? 'request' : 'mixed',
      samples: lead.length,
    },
    changeFailures: failed.length,
    changeFailureRate: inWindow.length ? Number((failed.length / inWindow.length).toFixed(4)) : null,
    timeToRestore: { medianMs: percentile(restore, 50), samples: restore.length, unrestored },
  };
}

/**
 * What doraMetrics needs, from a release summary (pipeline/release/summary.ts) instead of the
 * record: when it went live on each environment, and where it failed after that. So the metrics
 * page reads no record (10,000 records on FerretDB: a 10 s scan).
 */
export function doraRecordOf(s: ReleaseIndexEntry, liveStageOf: (env: string) => DoraOptions['liveStage']): DoraRecord {
  const stages: DoraRecord['stages'] = [];
  for (const [env, at] of Object.entries(s.liveAt ?? {})) {
    stages.push({ key: `${env}/${liveStageOf(env)}`, env, name: liveStageOf(env), status: 'passed', finishedAt: at });
    if (s.failedAfterLive?.includes(env)) stages.push({ key: `${env}/after-live`, env, name: 'after-live', status: 'failed', finishedAt: at });
  }
  return { _id: s._id, sha: s.sha, status: s.status, target: s.target, createdAt: s.createdAt, updatedAt: s.updatedAt, ...(s.finishedAt ? { finishedAt: s.finishedAt } : {}), stages };
}
