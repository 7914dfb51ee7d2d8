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
import { lockState, windowState } from '../release/status.ts';
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
  /** The GitHub compare API (an installation's client), for commits where there is no checkout (the bot). */
  github?: { owner: string; repo: string; request(route: string, params: Record<string, unknown>): Promise<{ data: unknown }> };
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
      ...(succ && (prev?.previousUrl || prev?.previousSlot)
        ? {
            idle: {
              ...(prev.previousUrl ? { url: prev.previousUrl } : {}), ...(prev.previousSlot ? { slot: prev.previousSlot } : {}),
              ...(before ? { version: before.version, release: before._id } : {}),
              breaking: succ.targetPlan?.env === env ? succ.targetPlan.breaking : [],
            },
          }
        : {}),
      ...(lock ? { lock: lockState(lock) } : {}),
      ...windowState(d.config, env, now),
      ...(flight ? { inFlight: { release: flight._id, version: flight.version, status: flight.status, ...(flight.stage ? { stage: flight.stage } : {}) } } : {}),
    });
  }
  return out;
}

/**
 * The commits between what was live on the target before and this release, newest first, at most
 * 50: from git where the dashboard runs in a checkout that knows them, else from GitHub's compare
 * API (the bot with the GitHub App), else a note saying why there are none.
 */
/** Commits between two commits never change: kept (256 ranges), so page views do not start git or call GitHub each time. */
const commitCache = new Map<string, ReleaseView['commits']>();

export async function commitsFor(d: DashboardData, r: ReleaseRecord): Promise<ReleaseView['commits']> {
  if (!/^[0-9a-f]{7,40}$/i.test(r.sha)) return { available: false, note: 'the release has no commit id', list: [] };
  const before = [...d.index.all()].find((s) => s._id !== r._id && s.createdAt < r.createdAt && s.live.includes(r.target) && /^[0-9a-f]{7,40}$/i.test(s.sha));
  const key = `${d.repoRoot ?? ''}|${d.github ? `${d.github.owner}/${d.github.repo}` : ''}|${before?.sha ?? ''}|${r.sha}`;
  const cached = commitCache.get(key);
  if (cached) return cached;
  const found = await findCommits(d, r, before?.sha);
  if (found.available) {
    commitCache.set(key, found);
    if (commitCache.size > 256) commitCache.delete(commitCache.keys().next().value as string);
  }
  return found;
}

async function findCommits(d: DashboardData, r: ReleaseRecord, beforeSha: string | undefined): Promise<ReleaseView['commits']> {
  const before = beforeSha ? { sha: beforeSha } : undefined;
  const fromGit = d.repoRoot ? await gitCommits(d.repoRoot, r.sha, before?.sha) : undefined;
  if (fromGit?.available) return fromGit;
  if (d.github && before) return compareOnGithub(d.github, before.sha, r.sha);
  if (fromGit) return fromGit;
  return { available: false, note: d.github ? `nothing was live on ${r.target} before this release to compare with` : 'commits are shown where the dashboard runs in a checkout of the repository (shipgate dashboard), or on a bot with the GitHub App', list: [] };
}

async function gitCommits(repoRoot: string, sha: string, beforeSha: string | undefined): Promise<ReleaseView['commits']> {
  const range = beforeSha && beforeSha !== sha ? [`${beforeSha}..${sha}`] : [sha];
  try {
    const { stdout } = await run('git', ['log', '--max-count=50', '--format=%H%x1f%s%x1f%an%x1f%cI', ...range, '--'], { cwd: repoRoot, timeout: 5000, maxBuffer: 1 << 20 });
    const list = stdout.split('\n').filter(Boolean).map((l) => {
      const [commit = '', subject = '', author = '', at = ''] = l.split('\x1f');
      return { sha: commit, subject, author, at };
    });
    return { available: true, list, ...(beforeSha ? { from: beforeSha } : {}) };
  } catch {
    return { available: false, note: `git does not know ${sha.slice(0, 7)} in this checkout (fetch it, or run the dashboard where the repository is)`, list: [] };
  }
}

/** GitHub's compare API: the commits after `base` up to `head`, newest first, at most 50. */
async function compareOnGithub(gh: NonNullable<DashboardData['github']>, base: string, head: string): Promise<ReleaseView['commits']> {
  try {
    const { data } = await gh.request('GET /repos/{owner}/{repo}/compare/{basehead}', { owner: gh.owner, repo: gh.repo, basehead: `${base}...${head}`, per_page: 100 });
    const d = data as { commits?: Array<{ sha?: unknown; commit?: { message?: unknown; author?: { name?: unknown; date?: unknown } } }> };
    const list = (Array.isArray(d.commits) ? d.commits : [])
      .filter((c) => typeof c.sha === 'string')
      .map((c) => ({ sha: String(c.sha), subject: String(c.commit?.message ?? '').split('\n')[0]!.slice(0, 200), author: String(c.commit?.author?.name ?? '').slice(0, 100), at: String(c.commit?.author?.date ?? '') }))
      .reverse()
      .slice(0, 50);
    return { available: true, list, from: base };
  } catch (err) {
    const status = (err as { status?: number }).status;
    return { available: false, note: `GitHub could not compare ${base.slice(0, 7)}...${head.slice(0, 7)}${status ? ` (HTTP ${status})` : ''}`, list: [] };
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
  constructor(db: Db, private readonly maxAgeMs = 30_000) {
    this.log = new AuditLog(db);
  }
  async verdict(): Promise<{ verdict: AuditVerdict; checkedAt: string }> {
    if (!this.cached || Date.now() - this.cached.t > this.maxAgeMs) {
      this.cached = { verdict: await this.log.verify(), checkedAt: new Date().toISOString(), t: Date.now() };
    }
    return this.cached;
  }
  /** Newest first, `limit` entries before sequence `before`. */
  entries(before: number | undefined, limit = 100): Promise<AuditEntry[]> {
    return this.log.recent(before, limit);
  }
  forRelease(id: string): Promise<AuditEntry[]> {
    return this.log.forRelease(id);
  }
}

/** Each night's smoke results, written by the nightly-report action (bot/github/nightly.ts recordNightlyRun). */
export const NIGHTLY_RUNS = 'nightly_runs';

export async function nightlyRuns(db: Db, limit = 60): Promise<NightlyRun[]> {
  return db.collection<NightlyRun>(NIGHTLY_RUNS).find({}).sort({ at: -1 }).limit(limit).toArray();
}
