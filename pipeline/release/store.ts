/**
 * The release store: release records in MongoDB, written with a revision number. Every write is
 * a compare-and-set through a unique insert of (release, rev) — FerretDB lets two concurrent
 * conditional replaceOne calls both succeed, a unique index does not — so two writers can never
 * both move a release forward from the same revision.
 */
import { isDuplicateKey } from '../mongo/insert-once.ts';
import type { Collection, Db } from 'mongodb';
import { randomBytes } from 'node:crypto';
import { releaseErrors } from './errors.ts';
import { FINAL_STATUSES, type ReleaseRecord } from './types.ts';
import { redactDeep } from '../secrets/redact.ts';
import { writeSummary } from './summary.ts';

export function newReleaseId(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const d = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}`;
  const t = `${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
  return `rel-${d}-${t}-${randomBytes(3).toString('hex')}`;
}

export class ReleaseStore {
  readonly releases: Collection<ReleaseRecord>;
  private readonly revs: Collection<{ _id: string; at: Date }>;

  constructor(readonly db: Db) {
    this.releases = db.collection<ReleaseRecord>('releases');
    this.revs = db.collection('release_revisions');
  }

  async init(): Promise<void> {
    await this.releases.createIndex({ status: 1, updatedAt: -1 });
  }

  async create(record: Omit<ReleaseRecord, 'rev' | 'createdAt' | 'updatedAt'>): Promise<ReleaseRecord> {
    const now = new Date().toISOString();
    const doc = redactDeep({ ...record, rev: 1, createdAt: now, updatedAt: now }) as ReleaseRecord;
    await this.revs.insertOne({ _id: `${doc._id}:1`, at: new Date() });
    await this.releases.insertOne(doc);
    await writeSummary(this.db, doc);
    return doc;
  }

  async get(id: string): Promise<ReleaseRecord> {
    const r = await this.releases.findOne({ _id: id });
    if (!r) throw releaseErrors.SHIPGATE_RELEASE_NOT_FOUND({ id });
    return r;
  }

  async find(id: string): Promise<ReleaseRecord | null> {
    return this.releases.findOne({ _id: id });
  }

  /**
   * Applies `change` to the release at revision `expected.rev` and persists it as rev+1.
   * Throws SHIPGATE_RELEASE_CONFLICT if another writer got there first.
   */
  async update(expected: ReleaseRecord, change: (r: ReleaseRecord) => void): Promise<ReleaseRecord> {
    const next = structuredClone(expected);
    change(next);
    next.rev = expected.rev + 1;
    next.updatedAt = new Date().toISOString();
    if (FINAL_STATUSES.includes(next.status) && !next.finishedAt) next.finishedAt = next.updatedAt;
    try {
      await this.revs.insertOne({ _id: `${expected._id}:${next.rev}`, at: new Date() });
    } catch (err) {
      if (isDuplicateKey(err)) throw releaseErrors.SHIPGATE_RELEASE_CONFLICT({ id: expected._id, rev: expected.rev });
      throw err;
    }
    const safe = redactDeep(next) as ReleaseRecord;
    const res = await this.releases.replaceOne({ _id: expected._id, rev: expected.rev }, safe);
    if (res.matchedCount !== 1) throw releaseErrors.SHIPGATE_RELEASE_CONFLICT({ id: expected._id, rev: expected.rev });
    await writeSummary(this.db, safe);
    return safe;
  }

  /** Re-reads and retries `change` on conflict (for small, commutative changes such as approvals). */
  async updateLatest(id: string, change: (r: ReleaseRecord) => void, attempts = 5): Promise<ReleaseRecord> {
    for (let i = 0; ; i++) {
      const current = await this.get(id);
      try {
        return await this.update(current, change);
      } catch (err) {
        if ((err as { code?: string }).code !== 'SHIPGATE_RELEASE_CONFLICT' || i >= attempts) throw err;
      }
    }
  }

  async list(filter: { env?: string; active?: boolean; limit?: number } = {}): Promise<ReleaseRecord[]> {
    const q: Record<string, unknown> = {};
    if (filter.env) q.path = filter.env;
    if (filter.active) q.status = { $in: ['running', 'awaiting_approval'] };
    return this.releases.find(q).sort({ createdAt: -1 }).limit(filter.limit ?? 20).toArray();
  }
}
