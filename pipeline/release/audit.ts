/**
 * The audit log: append-only, each entry carrying the hash of the previous one, plus head marks
 * naming the last entry — so `shipgate audit verify` detects an edited entry (its hash no longer
 * matches), a deleted one (a gap in the sequence or a broken link) and a deleted tail (the head
 * points past the end). Appends are serialised by a unique sequence number.
 *
 * The head is insert-only: every append inserts a mark `{ _id: seq, hash }` after its entry, and
 * the head is the highest mark. A conditional update of one head document (`seq: { $lt }`) is not
 * atomic with its filter on FerretDB: two concurrent appends could both pass the filter and the
 * slower one move the head back (the head said 3 while the log held 12). An insert of a unique
 * `_id` cannot race, and the highest mark is never removed (appends only prune marks below their
 * own), so once an append returns the head is at least its entry. Verify reads the head before the
 * entries, so an append in flight can make the log longer than its head (accepted: nothing was
 * deleted) but never shorter.
 */
import { isDuplicateKey } from '../mongo/insert-once.ts';
import type { Collection, Db } from 'mongodb';
import { canonicalJson, sha256Hex } from './canonical.ts';
import { redactDeep } from '../secrets/redact.ts';
import type { Identity } from './types.ts';

export type AuditType =
  | 'release.requested'
  | 'release.break_glass'
  | 'release.stage'
  | 'release.awaiting_approval'
  | 'release.approved'
  | 'release.rejected'
  | 'release.finished'
  | 'release.resumed'
  | 'lock.acquired'
  | 'lock.released'
  | 'dns.cutover'
  | 'dns.rollback'
  | 'migrate.applied';

export interface AuditEntry {
  _id: number;
  at: string;
  type: AuditType;
  release?: string;
  env?: string;
  actor?: Identity | { via: 'system'; id: string };
  data: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

const GENESIS = '0'.repeat(64);

function entryHash(e: Omit<AuditEntry, 'hash'>): string {
  return sha256Hex(canonicalJson({ ...e }));
}

/** A head mark: the sequence number and hash of an entry that was completely appended. */
interface HeadMark {
  _id: number | 'head';
  /** Only on the single head document written before head marks (`_id: 'head'`). */
  seq?: number;
  hash: string;
}

export type AuditVerdict = { ok: true; entries: number } | { ok: false; entries: number; problem: string; at?: number };

export class AuditLog {
  private readonly entries: Collection<AuditEntry>;
  private readonly heads: Collection<HeadMark>;

  constructor(db: Db) {
    this.entries = db.collection<AuditEntry>('audit');
    this.heads = db.collection<HeadMark>('audit_head');
  }

  async append(entry: Pick<AuditEntry, 'type' | 'release' | 'env' | 'actor'> & { data?: Record<string, unknown> }): Promise<AuditEntry> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const last = await this.entries.find().sort({ _id: -1 }).limit(1).next();
      const base: Omit<AuditEntry, 'hash'> = {
        _id: (last?._id ?? 0) + 1,
        at: new Date().toISOString(),
        type: entry.type,
        ...(entry.release ? { release: entry.release } : {}),
        ...(entry.env ? { env: entry.env } : {}),
        ...(entry.actor ? { actor: entry.actor } : {}),
        data: redactDeep(entry.data ?? {}),
        prevHash: last?.hash ?? GENESIS,
      };
      const doc: AuditEntry = { ...base, hash: entryHash(base) };
      try {
        await this.entries.insertOne(doc);
      } catch (err) {
        if (isDuplicateKey(err)) continue; // another writer took this sequence number
        throw err;
      }
      await this.heads.insertOne({ _id: doc._id, hash: doc.hash });
      // Keep only the newest marks; the highest is never below ours, so it is never removed.
      await this.heads.deleteMany({ _id: { $lt: doc._id } }).catch(() => undefined);
      return doc;
    }
    throw new Error('audit append: too much contention (50 attempts)');
  }

  /** The last completely appended entry (the highest head mark), or null for an empty log. */
  async head(): Promise<{ seq: number; hash: string } | null> {
    const mark = await this.heads.find({ _id: { $gte: 1 } }).sort({ _id: -1 }).limit(1).next();
    const legacy = await this.heads.findOne({ _id: 'head' });
    const marked = mark && typeof mark._id === 'number' ? { seq: mark._id, hash: mark.hash } : null;
    const old = legacy && typeof legacy.seq === 'number' ? { seq: legacy.seq, hash: legacy.hash } : null;
    if (!marked) return old;
    return old && old.seq > marked.seq ? old : marked;
  }

  async verify(): Promise<AuditVerdict> {
    // The head first: an append that lands while we read the entries only makes the log longer.
    const head = await this.head();
    let prev = GENESIS;
    let expected = 1;
    let count = 0;
    let hashAtHead: string | undefined;
    for await (const e of this.entries.find().sort({ _id: 1 })) {
      if (e._id !== expected) return { ok: false, entries: count, problem: `entry ${expected} is missing (next is ${e._id})`, at: expected };
      if (e.prevHash !== prev) return { ok: false, entries: count, problem: `entry ${e._id} does not link to entry ${e._id - 1}`, at: e._id };
      const { hash, ...rest } = e;
      if (entryHash(rest) !== hash) return { ok: false, entries: count, problem: `entry ${e._id} (${e.type}) was edited: its hash does not match`, at: e._id };
      if (e._id === head?.seq) hashAtHead = hash;
      prev = hash;
      expected++;
      count++;
    }
    if (!head) return count > 0 ? { ok: false, entries: count, problem: 'the head record is missing' } : { ok: true, entries: 0 };
    if (head.seq > count) {
      return { ok: false, entries: count, problem: `the log ends at entry ${count} but its head records entry ${head.seq}: entries were deleted from the end`, at: head.seq };
    }
    if (hashAtHead !== head.hash) {
      return { ok: false, entries: count, problem: `entry ${head.seq} is not the entry the head records: the end of the log was replaced`, at: head.seq };
    }
    return { ok: true, entries: count };
  }

  /** The newest `limit` entries before sequence `before` (all, without it), newest first. */
  async recent(before: number | undefined, limit = 100): Promise<AuditEntry[]> {
    return this.entries.find(before ? { _id: { $lt: before } } : {}).sort({ _id: -1 }).limit(limit).toArray();
  }

  async forRelease(release: string): Promise<AuditEntry[]> {
    return this.entries.find({ release }).sort({ _id: 1 }).toArray();
  }
}
