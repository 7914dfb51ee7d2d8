/**
 * Lease locks in a MongoDB collection — one mechanism for every "one at a time" in Shipgate
 * (a release per environment, a migration run per database, a deploy freeze).
 *
 * Acquiring is an insert on the unique _id: a compare-and-set that also holds on FerretDB, where
 * two conditional replaceOne calls can both succeed. An expired lease is taken over by deleting
 * exactly that lease (_id + token + expiresAt, so a holder that renewed meanwhile keeps it) and
 * inserting ours; a unique "takeover claim" insert first decides which of several takers may.
 * A running holder renews its lease; if renewal finds it gone, `signal` aborts. A lease with no
 * expiry (`leaseMs: null`) is a freeze that holds until someone releases it.
 */
import { isDuplicateKey } from '../mongo/insert-once.ts';
import { randomUUID } from 'node:crypto';
import type { Collection } from 'mongodb';

export interface LeaseDocument {
  _id: string;
  owner: string;
  token: string;
  reason: string;
  acquiredAt: Date;
  /** null: held until released (a freeze). */
  expiresAt: Date | null;
}

export interface AcquireLeaseOptions {
  id: string;
  owner: string;
  reason?: string;
  /** Lease length (default 60 s); null = no expiry. */
  leaseMs?: number | null;
  /** Renewal interval (default a third of the lease). */
  renewEveryMs?: number;
  /** The error to throw when another holder has it. */
  heldError: (held: LeaseDocument) => Error;
  /** Called when the lease turns out to be lost at renewal. */
  lostError?: () => Error;
}

export interface Lease {
  readonly id: string;
  readonly owner: string;
  readonly token: string;
  readonly lost: boolean;
  readonly signal: AbortSignal;
  readonly tookOver: { owner: string; expiresAt: Date | null } | undefined;
  release(): Promise<void>;
}


export function isLeaseLive(doc: LeaseDocument, now = Date.now()): boolean {
  return doc.expiresAt === null || doc.expiresAt.getTime() > now;
}

export async function acquireLease(locks: Collection<LeaseDocument>, opts: AcquireLeaseOptions): Promise<Lease> {
  const leaseMs = opts.leaseMs === undefined ? 60_000 : opts.leaseMs;
  const token = randomUUID();
  const fresh = (): LeaseDocument => {
    const now = new Date();
    return { _id: opts.id, owner: opts.owner, token, reason: opts.reason ?? '', acquiredAt: now, expiresAt: leaseMs === null ? null : new Date(now.getTime() + leaseMs) };
  };
  let tookOver: Lease['tookOver'];
  try {
    await locks.insertOne(fresh());
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    const held = await locks.findOne({ _id: opts.id });
    if (held && isLeaseLive(held)) throw opts.heldError(held);
    if (held) {
      // Of several takers, only the one whose claim insert wins may remove the expired lease:
      // on FerretDB a filtered delete is not atomic with its filter, so a slower taker's delete
      // could otherwise remove the faster taker's brand-new lease.
      const claim = `${opts.id}#takeover#${held.token}`;
      try {
        await locks.insertOne({ ...fresh(), _id: claim, reason: `taking over ${opts.id}` });
      } catch (err2) {
        if (!isDuplicateKey(err2)) throw err2;
        throw opts.heldError((await locks.findOne({ _id: opts.id })) ?? held);
      }
      const del = await locks.deleteOne({ _id: opts.id, token: held.token, expiresAt: held.expiresAt });
      if (del.deletedCount === 1) tookOver = { owner: held.owner, expiresAt: held.expiresAt };
      await locks.deleteOne({ _id: claim, token });
    }
    try {
      await locks.insertOne(fresh());
    } catch (err2) {
      if (!isDuplicateKey(err2)) throw err2;
      throw opts.heldError((await locks.findOne({ _id: opts.id })) ?? held ?? fresh());
    }
  }
  const controller = new AbortController();
  let lost = false;
  let released = false;
  let renewing: Promise<void> = Promise.resolve();
  const timer =
    leaseMs === null
      ? undefined
      : setInterval(() => {
          renewing = (async () => {
            if (released || lost) return;
            try {
              const res = await locks.updateOne({ _id: opts.id, token }, { $set: { expiresAt: new Date(Date.now() + leaseMs) } });
              if (res.matchedCount === 0 && !released) {
                lost = true;
                controller.abort(opts.lostError?.() ?? new Error(`lease ${opts.id} was lost`));
              }
            } catch {
              // A failed renewal is retried on the next tick; the lease covers a few missed ones.
            }
          })();
        }, opts.renewEveryMs ?? Math.max(200, Math.floor((leaseMs ?? 60_000) / 3)));
  timer?.unref();
  return {
    id: opts.id,
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
      if (timer) clearInterval(timer);
      await renewing;
      await locks.deleteOne({ _id: opts.id, token });
    },
  };
}

export async function readLease(locks: Collection<LeaseDocument>, id: string): Promise<LeaseDocument | null> {
  const doc = await locks.findOne({ _id: id });
  return doc && isLeaseLive(doc) ? doc : null;
}

/** Removes a lease whatever its token (a human lifting a freeze). Returns what was removed. */
export async function breakLease(locks: Collection<LeaseDocument>, id: string): Promise<LeaseDocument | null> {
  const doc = await locks.findOne({ _id: id });
  if (doc) await locks.deleteOne({ _id: id, token: doc.token });
  return doc;
}
