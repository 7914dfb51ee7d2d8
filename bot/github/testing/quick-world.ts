/**
 * A small release world for the GitHub app's tests: the real engine, store and migrations (the
 * sample app's, copied) on the test database server, with `command` deploys that do nothing and
 * no HTTP gates — so a release reaches awaiting_approval in seconds. The full world with the real
 * app, router and gates is pipeline/release/testing/world.ts (used by the end-to-end test).
 */
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { MongoClient } from 'mongodb';
import { parseConfigText } from '../../../pipeline/config/load.ts';
import { repoRoot } from '../../../pipeline/mongo/embedded.ts';
import { buildReleaseSystem, type ReleaseSystem } from '../../../pipeline/release/factory.ts';
import { runRelease } from '../../../pipeline/release/runner.ts';
import type { ReleaseRecord } from '../../../pipeline/release/types.ts';
import { mongoUriWithDb } from '../../../pipeline/mongo/connect.ts';

export interface QuickWorld {
  system: ReleaseSystem;
  migrationsDir: string;
  configFile: string;
  env: Record<string, string>;
  storeDbName: string;
  addMigration(name: string, source: string): Promise<void>;
  /** Creates a release to production as `requester` and runs it up to the approval. */
  releaseToApproval(version: string, requester?: string): Promise<ReleaseRecord>;
  close(): Promise<void>;
}

export async function createQuickWorld(opts: { client: MongoClient; serverUri: string; freshName(p: string): string; repo?: string }): Promise<QuickWorld> {
  await mkdir(join(repoRoot, '.shipgate/worlds'), { recursive: true });
  const dir = await mkdtemp(join(repoRoot, '.shipgate/worlds/gh-'));
  const migrationsDir = join(dir, 'migrations');
  await cp(join(repoRoot, 'app/migrations'), migrationsDir, { recursive: true });
  const deploy = { provider: 'command', run: 'true', urlCommand: 'echo http://127.0.0.1:9' };
  const text = stringify({
    app: { name: 'notes', start: 'node app/src/server.ts' },
    migrations: { dir: migrationsDir },
    environments: {
      staging: { deploy, database: { uriEnv: 'STAGING_MONGODB_URI' } },
      production: { protected: true, deploy, database: { uriEnv: 'PRODUCTION_MONGODB_URI' } },
    },
    gates: { health: { enabled: false }, smoke: { enabled: false } },
    people: [{ name: 'ana', slack: 'U012ABC', github: 'ana-dev' }, { name: 'raj', slack: 'U034DEF', github: 'rajk' }, { name: 'sam', slack: 'U056GHI', github: 'sam-gh' }],
    approval: { approvers: ['ana', 'raj'], minApprovals: 1, expiresAfter: '1h' },
  });
  const configFile = join(dir, 'shipgate.yml');
  await writeFile(configFile, text);
  const config = parseConfigText(text, configFile);
  const env = { STAGING_MONGODB_URI: mongoUriWithDb(opts.serverUri, opts.freshName('staging')), PRODUCTION_MONGODB_URI: mongoUriWithDb(opts.serverUri, opts.freshName('production')) };
  const storeDbName = opts.freshName('store');
  const system = await buildReleaseSystem({ config, env, repoRoot, localStateDir: join(dir, 'state'), storeClient: opts.client, storeDbName, actor: 'gh-test', repo: opts.repo ?? 'octo-org/notes' });
  return {
    system, migrationsDir, configFile, env, storeDbName,
    addMigration: (name, source) => writeFile(join(migrationsDir, name), source),
    async releaseToApproval(version, requester = 'sam') {
      const r = await system.createRelease({ to: 'production', ref: 'main', sha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678', version, requester: { via: 'cli', id: requester } });
      return runRelease(system.runnerDeps({ waitForApproval: async () => 'pending' }), r._id);
    },
    async close() {
      await system.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
