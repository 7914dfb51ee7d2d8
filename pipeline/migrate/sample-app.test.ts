/**
 * The sample app's own migrations (app/migrations 0001–0003) on its seeded data: the plan's
 * figures equal what apply then changes, rehearsal leaves the target unchanged, status after.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../testing/mongo.ts';
import { seedSampleData } from '../../app/seed.ts';
import { applyMigrations } from './apply.ts';
import { planMigrations } from './plan.ts';
import { rehearseMigrations } from './rehearse.ts';
import { migrationStatus } from './status.ts';
import { openMigrationTarget } from './target.ts';
import { documentsByFamily, observeWrites, snapshotDb, type ObservedWrite } from './test-helpers.ts';

const t = useTestDatabase('sample');
const appMigrations = fileURLToPath(new URL('../../app/migrations', import.meta.url));

describe('sample app migrations', () => {
  it('plan counts equal what apply then changes; rehearsal first leaves the target unchanged', async () => {
    const dbName = t.freshName('notes');
    const seeded = await seedSampleData(t.client.db(dbName), { notes: 300, memos: 120 });
    expect(seeded).toEqual({ skipped: false, notes: 300, memos: 120 });
    const target = openMigrationTarget({ client: t.client, dbName, dir: appMigrations, label: 'staging' });
    const before = await snapshotDb(target.db);

    const plan = await planMigrations(target);
    expect(plan.pending.map((p) => p.id)).toEqual(['0001-notes-created-at-index', '0002-merge-legacy-memos', '0003-backfill-note-slugs']);
    expect(await snapshotDb(target.db)).toBe(before);

    const rehearsal = await rehearseMigrations(target, {});
    expect(rehearsal.error).toBeUndefined();
    expect(rehearsal.ok).toBe(true);
    expect(rehearsal.collections.find((c) => c.name === 'notes')?.after?.documents).toBe(420);
    expect(await snapshotDb(target.db)).toBe(before);

    const observed = new Map<string, ObservedWrite[]>();
    const report = await applyMigrations(target, {
      actor: 'tester',
      instrument: (db, id) => {
        const sink: ObservedWrite[] = [];
        observed.set(id, sink);
        return observeWrites(db, sink);
      },
    });
    expect(report.failed?.error.message).toBeUndefined();
    expect(report.ok).toBe(true);
    for (const m of plan.pending) {
      const planned = documentsByFamily(m.writes.map((w) => ({ collection: w.collection, op: w.op, n: w.matched ?? 0 })));
      expect(documentsByFamily(observed.get(m.id) ?? []), m.id).toEqual(planned);
    }
    expect(documentsByFamily(plan.pending.flatMap((m) => m.writes.map((w) => ({ collection: w.collection, op: w.op, n: w.matched ?? 0 }))))).toEqual({
      'notes insert': 120, 'memos drop': 120, 'notes update': 300,
    });
    const indexes = plan.pending.flatMap((m) => m.writes.filter((w) => w.op === 'createIndex').map((w) => w.detail));
    expect(indexes).toEqual(['create index notes_createdAt_desc', 'create index notes_tags', 'create index notes_slug_unique (unique)']);
    expect((await migrationStatus(target)).entries.map((e) => e.state)).toEqual(['applied', 'applied', 'applied']);
  });
});
