/**
 * One rule for lock, unlock and rollback whatever the entry point (pipeline/release/authorize.ts,
 * assertMayOperate): the real CLI as a child process and the real Slack app over signed HTTP,
 * both on the same config and store, refuse the same stranger and let the same deployer through.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { useTestDatabase } from '../testing/mongo.ts';
import { repoRoot } from '../mongo/embedded.ts';
import { parseConfigText } from '../config/load.ts';
import { buildReleaseSystem, type ReleaseSystem } from '../release/factory.ts';
import { readEnvironmentLock, freezeEnvironment, unfreezeEnvironment } from '../release/locks.ts';
import { postSigned, slashCommandBody, startSlackHarness, type SlackHarness } from '../../bot/slack/testing/harness.ts';
import { runShipgate } from './test-helpers.ts';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });
const t = useTestDatabase('cliauth');

const SLACK = { ana: 'U012ABC', sam: 'U056GHI', lee: 'U078LEE', stranger: 'U0STRANGER' } as const;
const configText = stringify({
  app: { name: 'notes', start: 'node app/src/server.ts' },
  environments: {
    staging: { deploy: { provider: 'process' }, database: { uriEnv: 'STAGING_MONGODB_URI' } },
    production: {
      protected: true,
      deploy: { provider: 'process', slots: ['blue', 'green'] },
      database: { uriEnv: 'PRODUCTION_MONGODB_URI' },
      dns: { provider: 'local' },
      deployers: ['ana', 'sam'],
    },
  },
  people: [
    { name: 'ana', slack: SLACK.ana, github: 'ana-dev' },
    { name: 'sam', slack: SLACK.sam, github: 'sam-gh' },
    { name: 'lee', slack: SLACK.lee },
  ],
  approval: { approvers: ['ana'], minApprovals: 1, expiresAfter: '1h' },
  slack: { channel: '#deploys', approvalsChannel: '#deploy-approvals', mode: 'local' },
});

let configFile = '';
let env: Record<string, string> = {};
let system: ReleaseSystem;
let h: SlackHarness;

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sg-cliauth-'));
  configFile = join(dir, 'shipgate.yml');
  await writeFile(configFile, configText);
  env = {
    SHIPGATE_STORE_URI: t.uriFor(t.dbName), SHIPGATE_STATE_DIR: join(dir, 'state'),
    STAGING_MONGODB_URI: 'mongodb://127.0.0.1:1/s', PRODUCTION_MONGODB_URI: 'mongodb://127.0.0.1:1/p',
  };
  system = await buildReleaseSystem({
    config: parseConfigText(configText, 'shipgate.yml'), env, repoRoot: process.cwd(), localStateDir: join(dir, 'state'),
    storeClient: t.client, storeDbName: t.dbName, actor: 'cli-auth-test',
  });
  h = await startSlackHarness({ system });
});
afterEach(async () => {
  // Each test starts unlocked, whatever the one before left.
  for (const name of ['staging', 'production']) await unfreezeEnvironment(system.store.db, name);
});
afterAll(async () => {
  await h?.close();
  await system?.close();
});

const cli = (args: string[], extra: Record<string, string> = {}) => runShipgate([...args, '--config', configFile], { ...env, ...extra });
const lockOf = (name: string) => readEnvironmentLock(system.store.db, name);
const auditTypes = async () => (await system.store.db.collection<{ type: string }>('audit').find({ type: { $ne: 'head' } }).toArray()).map((e) => e.type);

let n = 0;
async function slackDeploy(text: string, user: string): Promise<string> {
  const token = `auth${++n}`;
  const res = await postSigned(`${h.server.url}/slack/events`, slashCommandBody({ text, user, responseUrl: h.fake.responseUrl(token) }));
  expect(res.status).toBe(200);
  const answers = () => h.fake.responses.filter((r) => r.token === token).map((r) => String(r.body.text ?? ''));
  await h.fake.waitFor(() => answers().length > 0, 30_000);
  return answers().join('\n');
}

describe('lock, unlock, rollback: one rule for the CLI and Slack', () => {
  it('the CLI refuses a stranger (--as) to lock production, naming who may and how to fix it; nothing is locked or audited', async () => {
    const before = await auditTypes();
    const r = await cli(['lock', 'production', '--reason', 'mine now', '--as', 'stranger']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('SHIPGATE_NOT_A_DEPLOYER: stranger may not lock production (allowed: ana, sam)');
    expect(r.stderr).toMatch(/hint: .*environments\.production\.deployers in \.github\/shipgate\.yml/);
    expect(r.stderr).toContain('--as <name>');
    expect(await lockOf('production')).toBeNull();
    expect(await auditTypes()).toEqual(before);
    // docs/cli.md shows exactly this refusal.
    const shown = /```\n(✗ SHIPGATE_NOT_A_DEPLOYER[\s\S]*?)```/.exec(readFileSync(join(repoRoot, 'docs/cli.md'), 'utf8'))?.[1];
    expect(r.stderr).toBe(shown);
  });

  it('the CLI refuses a listed person who is not a deployer of production, and the same person on Slack', async () => {
    const r = await cli(['lock', 'production', '--reason', 'mine now', '--as', 'lee']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('SHIPGATE_NOT_A_DEPLOYER: lee may not lock production (allowed: ana, sam)');
    expect(await slackDeploy('lock production mine now', SLACK.lee)).toMatch(/SHIPGATE_NOT_A_DEPLOYER.*lee may not lock production \(allowed: ana, sam\)/);
    expect(await lockOf('production')).toBeNull();
  });

  it('the identity from $SHIPGATE_AS, and in GitHub Actions from $GITHUB_ACTOR, is held to the same rule', async () => {
    const viaEnv = await cli(['lock', 'production', '--reason', 'mine now'], { SHIPGATE_AS: 'stranger' });
    expect(viaEnv.code).toBe(1);
    expect(viaEnv.stderr).toContain('stranger may not lock production');
    const ghStranger = await cli(['lock', 'production', '--reason', 'mine now'], { GITHUB_ACTIONS: 'true', GITHUB_ACTOR: 'outsider' });
    expect(ghStranger.code).toBe(1);
    expect(ghStranger.stderr).toContain('SHIPGATE_NOT_A_DEPLOYER: github:outsider may not lock production (allowed: ana, sam)');
    expect(await lockOf('production')).toBeNull();
    const ghDeployer = await cli(['lock', 'production', '--reason', 'release freeze'], { GITHUB_ACTIONS: 'true', GITHUB_ACTOR: 'sam-gh' });
    expect(ghDeployer.stderr).toBe('');
    expect(ghDeployer.code).toBe(0);
    expect(await lockOf('production')).toMatchObject({ owner: 'github:sam-gh', reason: 'release freeze' });
    const unlock = await cli(['unlock', 'production', '--as', 'sam']);
    expect(unlock.code).toBe(0);
    expect(await lockOf('production')).toBeNull();
  });

  it('a deployer locks and unlocks production from the CLI; a stranger cannot unlock it (CLI or Slack)', async () => {
    const lock = await cli(['lock', 'production', '--reason', 'quarter-end freeze', '--as', 'ana']);
    expect(lock.stderr).toBe('');
    expect(lock.code).toBe(0);
    expect(lock.stdout).toContain('🔒 production locked by ana: quarter-end freeze');
    expect(await lockOf('production')).toMatchObject({ owner: 'ana', reason: 'quarter-end freeze' });

    const refused = await cli(['unlock', 'production', '--as', 'stranger']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('SHIPGATE_NOT_A_DEPLOYER: stranger may not unlock production (allowed: ana, sam)');
    expect(await slackDeploy('unlock production', SLACK.stranger)).toMatch(/SHIPGATE_NOT_A_DEPLOYER.*slack:U0STRANGER may not unlock production \(allowed: ana, sam\)/);
    expect(await lockOf('production')).toMatchObject({ owner: 'ana' });

    const unlock = await cli(['unlock', 'production', '--as', 'sam']);
    expect(unlock.code).toBe(0);
    expect(unlock.stdout).toContain('🔓 production unlocked (was locked by ana: quarter-end freeze)');
    expect(await lockOf('production')).toBeNull();
  });

  it('Slack refuses the stranger to lock production too', async () => {
    expect(await slackDeploy('lock production mine now', SLACK.stranger)).toMatch(/SHIPGATE_NOT_A_DEPLOYER.*slack:U0STRANGER may not lock production \(allowed: ana, sam\)/);
    expect(await lockOf('production')).toBeNull();
  });

  it('rollback: a stranger is refused before the engine looks; a deployer reaches the engine (nothing to roll back)', async () => {
    const refused = await cli(['rollback', 'production', '--as', 'stranger']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('SHIPGATE_NOT_A_DEPLOYER: stranger may not roll back production (allowed: ana, sam)');
    expect(await slackDeploy('rollback production', SLACK.stranger)).toMatch(/SHIPGATE_NOT_A_DEPLOYER.*slack:U0STRANGER may not roll back production/);
    const allowed = await cli(['rollback', 'production', '--as', 'ana']);
    expect(allowed.code).toBe(1);
    expect(allowed.stderr).toContain('SHIPGATE_ROLLBACK_NOTHING');
    expect(allowed.stderr).not.toContain('SHIPGATE_NOT_A_DEPLOYER');
  });

  it('an unprotected environment without deployers: anyone may lock it (the same rule as releasing there)', async () => {
    const r = await cli(['lock', 'staging', '--reason', 'testing a fix', '--as', 'stranger']);
    expect(r.code).toBe(0);
    expect(await lockOf('staging')).toMatchObject({ owner: 'stranger' });
    await cli(['unlock', 'staging', '--as', 'stranger']);
    expect(await lockOf('staging')).toBeNull();
  });

  it('an empty --as is a usage error, not an identity', async () => {
    const r = await cli(['lock', 'staging', '--reason', 'testing a fix', '--as', ' ']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SHIPGATE_USAGE: --as is empty');
    expect(await lockOf('staging')).toBeNull();
  });

  it('a freeze held by a deployer stays when a stranger tries to unlock it from the CLI', async () => {
    await freezeEnvironment(system.store.db, 'production', { by: 'sam', reason: 'incident 42' });
    const r = await cli(['unlock', 'production', '--as', 'stranger']);
    expect(r.code).toBe(1);
    expect(await lockOf('production')).toMatchObject({ owner: 'sam', reason: 'incident 42' });
    expect((await cli(['unlock', 'production', '--as', 'ana'])).code).toBe(0);
  });
});
