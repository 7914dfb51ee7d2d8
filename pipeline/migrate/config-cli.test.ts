/**
 * `shipgate migrate` driven by the user's repository config (issue 11 #3): a repository of its own
 * (outside Shipgate's checkout) with .github/shipgate.yml naming its migrations folder, changelog
 * collection and a protected production; the CLI run as a real process from inside it.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../mongo/embedded.ts';
import { useTestDatabase } from '../testing/mongo.ts';
import { applyMigrations } from './apply.ts';
import { openMigrationTarget } from './target.ts';
import { js, snapshotDb } from './test-helpers.ts';

const t = useTestDatabase('cfgcli');

interface Run { code: number | null; stdout: string; stderr: string }

function shipgate(args: string[], cwd: string, env: Record<string, string | undefined>): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin/shipgate.js'), ...args], { cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const CONFIG = `app: { name: shop, start: node server.js }
migrations:
  dir: db/migrations
  changelogCollection: shop_changelog
environments:
  staging:
    deploy: { provider: process }
    database: { uriEnv: SHOP_STAGING_URI }
    deployers: [ana]
  production:
    protected: true
    deploy: { provider: process }
    database: { uriEnv: SHOP_PRODUCTION_URI }
people:
  - { name: ana, slack: U012ABC }
  - { name: raj, slack: U034DEF }
approval: { approvers: [raj] }
`;

/** A user's repository in a temp folder: .git, .github/shipgate.yml, db/migrations with two migrations, a src/ subfolder. */
async function userRepo(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'shipgate-userrepo-'));
  await mkdir(join(root, '.git'));
  await mkdir(join(root, '.github'));
  await mkdir(join(root, 'db/migrations'), { recursive: true });
  await mkdir(join(root, 'src'));
  await writeFile(join(root, '.github/shipgate.yml'), CONFIG);
  await writeFile(join(root, 'db/migrations/0001-seed.mjs'), js.insert('items', 2));
  await writeFile(join(root, 'db/migrations/0002-flag.mjs'), js.setField('items', 'flagged'));
  return root;
}

describe('shipgate migrate, config-driven', () => {
  it("status reads the config's changelogCollection: migrations applied there show as applied, not pending", async () => {
    const root = await userRepo();
    const db = t.freshName('cl');
    // Applied by a release (which uses the config's changelog collection).
    const target = openMigrationTarget({ client: t.client, dbName: db, dir: join(root, 'db/migrations'), changelogCollection: 'shop_changelog' });
    expect((await applyMigrations(target, { actor: 'release' })).applied).toHaveLength(2);
    const s = await shipgate(['migrate', 'status', '--uri-env', 'SHOP_STAGING_URI', '--dir', 'db/migrations'], root, { SHOP_STAGING_URI: t.uriFor(db) });
    expect(s.stderr).not.toContain('SHIPGATE_');
    expect(s.code).toBe(0);
    expect(s.stdout).toMatch(/applied\s+0001-seed/);
    expect(s.stdout).toMatch(/applied\s+0002-flag/);
    expect(s.stdout).not.toContain('pending');
    // And apply runs nothing a second time (nor creates Shipgate's default changelog).
    const a = await shipgate(['migrate', 'apply', '--env', 'staging', '--as', 'ana'], root, { SHOP_STAGING_URI: t.uriFor(db) });
    expect(a.stderr).not.toContain('SHIPGATE_');
    expect(a.stdout).toContain('applied: none');
    expect(await t.client.db(db).collection('items').countDocuments()).toBe(2);
    expect(await t.client.db(db).listCollections({ name: 'shipgate_migrations' }).toArray()).toEqual([]);
  });

  it("plan from a subfolder of the user's repository, or from Shipgate's checkout with -f, plans the user's folder (not app/migrations)", async () => {
    const root = await userRepo();
    const db = t.freshName('pl');
    const env = { SHOP_STAGING_URI: t.uriFor(db) };
    const fromSub = await shipgate(['migrate', 'plan', '--env', 'staging', '--json'], join(root, 'src'), env);
    expect(fromSub.stderr).not.toContain('SHIPGATE_');
    expect(fromSub.code).toBe(0);
    const plan = JSON.parse(fromSub.stdout) as { target: { label: string; db: string }; pending: Array<{ id: string }> };
    expect(plan.target).toEqual({ label: 'staging', db });
    expect(plan.pending.map((p) => p.id)).toEqual(['0001-seed', '0002-flag']);
    const fromShipgate = await shipgate(['migrate', 'plan', '-f', join(root, '.github/shipgate.yml'), '--env', 'staging', '--json'], repoRoot, env);
    expect(fromShipgate.stderr).not.toContain('SHIPGATE_');
    expect((JSON.parse(fromShipgate.stdout) as typeof plan).pending.map((p) => p.id)).toEqual(['0001-seed', '0002-flag']);
    const status = await shipgate(['migrate', 'status', '--env', 'staging'], join(root, 'src'), env);
    expect(status.stdout).toContain(`in ${join(root, 'db/migrations')}`);
    expect(await t.client.db(db).listCollections().toArray()).toEqual([]);
  });

  it('apply/down/restore/adopt --env production refuse without an approval, naming production and the way through a release; nothing written', async () => {
    const root = await userRepo();
    const db = t.freshName('pd');
    await t.client.db(db).collection('items').insertOne({ n: 1 });
    const before = await snapshotDb(t.client.db(db));
    const env = { SHOP_PRODUCTION_URI: t.uriFor(db) };
    for (const args of [['apply'], ['down', '--to', '0'], ['restore', 'sgbackupmanual20260101000000'], ['adopt', '--from', 'migrate-mongo']]) {
      const r = await shipgate(['migrate', ...args, '--env', 'production', '--as', 'raj'], root, env);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toContain('SHIPGATE_APPROVAL_REQUIRED: production is protected (environments.production in .github/shipgate.yml is protected: true)');
      expect(r.stderr).toContain('shipgate release --to production');
    }
    // --uri-env naming production's variable, without --env: the config's protection still applies.
    const byVar = await shipgate(['migrate', 'apply', '--uri-env', 'SHOP_PRODUCTION_URI'], join(root, 'src'), env);
    expect(byVar.code).toBe(1);
    expect(byVar.stderr).toContain('SHIPGATE_APPROVAL_REQUIRED');
    // --env staging with --uri-env pointing at production's database: still protected (never weaker).
    const aliased = await shipgate(['migrate', 'apply', '--env', 'staging', '--uri-env', 'OTHER_URI', '--as', 'ana'], root, { ...env, OTHER_URI: t.uriFor(db) });
    expect(aliased.code).toBe(1);
    expect(aliased.stderr).toContain('SHIPGATE_APPROVAL_REQUIRED');
    expect(await snapshotDb(t.client.db(db))).toBe(before);
  });

  it('-f/--config and --as are accepted on every subcommand; --as is who the changelog records, and the deployer rule applies to it', async () => {
    const root = await userRepo();
    const db = t.freshName('as');
    const env = { SHOP_STAGING_URI: t.uriFor(db) };
    const cfg = join(root, '.github/shipgate.yml');
    for (const sub of ['status', 'plan', 'rehearse']) {
      const r = await shipgate(['migrate', sub, '--config', cfg, '--as', 'ana', '--env', 'staging'], tmpdir(), env);
      expect(r.stderr, sub).not.toContain('SHIPGATE_');
      expect(r.code, sub).toBe(0);
    }
    const refused = await shipgate(['migrate', 'apply', '-f', cfg, '--env', 'staging', '--as', 'bob'], tmpdir(), env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('SHIPGATE_NOT_A_DEPLOYER: bob may not release to staging');
    const applied = await shipgate(['migrate', 'apply', '-f', cfg, '--env', 'staging', '--as', 'ana'], tmpdir(), env);
    expect(applied.stderr).not.toContain('SHIPGATE_');
    expect(applied.stdout).toContain('applied: 0001-seed');
    const status = await shipgate(['migrate', 'status', '-f', cfg, '--env', 'staging'], tmpdir(), env);
    expect(status.stdout).toMatch(/applied\s+0002-flag applied .* by ana/);
    const changelog = await t.client.db(db).collection('shop_changelog').find({}).toArray();
    expect(changelog.map((e) => e.appliedBy)).toEqual(['ana', 'ana']);
    const missing = await shipgate(['migrate', 'status', '-f', join(root, 'nope.yml')], tmpdir(), env);
    expect(missing.stderr).toContain('SHIPGATE_CONFIG_NOT_FOUND');
    const unknown = await shipgate(['migrate', 'status', '--env', 'qa'], root, env);
    expect(unknown.stderr).toContain('SHIPGATE_CONFIG_UNKNOWN_ENV');
  });

  it('without --env or a config, the one-off flags still work (and no folder outside the repository is guessed)', async () => {
    const root = await mkdtemp(join(tmpdir(), 'shipgate-bare-'));
    const db = t.freshName('bf');
    const r = await shipgate(['migrate', 'status'], root, { MONGODB_URI: t.uriFor(db) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`SHIPGATE_MIGRATION_DIR_MISSING: the migrations folder ${join(root, 'app/migrations')} does not exist`);
    expect(existsSync(join(root, '.shipgate'))).toBe(false);
  });
});
