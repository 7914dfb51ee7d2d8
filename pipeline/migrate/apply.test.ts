import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../testing/mongo.ts';
import { isShipgateError } from '../errors.ts';
import { applyMigrations } from './apply.ts';
import { BACKUP_MANIFEST, restoreBackup } from './backup.ts';
import { migrateDown } from './down.ts';
import { readMigrationLock } from './lock.ts';
import { planMigrations } from './plan.ts';
import { migrationStatus } from './status.ts';
import { openMigrationTarget } from './target.ts';
import { js, migrationDir, snapshotDb } from './test-helpers.ts';
import type { ApprovalCheck } from './types.ts';
import { seedFixture } from './fixtures/notes-app/seed.ts';

const t = useTestDatabase('apply');
const notesApp = fileURLToPath(new URL('./fixtures/notes-app', import.meta.url));

async function errorOf(p: Promise<unknown>): Promise<Error & { code?: string }> {
  const e = await p.then(() => new Error('no error'), (err: unknown) => err as Error);
  return e;
}

describe('migrate apply', () => {
  it('a failing migration whose message and stack carry a connection string: the password is masked in plan and apply', async () => {
    const dbName = t.freshName('red');
    const uri = 'mongodb://admin:hunter2secret@db.example.com:27017/app';
    const dir = await migrationDir({
      '0001-leaky.js': `function connectLegacy(uri) { throw new Error('cannot reach ' + uri); }\nexport async function up(db) {\n  await db.collection('x').findOne({});\n  connectLegacy(${JSON.stringify(uri)});\n}\n`,
    });
    const target = openMigrationTarget({ client: t.client, dbName, dir });
    const report = await applyMigrations(target, { actor: 'ana' });
    const planned = await planMigrations(target).catch((e: unknown) => e as Error);
    expect(planned).toBeInstanceOf(Error);
    for (const err of [report.failed?.error, planned as Error]) {
      expect(err?.message).toContain('cannot reach mongodb://admin:***@db.example.com:27017/app');
      expect(`${err?.message ?? ''}${err?.stack ?? ''}`).not.toContain('hunter2secret');
      // The error's details (what JSON reports and records may carry) are masked too, not only its message.
      expect(JSON.stringify((err as { details?: unknown }).details)).not.toContain('hunter2secret');
    }
  });

  it('records only migrations whose up and verify succeeded, and stops at the first failure', async () => {
    const dbName = t.freshName('ap');
    const dir = await migrationDir({
      '0001-ok.js': js.insert('a', 2),
      '0002-bad-verify.js': `export async function up(db) { await db.collection('b').insertOne({ x: 1 }); }\nexport async function verify(db) { throw new Error('b looks wrong'); }\n`,
      '0003-never.js': js.insert('c', 1),
    });
    const target = openMigrationTarget({ client: t.client, dbName, dir });
    const report = await applyMigrations(target, { actor: 'ana', releaseId: 'r7' });
    expect(report.ok).toBe(false);
    expect(report.applied.map((a) => a.id)).toEqual(['0001-ok']);
    expect(report.failed?.id).toBe('0002-bad-verify');
    expect(report.failed?.error.code).toBe('SHIPGATE_MIGRATION_FAILED');
    expect(report.failed?.error.message).toMatch(/failed in verify\(\).*b looks wrong/s);
    expect(report.failed?.error.message).toMatch(/0002-bad-verify\.js:2:\d+/);
    expect(report.notApplied).toEqual(['0002-bad-verify', '0003-never']);
    expect((await target.changelog().find({}).toArray()).map((e) => e._id)).toEqual(['0001-ok']);
    expect(await target.db.collection('c').countDocuments()).toBe(0);
    const status = await migrationStatus(target);
    expect(status.entries.map((e) => e.state)).toEqual(['applied', 'pending', 'pending']);
    expect(await readMigrationLock(target)).toBeNull();
  });

  it('a protected target refuses without an approval, or with one for another digest, writing nothing', async () => {
    const dbName = t.freshName('prot');
    await t.client.db(dbName).collection('keep').insertOne({ k: 1 });
    const dir = await migrationDir({ '0001-a.js': js.insert('a', 1) });
    const target = openMigrationTarget({ client: t.client, dbName, dir, label: 'production' });
    const before = await snapshotDb(target.db);

    const none = await errorOf(applyMigrations(target, { actor: 'ana', protected: true, backup: true }));
    expect(isShipgateError(none) && none.code).toBe('SHIPGATE_APPROVAL_REQUIRED');
    expect(none.message).toContain('production is protected');

    const seen: string[] = [];
    const forOtherDigest: ApprovalCheck = {
      async check(digest) {
        seen.push(digest);
        return digest === 'f'.repeat(64) ? { ok: true, approvedBy: ['raj'] } : { ok: false, reason: `approval was for digest ${'f'.repeat(12)}` };
      },
    };
    const wrong = await errorOf(applyMigrations(target, { actor: 'ana', protected: true, backup: true, approval: forOtherDigest }));
    expect(isShipgateError(wrong) && wrong.code).toBe('SHIPGATE_APPROVAL_NOT_VALID');
    expect(wrong.message).toContain('approval was for digest ffffffffffff');
    const plan = await planMigrations(target);
    expect(seen).toEqual([plan.digest]);
    expect(await snapshotDb(target.db)).toBe(before);
    // No backup of this target was taken (other test files may take backups of their own meanwhile).
    const { databases } = await t.client.db('admin').admin().listDatabases({ nameOnly: true });
    const backupSources = await Promise.all(
      databases.filter((d) => d.name.startsWith('sgbackup')).map(async (d) => (await t.client.db(d.name).collection(BACKUP_MANIFEST).findOne({}))?.sourceDb),
    );
    expect(backupSources).not.toContain(target.dbName);

    const right: ApprovalCheck = { check: async (d) => (d === plan.digest ? { ok: true, approvedBy: ['raj'] } : { ok: false, reason: 'other' }) };
    const report = await applyMigrations(target, { actor: 'ana', protected: true, approval: right });
    expect(report.ok).toBe(true);
    expect(report.approvedBy).toEqual(['raj']);
    expect(report.digest).toBe(plan.digest);
  });

  it('backs up what the plan touches and restore puts it back', async () => {
    const dbName = t.freshName('bk');
    await seedFixture(t.client.db(dbName), { notes: 60, memos: 25 });
    await t.client.db(dbName).collection('untouched').insertOne({ u: 1 });
    const target = openMigrationTarget({ client: t.client, dbName, dir: notesApp });
    const before = await snapshotDb(target.db, /^shipgate_/);
    const report = await applyMigrations(target, { actor: 'ana', releaseId: 'rel-42', backup: true });
    expect(report.ok).toBe(true);
    expect(report.backup).toMatch(/^sgbackuprel42\d{14}$/);
    expect(await target.db.collection('notes').countDocuments()).toBe(85);
    const backupDb = t.client.db(report.backup as string);
    expect((await backupDb.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort()).toEqual(['memos', 'notes', 'shipgate_backup']);

    const restored = await restoreBackup({ client: t.client, backup: report.backup as string });
    expect(restored).toEqual({ dbName, restored: ['memos', 'notes'], dropped: ['shipgate_migrations'] });
    expect(await snapshotDb(target.db, /^shipgate_/)).toBe(before);
    expect((await migrationStatus(target)).entries.every((e) => e.state === 'pending')).toBe(true);
    await backupDb.dropDatabase();

    const missing = await errorOf(restoreBackup({ client: t.client, backup: 'sgbackupnope' }));
    expect(isShipgateError(missing) && missing.code).toBe('SHIPGATE_BACKUP_NOT_FOUND');
  });

  it('down --to N runs down() newest first, and refuses when one in between has none', async () => {
    const dbName = t.freshName('dn');
    await t.client.db(dbName).collection('u').insertMany([{ a: 1 }, { a: 2 }]);
    const dir = await migrationDir({ '0001-x.js': js.setField('u', 'x'), '0002-y.js': js.setField('u', 'y'), '0003-z.js': js.insert('z', 1) });
    const target = openMigrationTarget({ client: t.client, dbName, dir });
    expect((await applyMigrations(target, { actor: 'ana' })).ok).toBe(true);
    const refused = await errorOf(migrateDown(target, { to: 0, actor: 'ana' }));
    expect(isShipgateError(refused) && refused.code).toBe('SHIPGATE_MIGRATION_NO_DOWN');
    expect(refused.message).toContain('0003-z');
    expect((await target.changelog().countDocuments())).toBe(3);
    const dir2 = await migrationDir({ '0001-x.js': js.setField('v', 'x'), '0002-y.js': js.setField('v', 'y') });
    const t2 = openMigrationTarget({ client: t.client, dbName: t.freshName('dn'), dir: dir2 });
    await t2.db.collection('v').insertOne({ a: 1 });
    await applyMigrations(t2, { actor: 'ana' });
    const down = await migrateDown(t2, { to: 0, actor: 'ana' });
    expect(down).toMatchObject({ reverted: ['0002-y', '0001-x'], notReverted: [], ok: true });
    expect(await t2.db.collection('v').findOne({}, { projection: { _id: 0 } })).toEqual({ a: 1 });
    expect(await t2.changelog().countDocuments()).toBe(0);
  });

  it('Ctrl-C during apply: the current migration finishes and is recorded, the rest is reported not applied, lock released', async () => {
    const controller = new AbortController();
    (globalThis as unknown as { sgInterruptApply: () => void }).sgInterruptApply = () => controller.abort(new Error('SIGINT'));
    const dir = await migrationDir({
      '0001-first.js': `export async function up(db, ctx) { globalThis.sgInterruptApply(); await new Promise((r) => setTimeout(r, 50)); await db.collection('f').insertOne({ aborted: ctx.signal.aborted }); }\n`,
      '0002-second.js': js.insert('s', 1),
    });
    const target = openMigrationTarget({ client: t.client, dbName: t.freshName('int'), dir });
    const report = await applyMigrations(target, { actor: 'ana', signal: controller.signal });
    expect(report).toMatchObject({ interrupted: true, ok: false, notApplied: ['0002-second'] });
    expect(report.applied.map((a) => a.id)).toEqual(['0001-first']);
    expect(await target.db.collection('f').findOne({}, { projection: { _id: 0 } })).toEqual({ aborted: true });
    expect(await target.db.collection('s').countDocuments()).toBe(0);
    expect(await readMigrationLock(target)).toBeNull();
  });
});

describe('migrate apply: a file that fails to load', () => {
  it('is reported as the failed migration naming the file; earlier ones stay applied', async () => {
    const dir = await migrationDir({ '0001-ok.js': js.insert('a', 1), '0002-syntax.js': 'export async function up(db) {\n' });
    const target = openMigrationTarget({ client: t.client, dbName: t.freshName('ld'), dir });
    const report = await applyMigrations(target, { actor: 'ana' });
    expect(report.applied.map((a) => a.id)).toEqual(['0001-ok']);
    expect(report.failed?.id).toBe('0002-syntax');
    expect(report.failed?.error.code).toBe('SHIPGATE_MIGRATION_LOAD_FAILED');
    expect(report.failed?.error.message).toContain('0002-syntax.js could not be loaded');
    expect(await readMigrationLock(target)).toBeNull();
  });
});
