/**
 * One migration run per database: a lease document in the target's lock collection. Acquiring is
 * an insert on the unique _id (a compare-and-set that also holds on FerretDB, where two conditional
 * replaceOne calls can both succeed). An expired lease is taken over by deleting exactly that
 * lease (_id + token + expiresAt) and inserting ours: of two racing takers, one insert wins.
 * While the run goes on, the lease is renewed; if renewal finds the lease gone, `lost` turns true
 * and `signal` aborts.
 */
import { randomUUID } from 'node:crypto';
import { MongoServerError } from 'mongodb';
import { migrateErrors } from './errors.ts';
import type { MigrationTarget } from './target.ts';

export interface LockDocument {
  _id: string;
  owner: string;
  token: string;
  acquiredAt: Date;
  expiresAt: Date;
}

export interface AcquireLockOptions {
  owner: string;
  /** Lease length (default 60 s). */
  leaseMs?: number;
  /** Renewal interval (default a third of the lease). */
  renewEveryMs?: number;
}

export interface MigrationLock {
  readonly owner: string;
  readonly token: string;
  readonly lost: boolean;
  /** Aborts when the lease is lost. */
  readonly signal: AbortSignal;
  /** True when an expired lease of another owner was taken over. */
  readonly tookOver: { owner: string; expiresAt: Date } | undefined;
  release(): Promise<void>;
}

const isDuplicateKey = (err: unknown) => err instanceof MongoServerError && err.code === 11000;

export function lockId(target: MigrationTarget): string {
  return `migrate:${target.dbName}`;
}

export async function acquireMigrationLock(target: MigrationTarget, opts: AcquireLockOptions): Promise<MigrationLock> {
  const leaseMs = opts.leaseMs ?? 60_000;
  const locks = target.db.collection<LockDocument>(target.lockCollection);
  const _id = lockId(target);
  const token = randomUUID();
  const fresh = (): LockDocument => {
    const now = new Date();
    return { _id, owner: opts.owner, token, acquiredAt: now, expiresAt: new Date(now.getTime() + leaseMs) };
  };
  let tookOver: MigrationLock['tookOver'];
  try {
    await locks.insertOne(fresh());
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    const held = await locks.findOne({ _id });
    if (held && held.expiresAt.getTime() > Date.now()) throw lockedError(target, held);
    if (held) {
      // Expired: remove exactly this lease. If someone else got there first, deletedCount is 0.
      const del = await locks.deleteOne({ _id, token: held.token, expiresAt: held.expiresAt });
      if (del.deletedCount === 1) tookOver = { owner: held.owner, expiresAt: held.expiresAt };
    }
    try {
      await locks.insertOne(fresh());
    } catch (err2) {
      if (!isDuplicateKey(err2)) throw err2;
      const now = await locks.findOne({ _id });
      throw lockedError(target, now ?? held ?? fresh());
    }
  }
  const controller = new AbortController();
  let lost = false;
  let released = false;
  const renewEvery = opts.renewEveryMs ?? Math.max(200, Math.floor(leaseMs / 3));
  let renewing: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    renewing = (async () => {
      if (released || lost) return;
      try {
        const res = await locks.updateOne({ _id, token }, { $set: { expiresAt: new Date(Date.now() + leaseMs) } });
        if (res.matchedCount === 0 && !released) {
          lost = true;
          controller.abort(migrateErrors.SHIPGATE_MIGRATION_LOCK_LOST({ db: target.dbName, owner: opts.owner }));
        }
      } catch {
        // A failed renewal is retried on the next tick; the lease covers a few missed ones.
      }
    })();
  }, renewEvery);
  timer.unref();
  return {
    owner: opts.owner,
    token,
    get lost() {
      return lost;
    },
    signal: controller.signal,
    tookOver,
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      await renewing;
      await locks.deleteOne({ _id, token });
    },
  };
}

function lockedError(target: MigrationTarget, held: LockDocument) {
  return migrateErrors.SHIPGATE_MIGRATION_LOCKED({
    db: target.dbName,
    owner: held.owner,
    acquiredAt: held.acquiredAt.toISOString(),
    expiresAt: held.expiresAt.toISOString(),
  });
}

/** The lock as it is now (for status output), or null. */
export async function readMigrationLock(target: MigrationTarget): Promise<LockDocument | null> {
  return target.db.collection<LockDocument>(target.lockCollection).findOne({ _id: lockId(target) });
}
