/**
 * The audit log: append-only, each entry carrying the hash of the previous one, plus a head
 * document naming the last entry — so `shipgate audit verify` detects an edited entry (its hash
 * no longer matches), a deleted one (a gap in the sequence or a broken link) and a deleted tail
 * (the head points past the end). Appends are serialised by a unique sequence number.
 */
import type { Collection, Db } from 'mongodb';
import { canonicalJson, sha256Hex } from './canonical.ts';
import { redactDeep } from '../secrets/redact.ts';
import type { Identity } from './types.ts';

export type AuditType =
  | 'release.requested'
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

export type AuditVerdict = { ok: true; entries: number } | { ok: false; entries: number; problem: string; at?: number };

export class AuditLog {
  private readonly entries: Collection<AuditEntry>;
  private readonly head: Collection<{ _id: string; seq: number; hash: string }>;

  constructor(db: Db) {
    this.entries = db.collection<AuditEntry>('audit');
    this.head = db.collection('audit_head');
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
        if ((err as { code?: number }).code === 11000) continue; // another writer took this sequence number
        throw err;
      }
      await this.head.updateOne({ _id: 'head', seq: { $lt: doc._id } }, { $set: { seq: doc._id, hash: doc.hash } }, { upsert: true }).catch((err) => {
        if ((err as { code?: number }).code !== 11000) throw err; // a newer head was written concurrently
      });
      return doc;
    }
    throw new Error('audit append: too much contention (50 attempts)');
  }

  async verify(): Promise<AuditVerdict> {
    let prev = GENESIS;
    let expected = 1;
    let count = 0;
    for await (const e of this.entries.find().sort({ _id: 1 })) {
      if (e._id !== expected) return { ok: false, entries: count, problem: `entry ${expected} is missing (next is ${e._id})`, at: expected };
      if (e.prevHash !== prev) return { ok: false, entries: count, problem: `entry ${e._id} does not link to entry ${e._id - 1}`, at: e._id };
      const { hash, ...rest } = e;
      if (entryHash(rest) !== hash) return { ok: false, entries: count, problem: `entry ${e._id} (${e.type}) was edited: its hash does not match`, at: e._id };
      prev = hash;
      expected++;
      count++;
    }
    const head = await this.head.findOne({ _id: 'head' });
    if (head && (head.seq !== count || head.hash !== prev)) {
      return { ok: false, entries: count, problem: `the log ends at entry ${count} but its head records entry ${head.seq}: entries were deleted from the end`, at: head.seq };
    }
    if (!head && count > 0) return { ok: false, entries: count, problem: 'the head record is missing' };
    return { ok: true, entries: count };
  }

  async forRelease(release: string): Promise<AuditEntry[]> {
    return this.entries.find({ release }).sort({ _id: 1 }).toArray();
  }
}
