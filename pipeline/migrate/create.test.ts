/** `shipgate migrate create <name>`: numbering, templates, language, refusals — and the file it writes runs. */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isShipgateError } from '../errors.ts';
import { repoRoot } from '../mongo/embedded.ts';
import { useTestDatabase } from '../testing/mongo.ts';
import { applyMigrations } from './apply.ts';
import { createMigration, timestampOf } from './create.ts';
import { discoverMigrations, loadMigration } from './discover.ts';
import { planMigrations } from './plan.ts';
import { openMigrationTarget } from './target.ts';

const t = useTestDatabase('create');

async function folder(files: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'shipgate-create-'));
  for (const [name, src] of Object.entries(files)) await writeFile(join(dir, name), src);
  return dir;
}

function shipgate(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin/shipgate.js'), ...args], { cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('migrate create', () => {
  it('numbers after the highest (four digits), in the language of the newest file: ESM .js, CommonJS .js, .ts', async () => {
    const esm = await folder({ '0001-a.js': 'export async function up() {}\n', '0007-b.js': 'export async function up(db) { await db.collection("x").findOne({}); }\n' });
    const c1 = await createMigration({ dir: esm, name: 'add-index' });
    expect(c1.id).toBe('0008-add-index');
    expect(c1.path).toBe(join(esm, '0008-add-index.js'));
    const src1 = await readFile(c1.path, 'utf8');
    expect(src1).toContain('export async function up(db, ctx)');
    expect(src1).not.toContain('module.exports');

    const cjs = await folder({ '0002-a.js': 'module.exports = { async up(db) {} };\n' });
    const c2 = await createMigration({ dir: cjs, name: 'backfill_slugs' });
    expect(c2.id).toBe('0003-backfill_slugs');
    expect(await readFile(c2.path, 'utf8')).toContain('module.exports = {');

    const ts = await folder({ '0001-a.ts': 'export async function up() {}\n' });
    const c3 = await createMigration({ dir: ts, name: 'x' });
    expect(c3.path).toBe(join(ts, '0002-x.ts'));
    expect(await readFile(c3.path, 'utf8')).toContain("import type { Migration } from 'shipgate/migrate';");
  });

  it('an empty (or missing) folder: .ts when the repository has a tsconfig.json, else .js in the package.json module system', async () => {
    const repo = await folder({ 'tsconfig.json': '{}' });
    const c = await createMigration({ dir: join(repo, 'db/migrations'), name: 'first', root: repo });
    expect(c.createdDir).toBe(true);
    expect(c.path).toBe(join(repo, 'db/migrations/0001-first.ts'));
    const esmRepo = await folder({ 'package.json': '{"type":"module"}' });
    expect(await readFile((await createMigration({ dir: join(esmRepo, 'm'), name: 'first', root: esmRepo })).path, 'utf8')).toContain('export async function up');
    const cjsRepo = await folder({ 'package.json': '{"name":"x"}' });
    expect(await readFile((await createMigration({ dir: join(cjsRepo, 'm'), name: 'first', root: cjsRepo })).path, 'utf8')).toContain('module.exports');
  });

  it("a migrate-mongo folder gets a UTC timestamp name after the newest, from its own sample-migration.js", async () => {
    const dir = await folder({
      '20990101000000-future.js': 'module.exports = { async up(db, client) {} };\n',
      'sample-migration.js': 'module.exports = {\n  // {{name}} ({{id}})\n  async up(db, client) {},\n  async down(db, client) {},\n};\n',
    });
    const c = await createMigration({ dir, name: 'add_index', now: new Date('2026-12-04T10:11:12Z') });
    expect(c.id).toBe('20990101000001-add_index');
    expect(c.template).toBe(join(dir, 'sample-migration.js'));
    expect(await readFile(c.path, 'utf8')).toContain('// add_index (20990101000001-add_index)');
    const now = await folder({ '20200101000000-old.js': 'module.exports = { async up() {} };\n' });
    expect((await createMigration({ dir: now, name: 'n', now: new Date('2026-12-04T10:11:12Z') })).id).toBe('20261204101112-n');
    expect(timestampOf(new Date('2026-01-02T03:04:05.678Z'))).toBe('20260102030405');
  });

  it('the folder template .template.ts wins; placeholders are replaced', async () => {
    const dir = await folder({ '0001-a.js': 'export async function up() {}\n', '.template.ts': "export const description = '{{description}}';\nexport async function up() {}\n" });
    const c = await createMigration({ dir, name: 'merge-legacy-memos' });
    expect(c.path).toBe(join(dir, '0002-merge-legacy-memos.ts'));
    expect(await readFile(c.path, 'utf8')).toContain("description = 'merge legacy memos'");
  });

  it('refuses names that are not names (SHIPGATE_USAGE naming <name>), writing nothing', async () => {
    const dir = await folder({ '0001-a.js': 'export async function up() {}\n' });
    for (const bad of ['add index', '../escape', '', '-x', 'a.b', 'x'.repeat(81)]) {
      const e = await createMigration({ dir, name: bad }).catch((err: unknown) => err);
      expect(isShipgateError(e) && e.code, bad).toBe('SHIPGATE_USAGE');
      expect((e as Error).message).toContain('<name>');
    }
    expect(await readdir(dir)).toEqual(['0001-a.js']);
  });

  it('the built-in templates load, plan and apply as no-ops (ESM, CommonJS, TypeScript)', async () => {
    for (const seed of [{ 'package.json': '{"type":"module"}' }, { 'package.json': '{}' }, { 'tsconfig.json': '{}' }] as Array<Record<string, string>>) {
      const repo = await folder(seed);
      const dir = join(repo, 'migrations');
      await createMigration({ dir, name: 'noop', root: repo });
      const [file] = await discoverMigrations(dir);
      const m = await loadMigration(file!);
      expect(typeof m.module.up).toBe('function');
      expect(typeof m.module.down).toBe('function');
      const target = openMigrationTarget({ client: t.client, dbName: t.freshName('nt'), dir });
      const plan = await planMigrations(target);
      expect(plan.pending[0]?.writes).toEqual([]);
      expect((await applyMigrations(target, { actor: 'test' })).applied.map((a) => a.id)).toEqual(['0001-noop']);
    }
  });

  it('the CLI writes into the configured folder of the repository around the cwd', async () => {
    const repo = await folder({ 'tsconfig.json': '{}' });
    await mkdir(join(repo, '.github'));
    await mkdir(join(repo, 'src'));
    await writeFile(join(repo, '.github/shipgate.yml'), 'app: { name: x, start: node x.js }\nmigrations: { dir: db/migrations }\nenvironments:\n  staging:\n    deploy: { provider: process }\n    database: { uriEnv: X_URI }\n');
    const r = await shipgate(['migrate', 'create', 'add-index'], join(repo, 'src'));
    expect(r.stderr).not.toContain('SHIPGATE_');
    expect(r.code).toBe(0);
    expect(await readdir(join(repo, 'db/migrations'))).toEqual(['0001-add-index.ts']);
    expect(r.stdout).toContain('0001-add-index.ts');
    const bad = await shipgate(['migrate', 'create', 'add index'], repo);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('SHIPGATE_USAGE: <name> "add index" is not a migration name');
  });
});
