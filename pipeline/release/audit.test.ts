/**
 * The audit chain's checks, each against the tampering it exists to catch: an entry rewritten
 * with a recomputed hash (the next link breaks), an edit to any field the hash must cover, a
 * removed head, a replaced tail. Tampering is done the way an attacker with database access would:
 * by writing the collections directly.
 */
import { describe, expect, it } from 'vitest';
import type { Db } from 'mongodb';
import { useTestDatabase } from '../testing/mongo.ts';
import { AuditLog, type AuditEntry } from './audit.ts';
import { canonicalJson, sha256Hex } from './canonical.ts';

const t = useTestDatabase('audit');

async function logOf(n: number): Promise<{ db: Db; audit: AuditLog }> {
  const db = t.client.db(t.freshName('audit'));
  const audit = new AuditLog(db);
  for (let i = 1; i <= n; i++) {
    await audit.append({ type: 'release.stage', release: `rel-${i}`, env: 'production', actor: { via: 'cli', id: 'ana' }, data: { i } });
  }
  return { db, audit };
}

const entries = (db: Db) => db.collection<AuditEntry>('audit');
/** What a forger does: rewrite an entry and give it a hash that matches its new content. */
const rehash = ({ hash: _hash, ...rest }: AuditEntry): AuditEntry => ({ ...rest, hash: sha256Hex(canonicalJson(rest)) });

describe('audit verify', () => {
  it('an entry rewritten with a matching hash breaks the next link: reported', async () => {
    const { db, audit } = await logOf(5);
    const third = (await entries(db).findOne({ _id: 3 }))!;
    const forged = rehash({ ...third, data: { i: 3, approvedBy: 'mallory' } });
    await entries(db).replaceOne({ _id: 3 }, forged);
    expect(await audit.verify()).toEqual({ ok: false, entries: 3, problem: 'entry 4 does not link to entry 3', at: 4 });
  });

  it('the entry hash covers type, actor, release, env, time and data: editing any one is reported', async () => {
    const { db, audit } = await logOf(3);
    const edits: Array<[string, Record<string, unknown>]> = [
      ['type', { type: 'release.approved' }],
      ['actor', { actor: { via: 'cli', id: 'mallory' } }],
      ['release', { release: 'rel-other' }],
      ['env', { env: 'staging' }],
      ['at', { at: '2020-01-01T00:00:00.000Z' }],
      ['data', { data: { i: 99 } }],
    ];
    const original = (await entries(db).findOne({ _id: 2 }))!;
    for (const [field, change] of edits) {
      await entries(db).updateOne({ _id: 2 }, { $set: change });
      expect(await audit.verify(), field).toMatchObject({ ok: false, at: 2, problem: expect.stringMatching(/^entry 2 \(.*\) was edited: its hash does not match$/) });
      await entries(db).replaceOne({ _id: 2 }, original);
      expect((await audit.verify()).ok, `${field} restored`).toBe(true);
    }
  });

  it('a log whose head record was removed is reported', async () => {
    const { db, audit } = await logOf(3);
    await db.collection('audit_head').deleteMany({});
    expect(await audit.verify()).toEqual({ ok: false, entries: 3, problem: 'the head record is missing' });
  });

  it('an empty log with no head verifies', async () => {
    const audit = new AuditLog(t.client.db(t.freshName('audit')));
    expect(await audit.verify()).toEqual({ ok: true, entries: 0 });
  });

  it('a deleted tail is reported, also when entries were appended again behind it', async () => {
    const { db, audit } = await logOf(4);
    await entries(db).deleteMany({ _id: { $gte: 3 } });
    expect(await audit.verify()).toMatchObject({ ok: false, problem: 'the log ends at entry 2 but its head records entry 4: entries were deleted from the end' });
    // The forger re-chains new entries 3 and 4 from entry 2: the head's hash of entry 4 no longer matches.
    const two = (await entries(db).findOne({ _id: 2 }))!;
    const three = rehash({ ...two, _id: 3, prevHash: two.hash, data: { forged: 3 } });
    const four = rehash({ ...three, _id: 4, prevHash: three.hash, data: { forged: 4 } });
    await entries(db).insertMany([three, four]);
    expect(await audit.verify()).toEqual({ ok: false, entries: 4, problem: 'entry 4 is not the entry the head records: the end of the log was replaced', at: 4 });
  });

  it('a store written before head marks (one `head` document) still verifies, and appends continue from it', async () => {
    const { db, audit } = await logOf(3);
    const last = (await entries(db).findOne({ _id: 3 }))!;
    await db.collection('audit_head').deleteMany({});
    await db.collection<{ _id: string; seq: number; hash: string }>('audit_head').insertOne({ _id: 'head', seq: 3, hash: last.hash });
    expect(await audit.verify()).toEqual({ ok: true, entries: 3 });
    await entries(db).deleteOne({ _id: 3 });
    expect(await audit.verify()).toMatchObject({ ok: false, problem: expect.stringMatching(/deleted from the end/) });
    await entries(db).insertOne(last);
    const next = await audit.append({ type: 'lock.released', data: {} });
    expect(await audit.head()).toEqual({ seq: 4, hash: next.hash });
    expect(await audit.verify()).toEqual({ ok: true, entries: 4 });
  });
});
