/**
 * The staging job of the caller workflow (release.yml) runs with staging's secrets only (issue 11,
 * item 4 and its done-means). The bundled actions run as the Actions runner runs them (node
 * dist/index.js, INPUT_*, GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files), in the order release.yml
 * has them, for a user's repository in a temp folder (GITHUB_WORKSPACE) whose config has the shape
 * of docs/examples/railway-cloudflare.yml: production on Railway slots behind Cloudflare. Staging
 * deploys through a deploy hook (the loopback deploy-hook fake) and its health is a loopback
 * server. The job's env holds staging's variables and production's read-only database (as
 * release.yml gives it) — no RAILWAY_TOKEN, CF_API_TOKEN or CF_ZONE_ID. Each step runs with its cwd
 * in the action's own folder, as a `uses:` step may: paths must resolve against GITHUB_WORKSPACE.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { useTestDatabase } from '../../../pipeline/testing/mongo.ts';
import { startDeployHookFake, type DeployHookFake } from '../../../pipeline/testing/fakes/deploy-hook.ts';
import { mongoUriWithDb } from '../../../pipeline/mongo/connect.ts';
import { buildActions, runActionProcess, type ActionRun } from '../../../bot/github/testing/run-action.ts';

vi.setConfig({ testTimeout: 300_000 });
const t = useTestDatabase('stagingjob');
let bundles: string;
let hook: DeployHookFake;
let health: Server;
let repo: string;

beforeAll(async () => {
  bundles = await buildActions();
  hook = await startDeployHookFake({ secret: 'stagingdeploysecret', statuses: ['live'] });
  health = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(req.url === '/health' ? { status: 'ok', version: '1.0.0', db: 'ok' } : {}));
  });
  await new Promise<void>((r) => health.listen(0, '127.0.0.1', () => r()));
  const stagingUrl = `http://127.0.0.1:${(health.address() as AddressInfo).port}`;
  // The user's repository, outside the Shipgate checkout.
  repo = await mkdtemp(join(tmpdir(), 'shipgate-user-repo-'));
  await mkdir(join(repo, '.github'), { recursive: true });
  await mkdir(join(repo, 'db/migrations'), { recursive: true });
  await writeFile(join(repo, 'db/migrations/0001-notes-created-at.js'), `export async function up(db) {\n  await db.collection('notes').createIndex({ createdAt: -1 });\n}\n`);
  await writeFile(join(repo, 'db/migrations/package.json'), '{ "type": "module" }\n');
  await writeFile(join(repo, '.github/shipgate.yml'), stringify({
    app: { name: 'notes', start: 'node server.js' },
    migrations: { dir: 'db/migrations' },
    environments: {
      staging: { url: stagingUrl, deploy: { provider: 'webhook', urlEnv: 'STAGING_DEPLOY_HOOK', statusUrlEnv: 'STAGING_DEPLOY_STATUS', timeout: '30s' }, database: { uriEnv: 'STAGING_MONGODB_URI' } },
      production: {
        protected: true,
        url: 'https://example.com',
        deploy: { provider: 'railway', projectId: '3f2b9c1e-8a4d-4f6b-9e2a-1c5d7b8a9f01', service: 'api', environment: 'production', slots: ['blue', 'green'], slotServices: { blue: 'api-blue', green: 'api-green' } },
        database: { uriEnv: 'PRODUCTION_MONGODB_URI', backup: true },
        dns: { provider: 'cloudflare', zoneEnv: 'CF_ZONE_ID', record: 'example.com' },
      },
    },
    gates: { health: { path: '/health', consecutive: 1, interval: '100ms', timeout: '20s' }, smoke: { enabled: false } },
    people: [{ name: 'ana', slack: 'U012ABC', github: 'ana-dev' }, { name: 'sam', slack: 'U056GHI', github: 'sam-gh' }],
    approval: { approvers: ['ana'], minApprovals: 1, expiresAfter: '1h' },
  }));
}, 300_000);

afterAll(async () => {
  await hook?.close();
  health?.close();
  if (repo) await rm(repo, { recursive: true, force: true });
  if (bundles) await rm(bundles, { recursive: true, force: true });
});

const PRODUCTION_PROVIDER_VARIABLES = ['RAILWAY_TOKEN', 'CF_API_TOKEN', 'CF_ZONE_ID'];

it('release.yml\'s staging job — start, migrate, deploy, verify, request-approval — runs with staging\'s variables only', async () => {
  const stagingDb = t.freshName('staging');
  const storeDb = t.freshName('store');
  const jobEnv = {
    GITHUB_REPOSITORY: 'octo-org/notes', GITHUB_RUN_ID: '777', GITHUB_ACTOR: 'sam-gh', GITHUB_WORKSPACE: repo,
    SHIPGATE_STORE_URI: t.uriFor(storeDb),
    STAGING_MONGODB_URI: mongoUriWithDb(t.uri, stagingDb),
    STAGING_DEPLOY_HOOK: hook.hookUrl,
    STAGING_DEPLOY_STATUS: hook.statusUrl,
    // release.yml gives the staging job production's read-only database for the approval's plan.
    PRODUCTION_MONGODB_URI: mongoUriWithDb(t.uri, t.freshName('production')),
  };
  for (const v of PRODUCTION_PROVIDER_VARIABLES) expect(jobEnv).not.toHaveProperty(v);
  const runs: ActionRun[] = [];
  const step = async (action: string, inputs: Record<string, string>) => {
    // A `uses:` step's cwd is not the user's repository here: the action's own folder.
    const run = await runActionProcess(bundles, action, { inputs, env: jobEnv, cwd: join(bundles, action) });
    runs.push(run);
    expect(run.code, `${action} ${JSON.stringify(inputs)}\n${run.log}\n${run.summary}`).toBe(0);
    return run;
  };

  const start = await step('release', { step: 'start', to: 'production', ref: 'main', sha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678', version: '1.0.0' });
  const id = start.outputs['release-id']!;
  expect(id).toMatch(/^rel-/);
  await step('migrate', { step: 'plan,rehearse,apply', release: id, environment: 'staging' });
  await step('promote', { step: 'deploy', release: id, environment: 'staging' });
  await step('verify', { gates: 'health,smoke,load', release: id, environment: 'staging' });
  const approval = await step('release', { step: 'request-approval', release: id });

  expect(approval.outputs.status).toBe('awaiting_approval');
  const record = await t.client.db(storeDb).collection<{ _id: string; stages: Array<{ key: string; status: string }> }>('releases').findOne({ _id: id });
  expect(record?.stages.filter((s) => s.key.startsWith('staging/')).map((s) => `${s.key} ${s.status}`)).toEqual(
    ['staging/preflight passed', 'staging/migrate-plan passed', 'staging/migrate-rehearse passed', 'staging/migrate-apply passed', 'staging/deploy passed', 'staging/health passed'],
  );
  expect(hook.hookCalls).toHaveLength(1);
  const applied = await t.client.db(stagingDb).collection('shipgate_migrations').find().toArray();
  expect(applied.map((m) => m.id ?? m._id)).toEqual(['0001-notes-created-at']);
  const all = runs.map((r) => `${r.log}\n${r.summary}`).join('\n');
  // The job summary of the migrate step carries the preflight table (every check, failures first).
  expect(runs.map((r) => r.summary).join('\n')).toMatch(/#### staging\/preflight[\s\S]*\| ✅ \| Shipgate's variables for staging \|/);
  expect(all).not.toContain('SHIPGATE_ENV_MISSING');
  for (const v of PRODUCTION_PROVIDER_VARIABLES) expect(all).not.toContain(v);
});
