/**
 * A whole release world for end-to-end tests: the real sample app started by the real process
 * provider, the real local router as DNS, real gates, real migrations on the test run's database
 * server, and a config written to a temp folder — nothing faked. Ports are free loopback ports.
 */
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { MongoClient } from 'mongodb';
import { parseConfigText } from '../../config/load.ts';
import { repoRoot } from '../../mongo/embedded.ts';
import { quietPort } from '../../local/ports.ts';

/** Free loopback ports below the ephemeral range (pipeline/local/ports.ts), re-exported for the world's callers. */
export { quietPort };
import { mongoUriWithDb } from '../../mongo/connect.ts';
import { buildReleaseSystem, type ReleaseSystem } from '../factory.ts';
import { stopAllLocal } from '../../deploy/process.ts';
import { runRelease, type RunnerDeps, type ApprovalWait } from '../runner.ts';
import type { ReleaseRecord } from '../types.ts';

export interface WorldOptions {
  client: MongoClient;
  serverUri: string;
  freshName(prefix: string): string;
  /** Extra migration files (name → source) added to a copy of app/migrations. */
  extraMigrations?: Record<string, string>;
  smokeSuites?: string[];
  load?: boolean;
  /** Changes the config (a plain object, as written to shipgate.yml) before it is parsed. */
  configure?(config: WorldConfig): void;
  /** Extra variables of Shipgate's environment; a value of undefined removes one. */
  env?(env: Record<string, string>): Record<string, string | undefined>;
}

/** The world's config as a plain object, for `configure`. */
export interface WorldConfig {
  app: Record<string, unknown>;
  environments: Record<string, { deploy: Record<string, unknown>; database: Record<string, unknown>; [key: string]: unknown }>;
  [key: string]: unknown;
}

export interface World {
  dir: string;
  stateDir: string;
  migrationsDir: string;
  configFile: string;
  env: Record<string, string>;
  routerPort: number;
  publicUrl: string;
  system: ReleaseSystem;
  storeDbName: string;
  addMigration(name: string, source: string): Promise<void>;
  release(to: string, version: string, requester?: string): Promise<ReleaseRecord>;
  run(id: string, hooks?: Partial<Pick<RunnerDeps, 'waitForApproval' | 'onUpdate' | 'signal'>>): Promise<ReleaseRecord>;
  close(): Promise<void>;
}

export async function createReleaseWorld(opts: WorldOptions): Promise<World> {
  // Inside the checkout (git-ignored), so migrations resolve their imports (mongodb) as a user's would.
  await mkdir(join(repoRoot, '.shipgate/worlds'), { recursive: true });
  const dir = await mkdtemp(join(repoRoot, '.shipgate/worlds/w-'));
  const stateDir = join(dir, 'state');
  const migrationsDir = join(dir, 'migrations');
  await cp(join(repoRoot, 'app/migrations'), migrationsDir, { recursive: true });
  for (const [name, source] of Object.entries(opts.extraMigrations ?? {})) await writeFile(join(migrationsDir, name), source);
  const taken = new Set<number>();
  const stagingPort = await quietPort(1, taken);
  const bluePort = await quietPort(2, taken); // green is bluePort + 1
  const routerPort = await quietPort(1, taken);
  let loadProfile: string | undefined;
  if (opts.load) {
    loadProfile = join(dir, 'load.profile.json');
    await writeFile(loadProfile, JSON.stringify({ requests: [{ method: 'GET', path: '/notes?limit=5' }], connections: 2, duration: '2s', thresholds: {} }));
  }
  const config = {
    app: { name: 'notes', start: 'node --import tsx app/src/server.ts' },
    migrations: { dir: migrationsDir },
    environments: {
      staging: { deploy: { provider: 'process', basePort: stagingPort }, database: { uriEnv: 'STAGING_MONGODB_URI' } },
      production: {
        protected: true,
        deploy: { provider: 'process', slots: ['blue', 'green'], basePort: bluePort },
        database: { uriEnv: 'PRODUCTION_MONGODB_URI', backup: true },
        dns: { provider: 'local', listenPort: routerPort },
      },
    },
    gates: {
      health: { path: '/health', consecutive: 2, interval: '200ms', timeout: '40s' },
      smoke: { suites: opts.smokeSuites ?? ['smoke/suites'], retries: 0, timeout: '90s' },
      ...(loadProfile ? { load: { engine: 'builtin', profile: loadProfile, thresholds: { http_req_failed: ['rate<0.05'], http_req_duration: ['p(95)<5000'] } } } : {}),
    },
    people: [{ name: 'ana', slack: 'U012ABC', github: 'ana-dev' }, { name: 'raj', slack: 'U034DEF', github: 'rajk' }, { name: 'sam', slack: 'U056GHI', github: 'sam-gh' }],
    approval: { approvers: ['ana', 'raj'], minApprovals: 1, expiresAfter: '1h' },
  };
  opts.configure?.(config as unknown as WorldConfig);
  const configFile = join(dir, 'shipgate.yml');
  const text = stringify(config);
  await writeFile(configFile, text);
  const parsed = parseConfigText(text, configFile);
  const storeDbName = opts.freshName('store');
  const base = {
    STAGING_MONGODB_URI: mongoUriWithDb(opts.serverUri, opts.freshName('staging')),
    PRODUCTION_MONGODB_URI: mongoUriWithDb(opts.serverUri, opts.freshName('production')),
  };
  const env = Object.fromEntries(Object.entries(opts.env ? opts.env(base) : base).filter((e): e is [string, string] => e[1] !== undefined));
  const system = await buildReleaseSystem({ config: parsed, env, repoRoot, localStateDir: stateDir, storeClient: opts.client, storeDbName, actor: 'e2e' });
  const world: World = {
    dir, stateDir, migrationsDir, configFile, env, routerPort, publicUrl: `http://127.0.0.1:${routerPort}`, system, storeDbName,
    addMigration: (name, source) => writeFile(join(migrationsDir, name), source),
    release: async (to, version, requester = 'sam') => system.createRelease({ to, ref: 'main', sha: 'e2e0000000000000000000000000000000000000', version, requester: { via: 'cli', id: requester } }),
    run: (id, hooks = {}) =>
      runRelease(system.runnerDeps({ waitForApproval: async (): Promise<ApprovalWait> => 'pending', ...hooks }), id),
    async close() {
      await stopAllLocal(stateDir, 5000).catch(() => undefined);
      await system.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return world;
}

