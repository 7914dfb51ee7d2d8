/**
 * One migration run per database: a lease document in the target's lock collection. Acquiring is
 * an insert on the unique _id (a compare-and-set that also holds on FerretDB, where two conditional
 * replaceOne calls can both succeed). An expired lease is taken over by deleting exactly that
 * lease (_id + token + expiresAt) and inserting ours: of two racing takers, one insert wins.
 * While the run goes on, the lease is renewed; if renewal finds the lease gone, `lost` turns true
 * and `signal` aborts.
 */
import { acquireLease, type Lease, type LeaseDocument } from '../locks/lease.ts';
import { migrateErrors } from './errors.ts';
import type { MigrationTarget } from './target.ts';

/** The lock document (a lease of pipeline/locks/lease.ts; migration leases always expire). */
export type LockDocument = Omit<LeaseDocument, 'reason' | 'expiresAt'> & { reason?: string; expiresAt: Date };

export interface AcquireLockOptions {
  owner: string;
  /** Lease length (default 60 s). */
  leaseMs?: number;
  /** Renewal interval (default a third of the lease). */
  renewEveryMs?: number;
}

export type MigrationLock = Lease;

export function lockId(target: MigrationTarget): string {
  return `migrate:${target.dbName}`;
}

export async function acquireMigrationLock(target: MigrationTarget, opts: AcquireLockOptions): Promise<MigrationLock> {
  return acquireLease(target.db.collection<LeaseDocument>(target.lockCollection), {
    id: lockId(target),
    owner: opts.owner,
    reason: `migrating ${target.dbName}`,
    leaseMs: opts.leaseMs ?? 60_000,
    ...(opts.renewEveryMs ? { renewEveryMs: opts.renewEveryMs } : {}),
    heldError: (held) => lockedError(target, held),
    lostError: () => migrateErrors.SHIPGATE_MIGRATION_LOCK_LOST({ db: target.dbName, owner: opts.owner }),
  });
}

function lockedError(target: MigrationTarget, held: Pick<LeaseDocument, 'owner' | 'acquiredAt' | 'expiresAt'>) {
  return migrateErrors.SHIPGATE_MIGRATION_LOCKED({
    db: target.dbName,
    owner: held.owner,
    acquiredAt: held.acquiredAt.toISOString(),
    expiresAt: held.expiresAt?.toISOString() ?? 'never',
  });
}

/** The lock as it is now (for status output), or null. */
export async function readMigrationLock(target: MigrationTarget): Promise<LockDocument | null> {
  return target.db.collection<LockDocument>(target.lockCollection).findOne({ _id: lockId(target) });
}
