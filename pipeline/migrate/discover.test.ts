import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../testing/mongo.ts';
import { discoverMigrations, loadMigration } from './discover.ts';
import { migrationStatus, runnableStatus } from './status.ts';
import { applyMigrations } from './apply.ts';
import { openMigrationTarget } from './target.ts';
import { js, migrationDir, writeMigration, removeMigration } from './test-helpers.ts';
import { isShipgateError } from '../errors.ts';

const t = useTestDatabase('disc');

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return isShipgateError(err) ? `${err.code}: ${err.message}` : `other: ${String(err)}`;
  }
  return 'no error';
}

describe('discovery', () => {
  it('orders by number, ignores non-migration files, checksums the bytes', async () => {
    const dir = await migrationDir({ '0010-c.js': js.insert('c', 1), '0002-b.js': js.insert('b', 1), '0001-a.js': js.insert('a', 1), 'README.md': '#', 'helpers.js': '' });
    const files = await discoverMigrations(dir);
    expect(files.map((f) => f.id)).toEqual(['0001-a', '0002-b', '0010-c']);
    expect(files[0]?.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(files[0]?.checksum).not.toBe(files[1]?.checksum);
  });

  it('names every file with a duplicate number or a bad name', async () => {
    const dir = await migrationDir({ '0001-a.js': js.insert('a', 1), '0001-b.js': js.insert('b', 1), '12-short.js': '' });
    const msg = await codeOf(discoverMigrations(dir));
    expect(msg).toMatch(/^SHIPGATE_MIGRATIONS_INVALID/);
    expect(msg).toContain('0001-b.js: duplicate number 0001 (also 0001-a.js)');
    expect(msg).toContain('12-short.js');
  });

  it('a missing folder, a missing up, or a file that fails to load are errors naming the file', async () => {
    expect(await codeOf(discoverMigrations('/nonexistent/migrations'))).toMatch(/SHIPGATE_MIGRATION_DIR_MISSING.*nonexistent/);
    const dir = await migrationDir({ '0001-noup.js': 'export const down = async () => {};\n', '0002-broken.js': 'export async function up( {\n' });
    const [noUp, broken] = await discoverMigrations(dir);
    expect(await codeOf(loadMigration(noUp!))).toMatch(/SHIPGATE_MIGRATIONS_INVALID.*0001-noup\.js: does not export an up/s);
    expect(await codeOf(loadMigration(broken!))).toMatch(/SHIPGATE_MIGRATION_LOAD_FAILED: migration .*0002-broken\.js could not be loaded/);
  });

  it('an edited migration loads afresh in the same process: CommonJS (require), ES module syntax in a .js, .mjs', async () => {
    for (const [name, v1, v2] of [
      ['0001-cjs.js', "module.exports = { up: async () => 'one' };\n", "module.exports = { up: async () => 'two' };\n"],
      ['0001-esm.js', "export async function up() { return 'one'; }\n", "export async function up() { return 'two'; }\n"],
      ['0001-esm.mjs', "export async function up() { return 'one'; }\n", "export async function up() { return 'two'; }\n"],
      ['0001-cjs.cjs', "exports.up = async () => 'one';\n", "exports.up = async () => 'two';\n"],
    ] as const) {
      const dir = await migrationDir({ [name]: v1 });
      const [first] = await discoverMigrations(dir);
      expect(await (await loadMigration(first!)).module.up(undefined as never, undefined as never), name).toBe('one');
      await writeMigration(dir, name, v2);
      const [second] = await discoverMigrations(dir);
      expect(await (await loadMigration(second!)).module.up(undefined as never, undefined as never), name).toBe('two');
      // The first version again (a checksum seen before) is its own, too.
      await writeMigration(dir, name, v1);
      const [third] = await discoverMigrations(dir);
      expect(await (await loadMigration(third!)).module.up(undefined as never, undefined as never), name).toBe('one');
    }
    const esmPackage = await migrationDir({ 'package.json': '{"type":"module"}', '0001-a.js': "export async function up() { return 'esm'; }\n" });
    const [esm] = await discoverMigrations(esmPackage);
    expect(await (await loadMigration(esm!)).module.up(undefined as never, undefined as never)).toBe('esm');
  });

  it('loads TypeScript migrations', async () => {
    const [f] = await discoverMigrations(new URL('./fixtures/ts-only', import.meta.url).pathname);
    const m = await loadMigration(f!);
    expect(m.module.description).toBe('a TypeScript fixture');
  });
});

describe('status and checksum drift', () => {
  it('reports applied, pending and drifted; drift and gaps before an applied migration are errors', async () => {
    const dbName = t.freshName('drift');
    const dir = await migrationDir({ '0001-a.js': js.insert('a', 2), '0003-c.js': js.insert('c', 1) });
    const target = openMigrationTarget({ client: t.client, dbName, dir, label: 'test' });
    let s = await migrationStatus(target);
    expect(s.entries.map((e) => [e.id, e.state])).toEqual([['0001-a', 'pending'], ['0003-c', 'pending']]);
    const r = await applyMigrations(target, { actor: 'tester', releaseId: 'r1' });
    expect(r.ok).toBe(true);
    s = await migrationStatus(target);
    expect(s.entries.map((e) => e.state)).toEqual(['applied', 'applied']);
    const entry = await target.changelog().findOne({ _id: '0001-a' });
    expect(entry).toMatchObject({ releaseId: 'r1', appliedBy: 'tester', checksum: s.entries[0]?.checksum });
    expect(entry?.appliedAt).toBeInstanceOf(Date);
    expect(typeof entry?.durationMs).toBe('number');

    // A new file numbered before the applied 0003 is a gap filled late: an error naming it.
    await writeMigration(dir, '0002-b.js', js.insert('b', 1));
    expect(await codeOf(runnableStatus(target))).toMatch(/SHIPGATE_MIGRATION_OUT_OF_ORDER.*0002-b\.js/s);
    await removeMigration(dir, '0002-b.js');

    // Editing an applied file is drift, never a silent re-run.
    await writeMigration(dir, '0001-a.js', js.insert('a', 3));
    s = await migrationStatus(target);
    expect(s.entries.find((e) => e.id === '0001-a')?.state).toBe('drifted');
    expect(await codeOf(applyMigrations(target, { actor: 'tester' }))).toMatch(/SHIPGATE_MIGRATION_DRIFT.*0001-a\.js/s);
    expect(await t.client.db(dbName).collection('a').countDocuments()).toBe(2);

    // Deleting an applied file is an error too.
    await removeMigration(dir, '0001-a.js');
    expect(await codeOf(runnableStatus(target))).toMatch(/SHIPGATE_MIGRATION_FILE_MISSING.*0001-a/s);
  });
});
