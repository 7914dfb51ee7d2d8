/**
 * What the dashboard reads, and from where: releases through the in-memory index
 * (release-index.ts), locks and the audit log from the store, deploy windows from the config,
 * commits from git in the user's repository, nightly runs from `nightly_runs`. Read-only: nothing
 * here writes, except the index repairing a stale release summary.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Db } from 'mongodb';
import type { ShipgateConfig } from '../config/schema.ts';
import { AuditLog, type AuditEntry, type AuditVerdict } from '../release/audit.ts';
import { readEnvironmentLock } from '../release/locks.ts';
import { NIGHTLY_SMOKE_LOCK_OWNER, windowState } from '../release/status.ts';
import type { ReleaseRecord } from '../release/types.ts';
import type { ReleaseIndex } from './release-index.ts';
import type { EnvironmentView, NightlyRun, ReleaseView } from './views.ts';

const run = promisify(execFile);

export interface DashboardData {
  db: Db;
  config: ShipgateConfig;
  index: ReleaseIndex;
  /** The user's repository, for commits (git); none in the bot without a checkout. */
  repoRoot?: string;
  /** Per environment with DNS: its public URL. */
  publicUrls?: Record<string, string>;
  now?: () => Date;
}

export async function environmentViews(d: DashboardData): Promise<EnvironmentView[]> {
  await d.index.ensureFresh();
  const now = d.now?.() ?? new Date();
  const byUpdate = [...d.index.all()].sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : 0));
  const out: EnvironmentView[] = [];
  for (const [env, e] of Object.entries(d.config.environments)) {
    const wentLive = byUpdate.filter((s) => s.live.includes(env) && !(s.status === 'rolled_back' && s.target === env));
    const live = wentLive[0];
    const rec = live ? await d.index.record(live._id) : null;
    const dep = rec?.deployments[env];
    const lastSucceeded = byUpdate.filter((s) => s.target === env && s.status === 'succeeded').sort((a, b) => ((a.finishedAt ?? '') < (b.finishedAt ?? '') ? 1 : -1))[0];
    const succ = lastSucceeded ? await d.index.record(lastSucceeded._id) : null;
    const prev = succ?.deployments[env];
    const before = wentLive.find((s) => s._id !== succ?._id && s.updatedAt <= (succ?.updatedAt ?? ''));
    const lock = await readEnvironmentLock(d.db, env);
    const flight = byUpdate.find((s) => (s.status === 'running' || s.status === 'awaiting_approval') && s.path.includes(env));
    out.push({
      env,
      protected: e.protected,
      ...(live && dep ? { live: { version: live.version, sha: live.sha, release: live._id, url: dep.url, ...(dep.slot ? { slot: dep.slot } : {}), at: live.updatedAt } } : {}),
      ...(d.publicUrls?.[env] ? { publicUrl: d.publicUrls[env] } : e.url ? { publicUrl: e.url } : {}),
      ...(succ && prev?.previousUrl
        ? {
            idle: {
              url: prev.previousUrl, ...(prev.previousSlot ? { slot: prev.previousSlot } : {}),
              ...(before ? { version: before.version, release: before._id } : {}),
              breaking: succ.targetPlan?.env === env ? succ.targetPlan.breaking : [],
            },
          }
        : {}),
      ...(lock
        ? { lock: { owner: lock.owner, reason: lock.reason, until: lock.expiresAt ? lock.expiresAt.toISOString() : 'unlocked by hand', kind: lock.owner === NIGHTLY_SMOKE_LOCK_OWNER ? 'nightly-smoke' : lock.expiresAt ? 'release' : 'freeze' } }
        : {}),
      ...windowState(d.config, env, now),
      ...(flight ? { inFlight: { release: flight._id, version: flight.version, status: flight.status, ...(flight.stage ? { stage: flight.stage } : {}) } } : {}),
    });
  }
  return out;
}

/** Commits in the user's repository between what was live on the target before and this release (git log, newest first, at most 50). */
export async function commitsFor(d: DashboardData, r: ReleaseRecord): Promise<ReleaseView['commits']> {
  if (!d.repoRoot) return { available: false, note: 'commits are shown where the dashboard runs in a checkout of the repository (shipgate dashboard)', list: [] };
  if (!/^[0-9a-f]{7,40}$/i.test(r.sha)) return { available: false, note: 'the release has no commit id', list: [] };
  const before = [...d.index.all()].find((s) => s._id !== r._id && s.createdAt < r.createdAt && s.live.includes(r.target) && /^[0-9a-f]{7,40}$/i.test(s.sha));
  const range = before && before.sha !== r.sha ? [`${before.sha}..${r.sha}`] : [r.sha];
  try {
    const { stdout } = await run('git', ['log', '--max-count=50', '--format=%H%x1f%s%x1f%an%x1f%cI', ...range, '--'], { cwd: d.repoRoot, timeout: 5000, maxBuffer: 1 << 20 });
    const list = stdout.split('\n').filter(Boolean).map((l) => {
      const [sha = '', subject = '', author = '', at = ''] = l.split('\x1f');
      return { sha, subject, author, at };
    });
    return { available: true, list, ...(before ? { from: before.sha } : {}) };
  } catch {
    return { available: false, note: `git does not know ${r.sha.slice(0, 7)} in this checkout (fetch it, or run the dashboard where the repository is)`, list: [] };
  }
}

/** Commit times for lead time, from git (sha → ISO); empty where git or the commits are not there. */
export async function commitTimes(repoRoot: string | undefined, shas: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const wanted = [...new Set(shas.filter((s) => /^[0-9a-f]{40}$/i.test(s)))];
  if (!repoRoot || wanted.length === 0) return out;
  for (let i = 0; i < wanted.length; i += 200) {
    const chunk = wanted.slice(i, i + 200);
    try {
      const { stdout } = await run('git', ['show', '-s', '--format=%H %cI', ...chunk], { cwd: repoRoot, timeout: 10_000, maxBuffer: 4 << 20 });
      for (const l of stdout.split('\n')) {
        const [sha, at] = l.split(' ');
        if (sha && at) out.set(sha, at);
      }
    } catch {
      // Unknown commits in this chunk: one by one, so the known ones still count.
      for (const sha of chunk) {
        const r = await run('git', ['show', '-s', '--format=%H %cI', sha], { cwd: repoRoot, timeout: 5000 }).catch(() => null);
        const [s, at] = (r?.stdout.trim() ?? '').split(' ');
        if (s && at) out.set(s, at);
      }
    }
  }
  return out;
}

/** The audit log's verification, at most once per `maxAgeMs` (it reads the whole log). */
export class AuditView {
  private cached: { verdict: AuditVerdict; checkedAt: string; t: number } | null = null;
  private readonly log: AuditLog;
  constructor(private readonly db: Db, private readonly maxAgeMs = 30_000) {
    this.log = new AuditLog(db);
  }
  async verdict(): Promise<{ verdict: AuditVerdict; checkedAt: string }> {
    if (!this.cached || Date.now() - this.cached.t > this.maxAgeMs) {
      this.cached = { verdict: await this.log.verify(), checkedAt: new Date().toISOString(), t: Date.now() };
    }
    return this.cached;
  }
  /** Newest first, `limit` entries before sequence `before`. */
  async entries(before: number | undefined, limit = 100): Promise<AuditEntry[]> {
    return this.db
      .collection<AuditEntry>('audit')
      .find(before ? { _id: { $lt: before } } : {})
      .sort({ _id: -1 })
      .limit(limit)
      .toArray();
  }
  forRelease(id: string): Promise<AuditEntry[]> {
    return this.log.forRelease(id);
  }
}

export const NIGHTLY_RUNS = 'nightly_runs';

export async function nightlyRuns(db: Db, limit = 60): Promise<NightlyRun[]> {
  return db.collection<NightlyRun>(NIGHTLY_RUNS).find({}).sort({ at: -1 }).limit(limit).toArray();
}
