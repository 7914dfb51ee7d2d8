/**
 * The one runner (STYLE.md habit 1): the release path is a list of stages declared as data;
 * this function runs it, persists every transition before the next step starts, and decides
 * what happens on failure. Rules it enforces, whatever the stages are:
 *
 * - fail closed: only `passed`/`skipped` moves on; `failed`, `error` or a missing result stops
 *   the release (invariant 5);
 * - before the first stage of a protected environment the release waits for approval, and
 *   before every stage that writes there the approval is checked against a freshly computed
 *   digest (invariants 1, 2);
 * - one release per environment: a lease on each environment while its stages run (invariant 4);
 * - a stage interrupted mid-way (the process died) is re-run only if it is declared re-runnable,
 *   otherwise the release fails with a clear reason — never half-done and silent.
 */
import { hostname } from 'node:os';
import type { GateResult } from '../gates/types.ts';
import { allowsPromotion } from '../gates/types.ts';
import type { ApprovalPolicy } from './approvals.ts';
import { approvalForCurrentDigest } from './approval-now.ts';
import type { AuditLog } from './audit.ts';
import { digestInputOf, releaseDigest } from './digest.ts';
import { releaseErrors } from './errors.ts';
import { acquireEnvironmentLock, clearOwnEnvironmentLock } from './locks.ts';
import type { ReleaseStore } from './store.ts';
import { FINAL_STATUSES, type ReleaseRecord, type StageRecord, type TargetPlanSummary } from './types.ts';
import type { Lease } from '../locks/lease.ts';

export interface StageRunContext {
  release: ReleaseRecord;
  env: string;
  signal: AbortSignal;
  progress(message: string): void;
  /** Persists extra facts on the release (where it deployed, …) before the stage ends. */
  patch(change: (r: ReleaseRecord) => void): Promise<ReleaseRecord>;
}

export interface StageSpec {
  env: string;
  name: string;
  /** Changes the environment (database, deployment, DNS): needs approval on a protected env. */
  writes: boolean;
  /** Safe to run again after the process died in the middle of it. */
  rerunnable: boolean;
  run(ctx: StageRunContext): Promise<GateResult>;
}

export type ApprovalWait = 'approved' | 'rejected' | 'pending';

export interface RunnerDeps {
  store: ReleaseStore;
  audit: AuditLog;
  policy: ApprovalPolicy;
  isProtected(env: string): boolean;
  stages: readonly StageSpec[];
  /** Computes (read-only) what the protected environment's migrations would do now. */
  planTarget(release: ReleaseRecord): Promise<TargetPlanSummary>;
  /**
   * The digest of the target's plan as it is now (pending ids and checksums) — cheaper than
   * planTarget, which runs the migrations against a recording database. Default: planTarget's.
   */
  targetPlanDigest?(release: ReleaseRecord): Promise<string>;
  /** Waits for a decision ('pending': leave the release awaiting approval and return). */
  waitForApproval(release: ReleaseRecord): Promise<ApprovalWait>;
  /** True when the process that ran this release before is known to be dead (same host, pid gone). */
  isOwnerDead?(owner: { host: string; pid: number }): boolean;
  /** Called after every persisted transition (live checklist, Slack message). */
  onUpdate?(release: ReleaseRecord, event: RunnerEvent): void | Promise<void>;
  lockLeaseMs?: number;
  /**
   * Run only these stage keys (e.g. one GitHub Actions step runs the migrate stages, the next the
   * verify stages). Other stages are left as they are, and the release is not finished while any
   * stage is still to do.
   */
  only?: ReadonlySet<string>;
  signal?: AbortSignal;
  now?: () => Date;
}

export type RunnerEvent =
  | { type: 'stage-started'; stage: StageRecord }
  | { type: 'stage-finished'; stage: StageRecord }
  | { type: 'stage-progress'; stage: StageRecord; message: string }
  | { type: 'awaiting-approval' }
  | { type: 'approved' }
  | { type: 'finished' };

export function stageKey(env: string, name: string): string {
  return `${env}/${name}`;
}

/** The stage records a new release starts with: every stage of its path, pending. */
export function initialStages(stages: readonly StageSpec[], path: readonly string[]): StageRecord[] {
  return stages.filter((s) => path.includes(s.env)).map((s) => ({ key: stageKey(s.env, s.name), env: s.env, name: s.name, status: 'pending' }));
}

function failedResult(gate: string, summary: string): GateResult {
  return { gate, status: 'error', summary, details: summary, metrics: {}, startedAt: new Date().toISOString(), durationMs: 0 };
}

export async function runRelease(deps: RunnerDeps, id: string): Promise<ReleaseRecord> {
  let release = await deps.store.get(id);
  if (FINAL_STATUSES.includes(release.status)) return release;
  const signal = deps.signal ?? new AbortController().signal;
  const owner = { host: hostname(), pid: process.pid };
  const notify = async (event: RunnerEvent) => {
    await deps.onUpdate?.(release, event);
  };
  const save = async (change: (r: ReleaseRecord) => void, event?: RunnerEvent) => {
    release = await deps.store.update(release, change);
    if (event) await notify(event);
    return release;
  };
  const finish = async (status: ReleaseRecord['status'], reason?: string) => {
    await save((r) => {
      r.status = status;
      if (reason) r.reason = reason;
    });
    await deps.audit.append({ type: 'release.finished', release: id, env: release.target, data: { status, reason: reason ?? null } });
    await notify({ type: 'finished' });
    return release;
  };

  // A previous run of this release died: its environment leases are ours to take back.
  const previous = release.owner;
  const takeOver = previous !== undefined && (previous.pid !== owner.pid || previous.host !== owner.host) && deps.isOwnerDead?.(previous) === true;
  await save((r) => void (r.owner = owner));
  for (const env of release.path) {
    const specs = deps.stages.filter((s) => s.env === env);
    const todo = specs.filter((s) => {
      const rec = release.stages.find((x) => x.key === stageKey(s.env, s.name));
      return (!rec || (rec.status !== 'passed' && rec.status !== 'skipped')) && (!deps.only || deps.only.has(stageKey(s.env, s.name)));
    });
    if (todo.length === 0) continue;

    if (deps.isProtected(env)) {
      const decision = await ensureApproval(deps, {
        current: () => release,
        refresh: async () => (release = await deps.store.get(id)),
        save,
        notify,
      });
      release = decision.release;
      if (decision.outcome === 'rejected') return release;
      if (decision.outcome === 'pending') return release;
      if (decision.outcome === 'stale') return finish('failed', decision.reason);
    }

    let lease: Lease;
    if (takeOver && (await clearOwnEnvironmentLock(deps.store.db, env, `release ${id}`))) {
      await deps.audit.append({ type: 'lock.released', release: id, env, data: { reason: `previous process ${previous?.pid} on ${previous?.host} died` } });
    }
    try {
      lease = await acquireEnvironmentLock(deps.store.db, env, { owner: `release ${id}`, reason: `releasing ${release.version}`, leaseMs: deps.lockLeaseMs });
    } catch (err) {
      if ((err as { code?: string }).code === 'SHIPGATE_LOCK_HELD') return finish('failed', (err as Error).message);
      throw err;
    }
    await deps.audit.append({ type: 'lock.acquired', release: id, env, data: { owner: `release ${id}` } });
    try {
      for (const spec of todo) {
        const key = stageKey(spec.env, spec.name);
        const rec = release.stages.find((x) => x.key === key);
        if (rec?.status === 'running' && !spec.rerunnable) {
          await save((r) => markStage(r, key, 'error', failedResult(spec.name, `${key} was interrupted and is not safe to re-run automatically`)));
          return await finish('failed', `${key} was interrupted mid-way (the release process stopped); it is not safe to re-run, so the release is failed — check ${env} by hand`);
        }
        if (spec.writes && deps.isProtected(env)) {
          const check = await checkApprovalNow(deps, release);
          if (!check.ok) {
            await save((r) => markStage(r, key, 'error', failedResult(spec.name, check.reason)));
            return await finish('failed', releaseErrors.SHIPGATE_NOT_APPROVED({ id, env, reason: check.reason }).message);
          }
        }
        if (signal.aborted) return await finish('failed', `interrupted before ${key}`);
        await save((r) => markStage(r, key, 'running'), { type: 'stage-started', stage: stageOf(release, key) });
        const result = await runStage(spec, {
          release,
          env,
          signal: AbortSignal.any([signal, lease.signal]),
          progress: (message) => void deps.onUpdate?.(release, { type: 'stage-progress', stage: stageOf(release, key), message }),
          patch: (change) => save(change),
        });
        await save((r) => markStage(r, key, result.status, result), { type: 'stage-finished', stage: stageOf(release, key) });
        await deps.audit.append({ type: 'release.stage', release: id, env, data: { stage: key, status: result.status, summary: result.summary } });
        if (!allowsPromotion(result)) {
          const rolledBack = result.metrics.rolledBack === true;
          return await finish(rolledBack ? 'rolled_back' : 'failed', `${key} ${result.status}: ${result.summary}`);
        }
      }
    } finally {
      await lease.release();
      await deps.audit.append({ type: 'lock.released', release: id, env, data: {} });
    }
  }
  const remaining = release.stages.filter((s) => s.status !== 'passed' && s.status !== 'skipped');
  if (deps.only && remaining.length > 0) return release; // the next step runs the rest
  return finish('succeeded');
}

async function runStage(spec: StageSpec, ctx: StageRunContext): Promise<GateResult> {
  try {
    const r = await spec.run(ctx);
    // A stage that returns nothing usable is a failure, not a pass (invariant 5).
    if (!r || typeof r.status !== 'string') return failedResult(spec.name, `${spec.name} returned no result`);
    return r;
  } catch (err) {
    return failedResult(spec.name, `${spec.name} could not finish: ${(err as Error).message.split('\n')[0]}`);
  }
}

function stageOf(release: ReleaseRecord, key: string): StageRecord {
  return release.stages.find((s) => s.key === key) as StageRecord;
}

function markStage(r: ReleaseRecord, key: string, status: StageRecord['status'], result?: GateResult): void {
  const s = r.stages.find((x) => x.key === key);
  if (!s) throw new Error(`release ${r._id} has no stage ${key}`);
  s.status = status;
  if (status === 'running') {
    s.startedAt = new Date().toISOString();
    delete s.finishedAt;
    delete s.result;
  } else {
    s.finishedAt = new Date().toISOString();
    if (result) s.result = result;
  }
}

type Save = (change: (r: ReleaseRecord) => void, event?: RunnerEvent) => Promise<ReleaseRecord>;

interface ApprovalSteps {
  current(): ReleaseRecord;
  /** Re-reads the release (an approval was recorded by another writer meanwhile). */
  refresh(): Promise<ReleaseRecord>;
  save: Save;
  notify(e: RunnerEvent): Promise<void>;
}

async function ensureApproval(deps: RunnerDeps, steps: ApprovalSteps): Promise<{ release: ReleaseRecord; outcome: ApprovalWait | 'stale'; reason?: string }> {
  let release = steps.current();
  if (release.status === 'running' && !release.digest) {
    const plan = await deps.planTarget(release);
    const digest = releaseDigest(digestInputOf(release, plan.digest));
    release = await steps.save((r) => {
      r.status = 'awaiting_approval';
      r.targetPlan = plan;
      r.digest = digest;
    });
    await deps.audit.append({ type: 'release.awaiting_approval', release: release._id, env: release.target, data: { digest, planDigest: plan.digest, pending: plan.pending } });
    await steps.notify({ type: 'awaiting-approval' });
  }
  if (release.status === 'awaiting_approval') {
    const outcome = await deps.waitForApproval(release);
    release = await steps.refresh();
    if (release.status === 'rejected') return { release, outcome: 'rejected' };
    if (outcome !== 'approved') return { release, outcome: 'pending' };
    const check = await checkApprovalNow(deps, release);
    if (!check.ok) return { release, outcome: 'stale', reason: releaseErrors.SHIPGATE_NOT_APPROVED({ id: release._id, env: release.target, reason: check.reason }).message };
    release = await steps.save((r) => void (r.status = 'running'), { type: 'approved' });
    return { release, outcome: 'approved' };
  }
  return { release, outcome: 'approved' };
}

/** Re-checks approval right before a protected write (see approval-now.ts). */
async function checkApprovalNow(deps: RunnerDeps, release: ReleaseRecord): Promise<{ ok: true } | { ok: false; reason: string }> {
  const verdict = await approvalForCurrentDigest(deps, release);
  return verdict.ok ? { ok: true } : { ok: false, reason: verdict.reason };
}
