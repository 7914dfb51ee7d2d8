/**
 * Providers are built when their environment is used (issue 11, item 4): a staging job has only
 * staging's secrets, `shipgate status` has none; production's missing token fails the first
 * production stage that writes — before its backup or migrations — naming the variable.
 * Config shaped like docs/examples/railway-cloudflare.yml (production on Railway slots behind
 * Cloudflare); staging deploys through a deploy hook (the loopback deploy-hook fake), so staging
 * has a secret of its own that must be read. Real store and databases (FerretDB).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { useTestDatabase } from '../testing/mongo.ts';
import { startDeployHookFake, type DeployHookFake } from '../testing/fakes/deploy-hook.ts';
import { parseConfigText } from '../config/load.ts';
import { mongoUriWithDb } from '../mongo/connect.ts';
import { repoRoot } from '../mongo/embedded.ts';
import { buildReleaseSystem, type ReleaseSystem } from './factory.ts';
import { runRelease } from './runner.ts';
import { approveRelease } from './decide.ts';
import { environmentStatus } from './status.ts';
import type { ShipgateConfig } from '../config/schema.ts';

vi.setConfig({ testTimeout: 120_000 });
const t = useTestDatabase('lazyprov');
let hook: DeployHookFake;
let repo: string;
let config: ShipgateConfig;
let stagingDb: string;
let productionDb: string;
let storeDb: string;
const opened: ReleaseSystem[] = [];

const MIGRATION = `export async function up(db) {\n  await db.collection('notes').createIndex({ createdAt: -1 });\n}\n`;

beforeAll(async () => {
  hook = await startDeployHookFake({ secret: 'stagingsecretpath', statuses: ['live'] });
  // A user's repository (inside the checkout's git-ignored .shipgate so TypeScript migrations load);
  // its migrations folder is relative to it, and the tests run with the cwd elsewhere.
  await mkdir(join(repoRoot, '.shipgate/worlds'), { recursive: true });
  repo = await mkdtemp(join(repoRoot, '.shipgate/worlds/lazy-'));
  await mkdir(join(repo, 'db/migrations'), { recursive: true });
  await writeFile(join(repo, 'db/migrations/0001-notes-created-at.ts'), MIGRATION);
  const text = stringify({
    app: { name: 'notes', start: 'node server.js' },
    migrations: { dir: 'db/migrations' },
    environments: {
      staging: { url: 'https://staging.example.com', deploy: { provider: 'webhook', urlEnv: 'STAGING_DEPLOY_HOOK', statusUrlEnv: 'STAGING_DEPLOY_STATUS', timeout: '30s' }, database: { uriEnv: 'STAGING_MONGODB_URI' } },
      production: {
        protected: true,
        url: 'https://example.com',
        deploy: { provider: 'railway', projectId: '3f2b9c1e-8a4d-4f6b-9e2a-1c5d7b8a9f01', service: 'api', environment: 'production', tokenEnv: 'PRODUCTION_RAILWAY_TOKEN', slots: ['blue', 'green'], slotServices: { blue: 'api-blue', green: 'api-green' } },
        database: { uriEnv: 'PRODUCTION_MONGODB_URI', backup: true },
        dns: { provider: 'cloudflare', zoneEnv: 'CF_ZONE_ID', record: 'example.com' },
      },
    },
    gates: { health: { enabled: false }, smoke: { enabled: false } },
    // Off here: these tests are about when providers are built; preflight would judge the loopback
    // databases of remote environments and look up example.com for TLS (preflight has its own tests).
    preflight: { enabled: false },
    people: [{ name: 'ana', slack: 'U012ABC', github: 'ana-dev' }, { name: 'sam', slack: 'U056GHI', github: 'sam-gh' }],
    approval: { approvers: ['ana'], minApprovals: 1, expiresAfter: '1h' },
  });
  await writeFile(join(repo, 'shipgate.yml'), text);
  config = parseConfigText(text, 'shipgate.yml');
  stagingDb = t.freshName('staging');
  productionDb = t.freshName('production');
  storeDb = t.freshName('store');
});

afterAll(async () => {
  await Promise.all(opened.map((s) => s.close()));
  await hook?.close();
  if (repo) await rm(repo, { recursive: true, force: true });
});

/** Staging's secrets, as the staging job of the caller workflow has them. */
const stagingSecrets = () => ({
  STAGING_MONGODB_URI: mongoUriWithDb(t.uri, stagingDb),
  STAGING_DEPLOY_HOOK: hook.hookUrl,
  STAGING_DEPLOY_STATUS: hook.statusUrl,
});

async function system(env: Record<string, string>): Promise<ReleaseSystem> {
  const s = await buildReleaseSystem({ config, env, repoRoot: repo, localStateDir: join(repo, 'state'), storeClient: t.client, storeDbName: storeDb, actor: 'test' });
  opened.push(s);
  return s;
}

describe('providers are built when their environment is used', () => {
  it('a staging release starts and runs with staging\'s secrets only; migrations come from the repository\'s folder, not the cwd\'s', async () => {
    expect(process.cwd()).not.toBe(repo);
    const s = await system(stagingSecrets());
    const r = await s.createRelease({ to: 'staging', ref: 'main', sha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678', version: '1.0.0', requester: { via: 'cli', id: 'sam' } });
    const done = await runRelease(s.runnerDeps({ waitForApproval: async () => 'pending' }), r._id);
    expect(done.status, done.reason).toBe('succeeded');
    expect(hook.hookCalls).toHaveLength(1);
    expect(done.deployments.staging?.url).toBe('https://staging.example.com');
    const applied = await t.client.db(stagingDb).collection('shipgate_migrations').find().toArray();
    expect(applied.map((m) => m.id ?? m._id)).toEqual(['0001-notes-created-at']);
  });

  it('status shows every environment with no provider secret and no database variable set', async () => {
    const s = await system({});
    const lines = (await environmentStatus(s)).join('\n');
    expect(lines).toMatch(/^staging\n {2}version 1\.0\.0 \(a1b2c3d\) at https:\/\/staging\.example\.com/);
    expect(lines).toMatch(/production \(protected\)\n {2}nothing released yet\n {2}public: https:\/\/example\.com/);
  });

  it('promoting to production without production\'s provider secrets fails closed at the first production write, naming the variable — the database untouched', async () => {
    // The staging job's variables plus production's read-only database (for the approval's plan).
    const s = await system({ ...stagingSecrets(), PRODUCTION_MONGODB_URI: mongoUriWithDb(t.uri, productionDb) });
    const r = await s.createRelease({ to: 'production', ref: 'main', sha: 'b1b2c3d4e5f60718293a4b5c6d7e8f9012345678', version: '1.1.0', requester: { via: 'cli', id: 'sam' } });
    const waiting = await runRelease(s.runnerDeps({ waitForApproval: async () => 'pending' }), r._id);
    expect(waiting.status, waiting.reason).toBe('awaiting_approval');
    expect(waiting.targetPlan?.pending).toEqual(['0001-notes-created-at']);
    await approveRelease({ store: s.store, audit: s.audit, policy: s.policy }, r._id, { via: 'cli', id: 'ana' });
    const out = await runRelease(s.runnerDeps({ waitForApproval: async () => 'approved' }), r._id);
    expect(out.status).toBe('failed');
    expect(out.reason).toMatch(/^production\/backup error: SHIPGATE_ENV_MISSING: environment variable PRODUCTION_RAILWAY_TOKEN is not set \(Railway API token for production\)/);
    const prod = out.stages.filter((st) => st.env === 'production');
    expect(prod.find((st) => st.name === 'backup')?.status).toBe('error');
    expect(prod.filter((st) => ['migrate-apply', 'deploy', 'cutover'].includes(st.name)).map((st) => st.status)).toEqual(['pending', 'pending', 'pending']);
    expect(await t.client.db(productionDb).collection('shipgate_migrations').countDocuments()).toBe(0);
    expect(out.backups?.production).toBeUndefined();

    // With the Railway token but not Cloudflare's, it is the Cloudflare variable that is named.
    const s2 = await system({ ...stagingSecrets(), PRODUCTION_MONGODB_URI: mongoUriWithDb(t.uri, productionDb), PRODUCTION_RAILWAY_TOKEN: 'rw-token-not-used' });
    const r2 = await s2.createRelease({ to: 'production', ref: 'main', sha: 'c1b2c3d4e5f60718293a4b5c6d7e8f9012345678', version: '1.2.0', requester: { via: 'cli', id: 'sam' } });
    expect((await runRelease(s2.runnerDeps({ waitForApproval: async () => 'pending' }), r2._id)).status).toBe('awaiting_approval');
    await approveRelease({ store: s2.store, audit: s2.audit, policy: s2.policy }, r2._id, { via: 'cli', id: 'ana' });
    const out2 = await runRelease(s2.runnerDeps({ waitForApproval: async () => 'approved' }), r2._id);
    expect(out2.reason).toMatch(/SHIPGATE_ENV_MISSING: environment variable CF_API_TOKEN is not set \(Cloudflare API token for production\)/);
    expect(await t.client.db(productionDb).collection('shipgate_migrations').countDocuments()).toBe(0);
  });
});
