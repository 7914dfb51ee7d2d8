/**
 * One release per environment at a time (safety invariant 4), and deploy freezes. Both are
 * leases on `env:<name>` in the store: a release holds a renewed lease while it works on an
 * environment; a freeze (`shipgate lock <env> --reason …`) has no expiry until unlocked.
 */
import type { Db } from 'mongodb';
import { acquireLease, breakLease, readLease, type Lease, type LeaseDocument } from '../locks/lease.ts';
import { releaseErrors } from './errors.ts';

const collection = (db: Db) => db.collection<LeaseDocument>('locks');
const lockId = (env: string) => `env:${env}`;

function heldError(env: string) {
  return (held: LeaseDocument) =>
    releaseErrors.SHIPGATE_LOCK_HELD({
      env,
      holder: held.owner,
      reason: held.reason || 'no reason given',
      since: held.acquiredAt.toISOString(),
      expires: held.expiresAt ? `lease until ${held.expiresAt.toISOString()}` : 'until unlocked',
    });
}

export function acquireEnvironmentLock(db: Db, env: string, opts: { owner: string; reason: string; leaseMs?: number }): Promise<Lease> {
  return acquireLease(collection(db), { id: lockId(env), owner: opts.owner, reason: opts.reason, leaseMs: opts.leaseMs ?? 60_000, heldError: heldError(env) });
}

/** A deploy freeze: held until `unfreezeEnvironment`. */
export async function freezeEnvironment(db: Db, env: string, opts: { by: string; reason: string }): Promise<LeaseDocument> {
  await acquireLease(collection(db), { id: lockId(env), owner: opts.by, reason: opts.reason, leaseMs: null, heldError: heldError(env) });
  return (await readLease(collection(db), lockId(env))) as LeaseDocument;
}

export async function unfreezeEnvironment(db: Db, env: string): Promise<LeaseDocument | null> {
  return breakLease(collection(db), lockId(env));
}

export function readEnvironmentLock(db: Db, env: string): Promise<LeaseDocument | null> {
  return readLease(collection(db), lockId(env));
}

/** Throws SHIPGATE_LOCK_HELD if a live lock not owned by `owner` is on the environment. */
export async function assertEnvironmentFree(db: Db, env: string, owner?: string): Promise<void> {
  const held = await readEnvironmentLock(db, env);
  if (held && held.owner !== owner) throw heldError(env)(held);
}

/** Removes a release's own lease on `env` (its previous process died); leaves anyone else's alone. */
export async function clearOwnEnvironmentLock(db: Db, env: string, owner: string): Promise<boolean> {
  const res = await collection(db).deleteOne({ _id: lockId(env), owner });
  return res.deletedCount === 1;
}
