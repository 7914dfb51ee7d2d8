/**
 * The dashboard's release index on FerretDB: a store written before summaries existed is
 * summarized once (then marked, so the next start reads no record); a stale summary is repaired
 * when its record is read; changes written through ReleaseStore appear after a refresh; and an
 * idle store is not re-read (the release clock did not move).
 */
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../testing/mongo.ts';
import { ReleaseStore } from '../release/store.ts';
import { BACKFILLED, RELEASE_CLOCK, SUMMARIES, SUMMARY_META, type ReleaseIndexEntry } from '../release/summary.ts';
import type { ReleaseRecord } from '../release/types.ts';
import { ReleaseIndex } from './release-index.ts';
import { seededRelease } from './seed.ts';

const t = useTestDatabase('dashidx');
const NOW = new Date();

describe('the release index', () => {
  it('summarizes a history written before summaries existed, once', async () => {
    const db = t.client.db(t.freshName('old'));
    const old = Array.from({ length: 30 }, (_, i) => seededRelease(i, { now: NOW, days: 30 }));
    await db.collection<ReleaseRecord>('releases').insertMany(old);
    const index = new ReleaseIndex(db);
    await index.refresh();
    expect(index.size).toBe(30);
    expect(await db.collection(SUMMARIES).countDocuments()).toBe(30);
    expect(await db.collection(SUMMARY_META).findOne({ _id: BACKFILLED as never })).not.toBeNull();
    expect(index.list({ env: 'production', statuses: ['failed'] }, 1, 50).total).toBe(old.filter((r) => r.path.includes('production') && r.status === 'failed').length);
  });

  it('shows writes made through ReleaseStore after a refresh, and repairs a stale summary when the record is read', async () => {
    const db = t.client.db(t.freshName('live'));
    const store = new ReleaseStore(db);
    const created = await store.create({ ...seededRelease(1, { now: NOW, days: 1 }), _id: 'rel-a', status: 'running' });
    const index = new ReleaseIndex(db, { minIntervalMs: 0 });
    await index.refresh();
    expect(index.entry('rel-a')?.status).toBe('running');
    const done = await store.update(created, (r) => {
      r.status = 'succeeded';
    });
    await index.refresh(true);
    expect(index.entry('rel-a')).toMatchObject({ status: 'succeeded', rev: done.rev });
    // A summary left behind (its write failed after the record's): reading the record repairs it.
    await db.collection<ReleaseIndexEntry>(SUMMARIES).updateOne({ _id: 'rel-a' }, { $set: { rev: 1, status: 'running' } });
    const fresh = new ReleaseIndex(db, { minIntervalMs: 0 });
    await fresh.refresh();
    expect(fresh.entry('rel-a')?.status).toBe('running');
    expect((await fresh.record('rel-a'))?.status).toBe('succeeded');
    expect(fresh.entry('rel-a')?.status).toBe('succeeded');
    expect((await db.collection<ReleaseIndexEntry>(SUMMARIES).findOne({ _id: 'rel-a' }))?.status).toBe('succeeded');
  });

  it('an idle store is not scanned again: the release clock did not move', async () => {
    const db = t.client.db(t.freshName('idle'));
    const store = new ReleaseStore(db);
    await store.create({ ...seededRelease(2, { now: NOW, days: 1 }), _id: 'rel-b' });
    const index = new ReleaseIndex(db, { minIntervalMs: 0 });
    await index.refresh();
    // A summary changed behind the index's back without a clock tick is not picked up...
    await db.collection<ReleaseIndexEntry>(SUMMARIES).updateOne({ _id: 'rel-b' }, { $set: { version: '9.9.9' } });
    await index.refresh(true);
    expect(index.entry('rel-b')?.version).not.toBe('9.9.9');
    // ...and is once the clock moves (every ReleaseStore write moves it).
    await db.collection<{ _id: string; seq: number }>(RELEASE_CLOCK).updateOne({ _id: 'releases' }, { $inc: { seq: 1 } });
    await index.refresh(true);
    expect(index.entry('rel-b')?.version).toBe('9.9.9');
  });
});
