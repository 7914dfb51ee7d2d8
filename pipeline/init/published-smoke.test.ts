/**
 * Issue 11 item 5: the smoke step of a caller workflow, as on a runner. The `verify` bundle runs
 * from a copy of the actions' repository that has no node_modules (what `uses: <owner>/shipgate/
 * .github/actions/verify@v1` checks out), in a user's repository whose `npm ci` installed shipgate
 * (node_modules/shipgate, linked to this checkout) and vitest. The smoke gate must find its vitest
 * runner and config through the user's node_modules/shipgate and run the user's suite.
 */
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestDatabase } from '../testing/mongo.ts';
import { mongoUriWithDb } from '../mongo/connect.ts';
import { shipgateHome } from '../repo.ts';
import { buildActions, runActionProcess } from '../../bot/github/testing/run-action.ts';

vi.setConfig({ testTimeout: 240_000 });
const t = useTestDatabase('publishedsmoke');
let root = '';
let server: Server;
let url = '';
let actionsRepo = '';
let repo = '';

beforeAll(async () => {
  const bundles = await buildActions();
  root = await mkdtemp(join(tmpdir(), 'sg-published-smoke-'));
  // The actions' repository at @v1: package.json, sources, the bundle — no node_modules.
  actionsRepo = join(root, 'actions/shipgate/shipgate/v1');
  await mkdir(join(actionsRepo, 'pipeline'), { recursive: true });
  await mkdir(join(actionsRepo, '.github/actions/verify/dist'), { recursive: true });
  await copyFile(join(shipgateHome, 'package.json'), join(actionsRepo, 'package.json'));
  await copyFile(join(bundles, 'verify/dist/index.js'), join(actionsRepo, '.github/actions/verify/dist/index.js'));
  await rm(bundles, { recursive: true, force: true });
  server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(req.url === '/health' ? { status: 'ok', service: 'widgets-published' } : {}));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The user's repository after `npm ci`.
  repo = join(root, 'widgets');
  await mkdir(join(repo, '.github'), { recursive: true });
  await mkdir(join(repo, 'checks'), { recursive: true });
  await mkdir(join(repo, 'node_modules'), { recursive: true });
  await symlink(shipgateHome, join(repo, 'node_modules/shipgate'), 'dir');
  await symlink(join(shipgateHome, 'node_modules/vitest'), join(repo, 'node_modules/vitest'), 'dir');
  await writeFile(join(repo, 'package.json'), JSON.stringify({ name: 'widgets', type: 'module', devDependencies: { shipgate: '*' } }));
  await writeFile(join(repo, 'checks/widgets.test.js'), `import { test, expect } from 'vitest';\ntest('widgets-published answers', async () => {\n  const r = await fetch(process.env.BASE_URL + '/health');\n  expect((await r.json()).service).toBe('widgets-published');\n});\n`);
  await writeFile(join(repo, '.github/shipgate.yml'), `app: { name: widgets, start: node server.js }
environments:
  staging:
    url: ${url}
    deploy: { provider: process }
    database: { uriEnv: STAGING_MONGODB_URI }
gates:
  smoke: { suites: [checks], retries: 0 }
`);
});
afterAll(async () => {
  server?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

it('verify gates=smoke from the published action runs the user\'s suite with the vitest of node_modules/shipgate', async () => {
  const run = await runActionProcess(join(actionsRepo, '.github/actions'), 'verify', {
    inputs: { gates: 'smoke', environment: 'staging' },
    env: { GITHUB_WORKSPACE: repo, SHIPGATE_STORE_URI: mongoUriWithDb(t.uri, t.freshName('store')), STAGING_MONGODB_URI: mongoUriWithDb(t.uri, t.freshName('staging')) },
    cwd: join(actionsRepo, '.github/actions/verify'),
  });
  expect(run.outputs.status, run.log).toBe('passed');
  expect(run.outputs.summary).toMatch(/smoke passed/);
  expect(run.code, run.log).toBe(0);
});
