/**
 * The migrations PR check for a good, a risky and an invalid migration: lint against the base
 * branch of a real git repository, plan against a real staging database (FerretDB) on which the
 * base migrations are applied. What reviewers read is pinned in golden files
 * (UPDATE_GOLDEN=1 rewrites them).
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { seedSampleData } from '../../app/seed.ts';
import { repoRoot } from '../../pipeline/mongo/embedded.ts';
import { applyMigrations } from '../../pipeline/migrate/apply.ts';
import { openMigrationTarget, type MigrationTarget } from '../../pipeline/migrate/target.ts';
import { useTestDatabase } from '../../pipeline/testing/mongo.ts';
import { collectMigrationCheck } from './migration-check-collect.ts';
import type { MigrationCheck } from './migration-check.ts';

vi.setConfig({ testTimeout: 120_000 });
const t = useTestDatabase('ghcheck');
const git = promisify(execFile);
let repo: string;
let dbName: string;

beforeAll(async () => {
  await mkdir(join(repoRoot, '.shipgate/worlds'), { recursive: true });
  repo = await mkdtemp(join(repoRoot, '.shipgate/worlds/pr-'));
  await cp(join(repoRoot, 'app/migrations'), join(repo, 'app/migrations'), { recursive: true });
  const g = (...args: string[]) => git('git', args, { cwd: repo });
  await g('init', '-q', '-b', 'main');
  await g('add', '.');
  await g('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'base');
  dbName = t.freshName('staging');
  const target = openMigrationTarget({ client: t.client, dbName, dir: join(repo, 'app/migrations'), label: 'staging' });
  await seedSampleData(target.db);
  await applyMigrations(target, { actor: 'test' });
}, 120_000);
afterAll(async () => {
  await rm(repo, { recursive: true, force: true });
});

const staging = (): MigrationTarget => openMigrationTarget({ client: t.client, dbName, dir: join(repo, 'app/migrations'), label: 'staging' });

async function withFiles(files: Record<string, string | null>, body: () => Promise<void>): Promise<void> {
  const originals: Record<string, string | null> = {};
  for (const [name, text] of Object.entries(files)) {
    const p = join(repo, 'app/migrations', name);
    originals[name] = await readFile(p, 'utf8').catch(() => null);
    if (text !== null) await writeFile(p, text);
  }
  try {
    await body();
  } finally {
    for (const [name, text] of Object.entries(originals)) {
      const p = join(repo, 'app/migrations', name);
      if (text === null) await rm(p, { force: true });
      else await writeFile(p, text);
    }
  }
}

/** The check as people see it, with the per-run database name and digest replaced. */
function readable(c: MigrationCheck): string {
  const text = [`conclusion: ${c.conclusion}`, `title: ${c.title}`, '', c.summary, '', '--- annotations ---', ...c.annotations.map((a) => `${a.annotation_level} ${a.path}:${a.start_line} ${a.title}: ${a.message}`)].join('\n');
  return `${text.replaceAll(dbName, '<staging-db>').replace(/`[0-9a-f]{64}`/g, '`<digest>`')}\n`;
}

async function golden(name: string, actual: string): Promise<void> {
  const file = join(repoRoot, 'bot/github/golden', name);
  if (process.env.UPDATE_GOLDEN) await writeFile(file, actual);
  expect(actual).toBe(await readFile(file, 'utf8'));
}

describe('migrations PR check', () => {
  it('a good migration: success, the plan table against staging, no annotations', async () => {
    await withFiles({ '0004-notes-pinned-flag.ts': `export const description = 'Every note gets pinned: false';\nexport async function up(db) {\n  await db.collection('notes').updateMany({ pinned: { $exists: false } }, { $set: { pinned: false } });\n  await db.collection('notes').createIndex({ pinned: 1, createdAt: -1 }, { name: 'pinned_created' });\n}\n` }, async () => {
      const c = await collectMigrationCheck({ repoDir: repo, dir: 'app/migrations', baseRef: 'main', staging: staging() });
      expect(c.conclusion).toBe('success');
      expect(c.annotations).toEqual([]);
      expect(c.summary).toContain('0004-notes-pinned-flag');
      await golden('pr-check-good.md', readable(c));
    });
  });

  it('a risky migration: neutral, risks listed, an annotation on the line of the drop()', async () => {
    const source = `export const description = 'Retire archived notes';\nexport const irreversible = true;\n\nexport async function up(db) {\n  await db.collection('notes').deleteMany({ archived: true });\n  await db.collection('tags').drop();\n}\n`;
    await withFiles({ '0004-retire-archived.ts': source }, async () => {
      const c = await collectMigrationCheck({ repoDir: repo, dir: 'app/migrations', baseRef: 'main', staging: staging() });
      expect(c.conclusion).toBe('neutral');
      const drop = c.annotations.find((a) => a.message.startsWith('drops a collection'));
      expect(drop).toMatchObject({ path: 'app/migrations/0004-retire-archived.ts', start_line: 6, annotation_level: 'warning' });
      expect(c.annotations.find((a) => a.title.endsWith('irreversible'))?.start_line).toBe(2);
      await golden('pr-check-risky.md', readable(c));
    });
  });

  it('an invalid migration: failure for an edited applied migration and a file without up(), plan not run', async () => {
    const edited = `${await readFile(join(repo, 'app/migrations/0001-notes-created-at-index.ts'), 'utf8')}\n// tweak\n`;
    await withFiles({ '0001-notes-created-at-index.ts': edited, '0004-half-done.ts': `export const description = 'forgot the body';\n` }, async () => {
      const c = await collectMigrationCheck({ repoDir: repo, dir: 'app/migrations', baseRef: 'main', staging: staging() });
      expect(c.conclusion).toBe('failure');
      expect(c.annotations.filter((a) => a.annotation_level === 'failure').map((a) => a.path).sort()).toEqual(['app/migrations/0001-notes-created-at-index.ts', 'app/migrations/0004-half-done.ts']);
      expect(c.summary).toContain('Not run: fix the lint errors first.');
      await golden('pr-check-invalid.md', readable(c));
    });
  });

  it('without a staging database the plan is named as not run, and the lint still decides', async () => {
    await withFiles({ '0004-notes-tags-index.ts': `export async function up(db) { await db.collection('notes').createIndex({ pinned: 1 }); }\n` }, async () => {
      const c = await collectMigrationCheck({ repoDir: repo, dir: 'app/migrations', baseRef: 'main', noStagingReason: 'STAGING_MONGODB_URI is not set for pull requests' });
      expect(c.conclusion).toBe('success');
      expect(c.summary).toContain('Not run against staging: STAGING_MONGODB_URI is not set for pull requests.');
    });
  });
});
