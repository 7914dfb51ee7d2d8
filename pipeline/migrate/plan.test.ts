import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../testing/mongo.ts';
import { isShipgateError } from '../errors.ts';
import { planMigrations } from './plan.ts';
import { applyMigrations } from './apply.ts';
import { renderPlanMarkdown, renderPlanTable, planToJson } from './render.ts';
import { openMigrationTarget } from './target.ts';
import { documentsByFamily, migrationDir, observeWrites, snapshotDb, writeMigration, type ObservedWrite } from './test-helpers.ts';
import { seedFixture } from './fixtures/notes-app/seed.ts';

const t = useTestDatabase('plan');
const notesApp = fileURLToPath(new URL('./fixtures/notes-app', import.meta.url));

describe('migrate plan', () => {
  it('counts what each write would touch, writes nothing, and equals what apply then changes', async () => {
    const dbName = t.freshName('notes');
    await seedFixture(t.client.db(dbName), { notes: 300, memos: 1234 });
    const target = openMigrationTarget({ client: t.client, dbName, dir: notesApp, label: 'staging' });
    const before = await snapshotDb(target.db);
    const plan = await planMigrations(target);
    expect(await snapshotDb(target.db)).toBe(before);

    expect(plan.pending.map((p) => p.id)).toEqual(['0001-add-note-indexes', '0002-merge-legacy-memos', '0003-rename-body-to-text']);
    const [m1, m2, m3] = plan.pending;
    expect(m1?.writes).toEqual([
      { collection: 'notes', op: 'createIndex', matched: null, detail: 'create index owner_1_createdAt_-1', risky: false },
      { collection: 'notes', op: 'updateMany', matched: 100, detail: 'would modify up to 100 documents', risky: false },
    ]);
    expect(m2?.writes.filter((w) => w.op === 'insertMany').reduce((s, w) => s + (w.matched ?? 0), 0)).toBe(1234);
    expect(m2?.writes.at(-1)).toMatchObject({ collection: 'memos', op: 'drop', matched: 1234, risky: true });
    expect(m3?.writes).toEqual([{ collection: 'notes', op: 'updateMany', matched: 300, detail: 'would modify up to 300 documents', risky: false }]);
    expect(m2?.irreversible).toBe(true);
    expect(m3?.breaking).toBe(true);
    expect(plan.risks.join('\n')).toMatch(/0002-merge-legacy-memos: drop on memos/);
    expect(plan.risks.join('\n')).toMatch(/0002-merge-legacy-memos is irreversible/);
    // 0003 counts a filter on notes after 0002's inserts into notes were only recorded.
    expect(plan.approximate).toBe(true);
    expect(plan.approximateReasons.join('\n')).toContain('0003-rename-body-to-text counts a filter on notes');

    const observed: ObservedWrite[] = [];
    const byMigration = new Map<string, ObservedWrite[]>();
    const report = await applyMigrations(target, {
      actor: 'tester',
      instrument: (db, id) => {
        const sink: ObservedWrite[] = [];
        byMigration.set(id, sink);
        return observeWrites(db, sink);
      },
    });
    expect(report.ok).toBe(true);
    for (const m of plan.pending) {
      const planned = m.writes.map((w) => ({ collection: w.collection, op: w.op, n: w.matched ?? -1 }));
      expect(documentsByFamily(byMigration.get(m.id) ?? []), m.id).toEqual(documentsByFamily(planned));
      observed.push(...(byMigration.get(m.id) ?? []));
    }
    // 0002 inserted in three batches; the plan shows them as one line.
    expect(observed.filter((o) => o.op === 'insertMany').map((o) => o.n)).toEqual([500, 500, 234]);
    expect(m2?.writes.filter((w) => w.op === 'insertMany')).toEqual([
      { collection: 'notes', op: 'insertMany', matched: 1234, detail: 'would insert 1234 documents (3 calls)', risky: false },
    ]);
  });

  it('an exact plan is not approximate; a read-back is; the digest binds target, ids and checksums', async () => {
    const dbName = t.freshName('exact');
    await t.client.db(dbName).collection('users').insertMany([{ a: 1 }, { a: 2 }, { a: 2 }]);
    const dir = await migrationDir({
      '0001-one.js': `export async function up(db) { await db.collection('users').updateMany({ a: 2 }, { $set: { b: 1 } }); await db.collection('users').deleteOne({ a: 1 }); }\n`,
    });
    const target = openMigrationTarget({ client: t.client, dbName, dir, label: 'staging' });
    const p1 = await planMigrations(target);
    expect(p1.approximate).toBe(false);
    expect(p1.pending[0]?.writes.map((w) => [w.op, w.matched])).toEqual([['updateMany', 2], ['deleteOne', 1]]);
    expect((await planMigrations(target)).digest).toBe(p1.digest);
    expect((await planMigrations(openMigrationTarget({ client: t.client, dbName, dir, label: 'production' }))).digest).not.toBe(p1.digest);

    await writeMigration(dir, '0002-readback.js', `export async function up(db) { await db.collection('users').insertOne({ a: 9 }); const n = await db.collection('users').countDocuments({ a: 9 }); if (n !== 0) throw new Error('plan must not write'); }\n`);
    const p2 = await planMigrations(target);
    expect(p2.digest).not.toBe(p1.digest);
    expect(p2.approximate).toBe(true);
    expect(p2.approximateReasons).toEqual(['0002-readback reads users after a recorded write to it']);
    expect(await t.client.db(dbName).collection('users').countDocuments()).toBe(3);
  });

  it('editing a pending migration changes the digest, and an approval of the old digest no longer counts', async () => {
    const dbName = t.freshName('edit');
    await t.client.db(dbName).collection('users').insertMany([{ a: 1 }, { a: 2 }]);
    const dir = await migrationDir({ '0001-one.js': `export async function up(db) { await db.collection('users').updateMany({ a: 2 }, { $set: { b: 1 } }); }\n` });
    const target = openMigrationTarget({ client: t.client, dbName, dir, label: 'production' });
    const approved = await planMigrations(target);
    // Same id, same file name, other content: the reviewed plan is not the one that would run.
    await writeMigration(dir, '0001-one.js', `export async function up(db) { await db.collection('users').deleteMany({}); }\n`);
    const edited = await planMigrations(target);
    expect(edited.pending.map((p) => p.id)).toEqual(approved.pending.map((p) => p.id));
    expect(edited.pending[0]?.checksum).not.toBe(approved.pending[0]?.checksum);
    expect(edited.digest).not.toBe(approved.digest);

    const before = await snapshotDb(target.db);
    const approval = { check: async (digest: string) => (digest === approved.digest ? { ok: true as const, approvedBy: ['ana'] } : { ok: false as const, reason: 'approved for another plan' }) };
    const err = await applyMigrations(target, { actor: 'raj', protected: true, approval }).catch((e: unknown) => e);
    expect(isShipgateError(err) && err.code).toBe('SHIPGATE_APPROVAL_NOT_VALID');
    expect(await snapshotDb(target.db)).toBe(before);
  });

  it('flags destructive writes and fails closed on methods it cannot classify', async () => {
    const dbName = t.freshName('risky');
    await t.client.db(dbName).collection('old').insertMany([{ x: 1 }, { x: 2 }]);
    const dir = await migrationDir({
      '0001-wipe.js': `export async function up(db) { await db.collection('old').deleteMany({}); await db.renameCollection('old', 'older'); await db.dropCollection('older'); }\n`,
    });
    const target = openMigrationTarget({ client: t.client, dbName, dir });
    const plan = await planMigrations(target);
    expect(plan.pending[0]?.writes.map((w) => [w.collection, w.op, w.matched, w.risky])).toEqual([
      ['old', 'deleteMany', 2, true],
      ['old', 'rename', 2, true],
      ['older', 'drop', 0, true],
    ]);
    expect(plan.risks).toHaveLength(3);

    await writeMigration(dir, '0002-bulk.js', `export async function up(db) { const b = db.collection('old').initializeUnorderedBulkOp(); b.insert({}); await b.execute(); }\n`);
    const err = await planMigrations(target).catch((e: unknown) => e);
    expect(isShipgateError(err) && err.code).toBe('SHIPGATE_PLAN_UNSUPPORTED_OP');
    expect((err as Error).message).toContain("0002-bulk calls db.collection('old').initializeUnorderedBulkOp()");
    expect(await t.client.db(dbName).collection('old').countDocuments()).toBe(2);
  });

  it('renders a terminal table, markdown and JSON', async () => {
    const dbName = t.freshName('render');
    await seedFixture(t.client.db(dbName), { notes: 30, memos: 12 });
    const plan = await planMigrations(openMigrationTarget({ client: t.client, dbName, dir: notesApp, label: 'staging' }));
    const table = renderPlanTable(plan);
    expect(table).toContain('3 pending migrations for staging');
    expect(table).toMatch(/0001-add-note-indexes\s+notes\s+createIndex\s+—/);
    expect(table).toMatch(/memos\s+drop\s+12\s+RISK/);
    expect(table).toContain('APPROXIMATE');
    expect(table).toContain(`digest ${plan.digest}`);
    const md = renderPlanMarkdown(plan);
    expect(md).toContain('| `0002-merge-legacy-memos` | notes | insertMany | 12 |');
    expect(md).toContain(`Plan digest: \`${plan.digest}\``);
    expect(JSON.parse(planToJson(plan))).toMatchObject({ digest: plan.digest, approximate: true, target: { label: 'staging', db: dbName } });
  });
});
