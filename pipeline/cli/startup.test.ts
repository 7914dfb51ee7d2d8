/**
 * Provider errors exit: the real CLI, a config whose provider cannot be set up (a railway
 * environment without its token variable), and a live store on the test server. Providers are
 * built when their environment is used (issue 11, item 4): `status` and `lock` need no provider
 * secret; a release fails at staging's first write naming the variable. Either way the process
 * closes its store client and exits.
 */
import { mkdir } from 'node:fs/promises';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { useTestDatabase } from '../testing/mongo.ts';
import { runShipgate } from './test-helpers.ts';

vi.setConfig({ testTimeout: 90_000 });
const t = useTestDatabase('clistart');
let configFile = '';
let env: Record<string, string> = {};

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sg-clistart-'));
  configFile = join(dir, 'shipgate.yml');
  await mkdir(join(dir, 'migrations'));
  await writeFile(configFile, stringify({
    app: { name: 'notes', start: 'node app/src/server.ts' },
    migrations: { dir: 'migrations' },
    environments: {
      staging: { deploy: { provider: 'railway', service: '5e1d2c3b-4a59-4687-9abc-0d1e2f3a4b01', environment: 'e0e1e2e3-a4b5-4c6d-8e7f-0a1b2c3d4e02', tokenEnv: 'RAILWAY_TOKEN' }, database: { uriEnv: 'STAGING_MONGODB_URI' } },
    },
  }));
  env = { SHIPGATE_STORE_URI: t.uriFor(t.dbName), SHIPGATE_STATE_DIR: join(dir, 'state'), STAGING_MONGODB_URI: t.uriFor(t.freshName('stg')), SHIPGATE_AS: 'ana' };
});

describe('a provider that cannot be set up', () => {
  it.each([
    ['status', ['status']],
    ['lock', ['lock', 'staging', '--reason', 'freeze for the test']],
  ])('shipgate %s needs no provider secret and exits, with nothing left open', async (_name, args) => {
    const r = await runShipgate([...args, '--config', configFile], env, { killAfterMs: 20_000 });
    expect(r.killed, `still running after 20 s; stderr: ${r.stderr}`).toBe(false);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('SHIPGATE_ENV_MISSING');
    expect(r.stderr).not.toContain('left open');
  });

  it('shipgate release exits non-zero at staging\'s preflight, before anything is touched, naming the missing variable, with nothing left open', async () => {
    await runShipgate(['unlock', 'staging', '--config', configFile], env, { killAfterMs: 20_000 });
    const r = await runShipgate(['release', '--to', 'staging', '--sha', 'abc1234def5678900000000000000000000000000', '--config', configFile], env, { killAfterMs: 20_000 });
    expect(r.killed, `still running after 20 s; stderr: ${r.stderr}`).toBe(false);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/✗ staging\/preflight .*shipgate-env — RAILWAY_TOKEN \(Railway API token for staging\) is not set/);
    expect(r.stdout).toMatch(/· staging\/migrate-plan\n/);
    // main.ts's last-resort exit did not have to step in: the session closed its store client.
    expect(r.stderr).not.toContain('left open');
  });
});
