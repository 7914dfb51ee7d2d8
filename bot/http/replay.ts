/**
 * Replay protection for signed Slack requests: each verified signature is claimed once. A claim is
 * a document `{ _id: sha256(signature), expiresAt }` inserted into the release store, so the unique
 * _id decides between two bot replicas sharing one store. A claim lives until its request's
 * timestamp leaves the 5-minute window (after that the timestamp check refuses the request
 * anyway). FerretDB has no TTL indexes, so expired claims are deleted opportunistically.
 */
import { createHash } from 'node:crypto';
import type { Db } from 'mongodb';
import { insertOnce } from '../../pipeline/mongo/insert-once.ts';

export const SLACK_CLAIMS_COLLECTION = 'slack_request_claims';

export interface ReplayGuard {
  /** true: first time this key is seen; false: a replay. Throws when the store cannot answer. */
  claim(key: string, expiresAt: Date): Promise<boolean>;
}

export function replayKey(signature: string): string {
  return createHash('sha256').update(signature).digest('hex');
}

/** For one process only (tests, a bot without a store); the bot itself uses storeReplayGuard. */
export function memoryReplayGuard(now: () => number = Date.now): ReplayGuard {
  const seen = new Map<string, number>();
  return {
    async claim(key, expiresAt) {
      const t = now();
      if (seen.size > 1000) for (const [k, exp] of seen) if (exp < t) seen.delete(k);
      const exp = seen.get(key);
      if (exp !== undefined && exp >= t) return false;
      seen.set(key, expiresAt.getTime());
      return true;
    },
  };
}

export function storeReplayGuard(db: Db, opts: { collection?: string; now?: () => number; cleanupEveryMs?: number } = {}): ReplayGuard {
  const claims = db.collection<{ _id: string; expiresAt: Date }>(opts.collection ?? SLACK_CLAIMS_COLLECTION);
  const now = opts.now ?? Date.now;
  const every = opts.cleanupEveryMs ?? 60_000;
  let lastCleanup = 0;
  return {
    async claim(key, expiresAt) {
      const t = now();
      if (t - lastCleanup >= every) {
        lastCleanup = t;
        // Best effort: a failed cleanup only leaves expired claims for the next one.
        await claims.deleteMany({ expiresAt: { $lt: new Date(t) } }).catch(() => undefined);
      }
      return insertOnce(claims, { _id: key, expiresAt });
    },
  };
}
