import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../testing/mongo.ts';
import { isShipgateError } from '../errors.ts';
import { rehearseMigrations } from './rehearse.ts';
import { openMigrationTarget } from './target.ts';
import { migrationDir, snapshotDb } from './test-helpers.ts';
import { seedFixture } from './fixtures/notes-app/seed.ts';

const t = useTestDatabase('reh');
const notesApp = fileURLToPath(new URL('./fixtures/notes-app', import.meta.url));

async function scratchDatabases(): Promise<string[]> {
  const { databases } = await t.client.db('admin').admin().listDatabases({ nameOnly: true });
  return databases.map((d) => d.name).filter((n) => n.startsWith('sgrehearse'));
}

describe('migrate rehearse', () => {
  it('applies pending migrations to a scratch copy, reports before/after, drops the scratch, leaves the target byte-for-byte unchanged', async () => {
    const dbName = t.freshName('rh');
    await seedFixture(t.client.db(dbName), { notes: 200, memos: 50 });
    const target = openMigrationTarget({ client: t.client, dbName, dir: notesApp, label: 'staging' });
    const before = await snapshotDb(target.db);
    const lines: string[] = [];
    const report = await rehearseMigrations(target, { progress: (m) => lines.push(m) });
    expect(report.error).toBeUndefined();
    expect(report.ok).toBe(true);
    expect(report.migrations.map((m) => [m.id, m.status])).toEqual([
      ['0001-add-note-indexes', 'applied'], ['0002-merge-legacy-memos', 'applied'], ['0003-rename-body-to-text', 'applied'],
    ]);
    expect(report.migrations.every((m) => typeof m.durationMs === 'number' && m.extrapolatedMs === undefined)).toBe(true);
    expect(report.collections).toEqual([
      { name: 'memos', before: { documents: 50, indexes: ['_id_'] }, after: null },
      { name: 'notes', before: { documents: 200, indexes: ['_id_', 'createdAt_-1'] }, after: { documents: 250, indexes: ['_id_', 'createdAt_-1', 'owner_1_createdAt_-1'] } },
    ]);
    expect(report.scratchDropped).toBe(true);
    expect(await scratchDatabases()).not.toContain(report.scratchDb);
    expect(await snapshotDb(target.db)).toBe(before);
    expect(lines.some((l) => l.includes('dropped scratch database'))).toBe(true);
  });

  it('samples N documents per collection and says the times are extrapolated', async () => {
    const dbName = t.freshName('rs');
    await seedFixture(t.client.db(dbName), { notes: 120, memos: 40 });
    const target = openMigrationTarget({ client: t.client, dbName, dir: notesApp });
    const report = await rehearseMigrations(target, { sample: 10 });
    expect(report.ok).toBe(true);
    expect(report.sampled).toEqual({ perCollection: 10, copiedDocuments: 20, targetDocuments: 160 });
    expect(report.collections.find((c) => c.name === 'notes')?.before?.documents).toBe(10);
    expect(report.migrations.every((m) => typeof m.extrapolatedMs === 'number')).toBe(true);
  });

  it('a failing migration: reported with file and line, scratch dropped, target unchanged', async () => {
    const dbName = t.freshName('rf');
    await t.client.db(dbName).collection('items').insertMany([{ n: 1 }, { n: 2 }]);
    await t.client.db(dbName).collection('items').createIndex({ n: 1 }, { unique: true });
    const dir = await migrationDir({
      '0001-ok.js': `export async function up(db) { await db.collection('items').updateMany({}, { $set: { seen: true } }); await db.collection('more').insertOne({ a: 1 }); }\n`,
      '0002-bad.js': `export async function up(db) {\n  await db.collection('items').deleteMany({});\n  throw new Error('boom in 0002');\n}\n`,
      '0003-never.js': `export async function up(db) { await db.collection('never').insertOne({}); }\n`,
    });
    const target = openMigrationTarget({ client: t.client, dbName, dir });
    const before = await snapshotDb(target.db);
    const report = await rehearseMigrations(target);
    expect(report.ok).toBe(false);
    expect(report.migrations.map((m) => m.status)).toEqual(['applied', 'failed', 'not-run']);
    expect(isShipgateError(report.error) && report.error.code).toBe('SHIPGATE_MIGRATION_FAILED');
    expect(report.error?.message).toContain('boom in 0002');
    expect(report.error?.message).toMatch(/0002-bad\.js:3:\d+/);
    expect(report.scratchDropped).toBe(true);
    expect(await scratchDatabases()).not.toContain(report.scratchDb);
    expect(await snapshotDb(target.db)).toBe(before);
  });

  it('an interrupted rehearsal (abort signal) still drops the scratch database and leaves the target unchanged', async () => {
    const dbName = t.freshName('ri');
    await t.client.db(dbName).collection('items').insertMany([{ n: 1 }]);
    const controller = new AbortController();
    (globalThis as unknown as { sgAbortRehearsal: () => void }).sgAbortRehearsal = () => controller.abort(new Error('SIGINT'));
    const dir = await migrationDir({
      '0001-first.js': `export async function up(db) { await db.collection('items').insertOne({ n: 2 }); globalThis.sgAbortRehearsal(); }\n`,
      '0002-second.js': `export async function up(db) { await db.collection('items').insertOne({ n: 3 }); }\n`,
    });
    const target = openMigrationTarget({ client: t.client, dbName, dir });
    const before = await snapshotDb(target.db);
    const report = await rehearseMigrations(target, { signal: controller.signal });
    expect(report.ok).toBe(false);
    expect(report.migrations.map((m) => m.status)).toEqual(['applied', 'not-run']);
    expect(report.interrupted).toBe(true);
    expect(isShipgateError(report.error) && report.error.code).toBe('SHIPGATE_MIGRATION_INTERRUPTED');
    expect(report.scratchDropped).toBe(true);
    expect(await scratchDatabases()).not.toContain(report.scratchDb);
    expect(await snapshotDb(target.db)).toBe(before);
  });
});
