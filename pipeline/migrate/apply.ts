/**
 * `migrate apply`: for a protected target, check the approval against the plan digest computed
 * now — before anything is written, not even the lock; take the lock; optionally back up what the
 * plan touches; apply each pending migration and record it only after up() and verify() succeed;
 * stop at the first failure. An abort signal (Ctrl-C) lets the current migration finish and runs
 * nothing after it. The lock is always released.
 */
import { loadMigration } from './discover.ts';
import { migrateErrors } from './errors.ts';
import { acquireMigrationLock } from './lock.ts';
import { planDigest } from './digest.ts';
import { migrationContext } from './context.ts';
import { migrationFailed } from './run-step.ts';
import { runnableStatus, type MigrationStatus } from './status.ts';
import type { MigrationTarget } from './target.ts';
import type { ApprovalCheck, LoadedMigration, MigrationProgress } from './types.ts';
import type { ShipgateError } from '../errors.ts';
import type { Db } from 'mongodb';

export interface ApplyOptions {
  actor: string;
  releaseId?: string;
  protected?: boolean;
  /** Why the target is protected (e.g. the config's environment), shown when approval is missing. */
  protectedBecause?: string;
  /** The protected environment the target is (named in the refusal, with how to proceed). */
  protectedEnv?: string;
  approval?: ApprovalCheck;
  backup?: boolean;
  signal?: AbortSignal;
  progress?: MigrationProgress;
  lockLeaseMs?: number;
  /** Hands each migration a wrapped Db (instrumentation, e.g. recording each write's result); default the target db. */
  instrument?: (db: Db, migrationId: string) => Db;
}

export interface ApplyReport {
  target: { label: string; db: string };
  digest: string;
  approvedBy?: string[];
  backup?: string;
  applied: Array<{ id: string; durationMs: number }>;
  failed?: { id: string; error: ShipgateError };
  notApplied: string[];
  interrupted: boolean;
  ok: boolean;
}

/** Protected targets: no approval, or one for another digest, refuses before any write. */
export async function checkApproval(target: MigrationTarget, digest: string, opts: { protected?: boolean; protectedBecause?: string; protectedEnv?: string; approval?: ApprovalCheck }): Promise<string[] | undefined> {
  if (!opts.protected) return undefined;
  if (!opts.approval) {
    throw migrateErrors.SHIPGATE_APPROVAL_REQUIRED({ target: target.label, ...(opts.protectedBecause ? { why: opts.protectedBecause } : {}), ...(opts.protectedEnv ? { env: opts.protectedEnv } : {}) });
  }
  const verdict = await opts.approval.check(digest);
  if (!verdict.ok) throw migrateErrors.SHIPGATE_APPROVAL_NOT_VALID({ target: target.label, digest, reason: verdict.reason });
  return verdict.approvedBy;
}

export async function applyMigrations(target: MigrationTarget, opts: ApplyOptions): Promise<ApplyReport> {
  const log = opts.progress ?? (() => undefined);
  const first = await runnableStatus(target, log);
  const digest = planDigest(target, first.pending);
  const approvedBy = await checkApproval(target, digest, opts);
  const lock = await acquireMigrationLock(target, { owner: `${opts.actor}${opts.releaseId ? ` (release ${opts.releaseId})` : ''}`, ...(opts.lockLeaseMs ? { leaseMs: opts.lockLeaseMs } : {}) });
  if (lock.tookOver) log(`took over an expired lock of ${lock.tookOver.owner} (expired ${lock.tookOver.expiresAt?.toISOString() ?? 'never'})`);
  const report: ApplyReport = {
    target: { label: target.label, db: target.dbName }, digest, applied: [], notApplied: [], interrupted: false, ok: false,
    ...(approvedBy ? { approvedBy } : {}),
  };
  try {
    // Under the lock, the plan must still be the one approved: the changelog is read again (another
    // run may have applied some meanwhile); the files are the ones just read and checksummed.
    const files = first.entries.flatMap((e) => (e.file ? [e.file] : []));
    const status: MigrationStatus = await runnableStatus(target, undefined, { files });
    if (planDigest(target, status.pending) !== digest) {
      if (opts.protected) throw migrateErrors.SHIPGATE_APPROVAL_NOT_VALID({ target: target.label, digest, reason: 'the pending migrations changed while waiting for the lock' });
      report.digest = planDigest(target, status.pending);
    }
    report.notApplied = status.pending.map((p) => p.id);
    if (opts.backup && status.pending.length) {
      // The plan sandbox and the copier load only for a backup.
      const { collectionsTouched, planMigrations } = await import('./plan.ts');
      const { backupCollections } = await import('./backup.ts');
      const plan = await planMigrations(target, { ...(opts.signal ? { signal: opts.signal } : {}) });
      report.backup = await backupCollections(target, {
        collections: collectionsTouched(plan), actor: opts.actor, progress: log,
        ...(opts.releaseId ? { releaseId: opts.releaseId } : {}), ...(opts.signal ? { signal: opts.signal } : {}),
      });
    }
    for (const file of status.pending) {
      if (opts.signal?.aborted || lock.lost) {
        report.interrupted = true;
        break;
      }
      const ctx = migrationContext({ id: file.id, mode: 'apply', log: (msg: string) => log(`${file.id}: ${msg}`), releaseId: opts.releaseId, signal: opts.signal }, target.client, (name) => (name === undefined ? target.db : target.client.db(name)));
      log(`applying ${file.id}`);
      const start = performance.now();
      let phase = 'load';
      const db = opts.instrument ? opts.instrument(target.db, file.id) : target.db;
      let m: LoadedMigration | undefined;
      try {
        m = await loadMigration(file);
        phase = 'up';
        await m.module.up(db, ctx);
        phase = 'verify';
        if (m.module.verify) await m.module.verify(db, ctx);
      } catch (err) {
        report.failed = { id: file.id, error: migrationFailed(file, phase, err) };
        if (opts.signal?.aborted) report.interrupted = true;
        break;
      }
      const durationMs = Math.round(performance.now() - start);
      await target.changelog().insertOne({ _id: m.id, checksum: m.checksum, appliedAt: new Date(), durationMs, releaseId: opts.releaseId ?? null, appliedBy: opts.actor });
      report.applied.push({ id: m.id, durationMs });
      report.notApplied = report.notApplied.filter((id) => id !== m.id);
      log(`applied ${m.id} in ${durationMs} ms`);
    }
    if (lock.lost && report.notApplied.length) report.failed ??= { id: report.notApplied[0] as string, error: migrateErrors.SHIPGATE_MIGRATION_LOCK_LOST({ db: target.dbName, owner: lock.owner }) };
    report.ok = !report.failed && !report.interrupted && report.notApplied.length === 0;
    return report;
  } finally {
    await lock.release().catch(() => undefined);
  }
}
