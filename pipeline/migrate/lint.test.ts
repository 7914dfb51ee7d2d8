import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isShipgateError } from '../errors.ts';
import { lintMigrations, renderLintMarkdown, renderLintText } from './lint.ts';

const up = (body = "await db.collection('a').insertOne({})") => `export async function up(db) { ${body}; }\n`;

async function repoWithBase(files: Record<string, string>): Promise<{ repo: string; dir: string }> {
  const repo = await mkdtemp(join(tmpdir(), 'shipgate-lint-'));
  const dir = join(repo, 'app', 'migrations');
  await mkdir(dir, { recursive: true });
  for (const [n, s] of Object.entries(files)) await writeFile(join(dir, n), s);
  const g = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: repo, stdio: 'pipe' });
  g('init', '-q', '-b', 'main');
  g('add', '.');
  g('commit', '-qm', 'base');
  g('tag', 'base');
  return { repo, dir };
}

describe('migrate lint --base', () => {
  it('passes an appended migration and flags destructive and irreversible ones as risks', async () => {
    const { repo, dir } = await repoWithBase({ '0001-a.ts': up(), '0002-b.ts': up() });
    await writeFile(join(dir, '0003-c.ts'), `export const irreversible = true;\n${up("await db.collection('old').drop(); await db.collection('x').deleteMany({})")}`);
    const r = await lintMigrations({ dir, baseRef: 'base', repoDir: repo });
    expect(r.ok).toBe(true);
    expect(r.newMigrations).toEqual(['0003-c.ts']);
    expect(r.findings.map((f) => [f.file, f.severity, f.rule])).toEqual([
      ['0003-c.ts', 'risk', 'destructive'], ['0003-c.ts', 'risk', 'destructive'], ['0003-c.ts', 'risk', 'irreversible'],
    ]);
    expect(renderLintText(r)).toMatch(/^✓ migrations lint against base: 1 new, 0 error\(s\), 3 risk\(s\)/);
    expect(renderLintMarkdown(r)).toContain('| :warning: risk | `0003-c.ts` | deleteMany without a filter deletes every document |');
  });

  it('catches an edited applied migration, a removed one, a reordered one and a missing up', async () => {
    const { repo, dir } = await repoWithBase({ '0001-a.ts': up(), '0002-b.ts': up(), '0003-c.ts': up("await db.collection('c').insertOne({})") });
    await writeFile(join(dir, '0001-a.ts'), up("await db.collection('a').insertOne({ edited: true })"));
    await rename(join(dir, '0003-c.ts'), join(dir, '0004-c.ts'));
    await writeFile(join(dir, '0002-new.ts'), up());
    await writeFile(join(dir, '0005-noup.ts'), 'export async function down() {}\n');
    const r = await lintMigrations({ dir, baseRef: 'base', repoDir: repo });
    expect(r.ok).toBe(false);
    const errors = r.findings.filter((f) => f.severity === 'error').map((f) => `${f.file} ${f.rule}`);
    expect(errors.sort()).toEqual(['0001-a.ts edited', '0002-new.ts duplicate', '0002-new.ts order', '0003-c.ts removed', '0005-noup.ts no-up'].sort());
    expect(r.findings.find((f) => f.rule === 'removed')?.message).toContain('renumbered to 0004-c.ts');
    expect(r.findings.find((f) => f.rule === 'order')?.message).toContain('not after the highest on base (0003)');
    await rm(join(dir, '0002-new.ts'));
    const again = await lintMigrations({ dir, baseRef: 'base', repoDir: repo });
    expect(again.findings.some((f) => f.file === '0002-new.ts')).toBe(false);
  });

  it('accepts migrate-mongo style CommonJS migrations and flags migrations that open their own connection', async () => {
    const { repo, dir } = await repoWithBase({ '0001-a.js': up() });
    await writeFile(join(dir, '0002-mm.js'), "module.exports = {\n  async up(db, client) {\n    await client.db().collection('a').updateMany({}, { $set: { b: 1 } });\n  },\n};\n");
    await writeFile(join(dir, '0003-own.js'), "const { MongoClient } = require('mongodb');\nexports.up = async () => { const c = new MongoClient(process.env.PRODUCTION_MONGODB_URI); await c.db().collection('a').deleteMany({ x: 1 }); };\n");
    const r = await lintMigrations({ dir, baseRef: 'base', repoDir: repo });
    expect(r.ok).toBe(true);
    expect(r.findings.map((f) => [f.file, f.severity, f.rule])).toEqual([['0003-own.js', 'risk', 'connection'], ['0003-own.js', 'risk', 'connection']]);
  });

  it('a base ref that does not exist is an error naming it', async () => {
    const { repo, dir } = await repoWithBase({ '0001-a.ts': up() });
    const err = await lintMigrations({ dir, baseRef: 'origin/nope', repoDir: repo }).catch((e: unknown) => e);
    expect(isShipgateError(err) && err.code).toBe('SHIPGATE_LINT_GIT');
    expect((err as Error).message).toContain('origin/nope');
  });
});
