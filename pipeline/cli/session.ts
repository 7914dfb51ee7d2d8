/**
 * What every release-related command needs: the workspace (the user's repository), its config,
 * the store, and the release system — resolved at the edge from flags and the environment. Without
 * SHIPGATE_STORE_URI, the store and any environment whose database variable is unset (with the
 * local `process` provider) use the embedded local database under <repository>/.shipgate/local —
 * the embedded defaults of a local release. Nothing resolves against where Shipgate is installed.
 */
import { existsSync } from 'node:fs';
import type { Db, MongoClient } from 'mongodb';
import { loadConfig } from '../config/load.ts';
import type { ShipgateConfig } from '../config/schema.ts';
import { connectMongo, dbNameFromUri, mongoUriWithDb } from '../mongo/connect.ts';
import { findWorkspace, stateDirOf, type Workspace } from '../repo.ts';
import { buildReleaseSystem, type ReleaseSystem } from '../release/factory.ts';
import { ensureLocalDatabase } from '../local/database.ts';

export interface SessionOptions {
  /** -f/--config: the config file (relative to `cwd`); default: .github/shipgate.yml of the repository around `cwd`. */
  config?: string;
  /** Acting person for CLI identities (default: $SHIPGATE_AS, then $GITHUB_ACTOR in GitHub Actions, then the OS user). */
  as?: string;
  /** Where the command runs (default: process.cwd()). */
  cwd?: string;
  /** The environment (default: process.env). */
  env?: Record<string, string | undefined>;
}

export interface Session {
  /** The user's repository: the config's paths, the app, the smoke suites and the local state resolve against it. */
  workspace: Workspace;
  /** The local state folder (embedded database, app processes, router). */
  stateDir: string;
  config: ShipgateConfig;
  system: ReleaseSystem;
  storeClient: MongoClient;
  env: Record<string, string | undefined>;
  local: boolean;
  close(): Promise<void>;
}

/**
 * The local state folder of the repository around `cwd`: $SHIPGATE_STATE_DIR (a relative value is
 * relative to the repository root), else <repository>/.shipgate/local. (Kept for bot/main.ts and
 * demo.ts; a session has it as `stateDir`.)
 */
export function localStateDir(env: Record<string, string | undefined> = process.env, opts: { config?: string; cwd?: string } = {}): string {
  return stateDirOf(findWorkspace(opts), env);
}

import { cliIdentity } from './identity.ts';

export { cliIdentity };

/** The env vars a local release uses: each unset database URI of a `process` env → the embedded server. */
export function localDefaults(config: ShipgateConfig, serverUri: string, env: Record<string, string | undefined>): Record<string, string | undefined> {
  const out = { ...env };
  for (const [name, e] of Object.entries(config.environments)) {
    if (e.deploy.provider === 'process' && !out[e.database.uriEnv]) {
      out[e.database.uriEnv] = mongoUriWithDb(serverUri, e.database.name ?? `${config.app.name}${name}`.replace(/[^A-Za-z0-9]/g, ''));
    }
  }
  return out;
}

export async function openSession(opts: SessionOptions = {}): Promise<Session> {
  const cwd = opts.cwd ?? process.cwd();
  const workspace = findWorkspace({ ...(opts.config !== undefined ? { config: opts.config } : {}), cwd });
  const config = await loadConfig({ file: workspace.configShown, cwd });
  let env: Record<string, string | undefined> = { ...(opts.env ?? process.env) };
  let storeUri = env.SHIPGATE_STORE_URI;
  const local = !storeUri;
  const stateDir = stateDirOf(workspace, env);
  if (!storeUri) {
    const db = await ensureLocalDatabase(stateDir);
    storeUri = db.uri;
    env = localDefaults(config, db.uri, env);
  }
  const actor = cliIdentity(opts.as, env).id;
  const storeClient = await connectMongo(storeUri, { source: local ? 'the local embedded database' : 'SHIPGATE_STORE_URI', timeoutMs: 10_000 });
  let system: ReleaseSystem;
  try {
    system = await buildReleaseSystem({
      config, env, repoRoot: workspace.root, localStateDir: stateDir, storeClient,
      // The store database is the URI's path (default "shipgate").
      storeDbName: dbNameFromUri(storeUri, 'shipgate'),
      actor,
    });
  } catch (err) {
    // An open client keeps the process alive: without this, a provider error never exits.
    await storeClient.close().catch(() => undefined);
    throw err;
  }
  return {
    workspace, stateDir, config, system, storeClient, env, local,
    async close() {
      try {
        await system.close();
      } finally {
        await storeClient.close();
      }
    },
  };
}

export interface StoreSession {
  workspace: Workspace;
  /** The config, when the repository has one (read-only commands work without it). */
  config?: ShipgateConfig;
  storeClient: MongoClient;
  /** The store database (the one the release system writes). */
  db: Db;
  close(): Promise<void>;
}

/**
 * The store alone, for read-only commands (`shipgate releases`): no providers, no secrets of any
 * environment. SHIPGATE_STORE_URI, else the repository's embedded local database (started if need be).
 */
export async function openStore(opts: SessionOptions = {}): Promise<StoreSession> {
  const cwd = opts.cwd ?? process.cwd();
  const env = opts.env ?? process.env;
  const workspace = findWorkspace({ ...(opts.config !== undefined ? { config: opts.config } : {}), cwd });
  const config = workspace.configNamed || existsSync(workspace.configFile) ? await loadConfig({ file: workspace.configShown, cwd }) : undefined;
  const local = !env.SHIPGATE_STORE_URI;
  const storeUri = env.SHIPGATE_STORE_URI ?? (await ensureLocalDatabase(stateDirOf(workspace, env))).uri;
  const storeClient = await connectMongo(storeUri, { source: local ? 'the local embedded database' : 'SHIPGATE_STORE_URI', timeoutMs: 10_000 });
  return {
    workspace, ...(config ? { config } : {}), storeClient,
    db: storeClient.db(dbNameFromUri(storeUri, 'shipgate')),
    close: () => storeClient.close(),
  };
}
