/**
 * openSession in a user's repository, from a folder deep inside it: the config, the local state and
 * the release system's repository root are that repository's — not the cwd, not Shipgate's checkout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { useTestDatabase } from '../testing/mongo.ts';
import { localStateDir, openSession } from './session.ts';

const t = useTestDatabase('sess');
let repo: string;
let deep: string;

beforeAll(async () => {
  repo = await realpath(await mkdtemp(join(tmpdir(), 'shipgate-session-')));
  deep = join(repo, 'services/api/src');
  await mkdir(deep, { recursive: true });
  await mkdir(join(repo, '.github'), { recursive: true });
  execFileSync('git', ['init', '-q'], { cwd: repo });
  await writeFile(join(repo, '.github/shipgate.yml'), `app: { name: widgets, start: "node server.js" }
environments:
  staging:
    deploy: { provider: command, run: "pwd > deployed-from.txt", urlCommand: "echo http://127.0.0.1:9" }
    database: { uriEnv: STAGING_MONGODB_URI }
`);
});
afterAll(() => rm(repo, { recursive: true, force: true }));

const envFor = (extra: Record<string, string> = {}) => ({ PATH: process.env.PATH, SHIPGATE_STORE_URI: t.uriFor(t.dbName), STAGING_MONGODB_URI: t.uriFor(t.freshName('stg')), SHIPGATE_AS: 'dev', ...extra });

describe('openSession in a user repository', () => {
  it('finds the repository around the cwd: its config, its state folder, and deploys run in its root', async () => {
    const s = await openSession({ cwd: deep, env: envFor() });
    try {
      expect(s.config.app.name).toBe('widgets');
      expect(s.workspace.root).toBe(repo);
      expect(s.stateDir).toBe(join(repo, '.shipgate/local'));
      const d = await s.system.runtimes.staging!.deploy.deploy({ env: 'staging', version: '1.0.0', sha: 'a'.repeat(40), appEnv: {} });
      expect(d.url).toBe('http://127.0.0.1:9');
      expect((await readFile(join(repo, 'deployed-from.txt'), 'utf8')).trim()).toBe(repo);
    } finally {
      await s.close();
    }
  });

  it('SHIPGATE_STATE_DIR is relative to the repository root; -f names the config relative to the cwd', async () => {
    await writeFile(join(repo, '.github/other.yml'), (await readFile(join(repo, '.github/shipgate.yml'), 'utf8')).replace('widgets', 'gadgets'));
    const s = await openSession({ cwd: deep, config: '../../../.github/other.yml', env: envFor({ SHIPGATE_STATE_DIR: 'tmp/state' }) });
    try {
      expect(s.config.app.name).toBe('gadgets');
      expect(s.workspace.root).toBe(repo);
      expect(s.stateDir).toBe(join(repo, 'tmp/state'));
    } finally {
      await s.close();
    }
    expect(localStateDir({ SHIPGATE_STATE_DIR: 'tmp/state' }, { cwd: deep })).toBe(join(repo, 'tmp/state'));
    expect(localStateDir({}, { cwd: deep })).toBe(join(repo, '.shipgate/local'));
  });
});
