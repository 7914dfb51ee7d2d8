/**
 * What every release-related command needs: the config, the store, and the release system —
 * resolved at the edge from flags and process.env. Without SHIPGATE_STORE_URI, the store and
 * any environment whose database variable is unset (with the local `process` provider) use the
 * embedded local database under .shipgate/local — the embedded defaults of a local release.
 */
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import type { MongoClient } from 'mongodb';
import { loadConfig, DEFAULT_CONFIG_FILE } from '../config/load.ts';
import type { ShipgateConfig } from '../config/schema.ts';
import { connectMongo, dbNameFromUri, mongoUriWithDb } from '../mongo/connect.ts';
import { repoRoot } from '../mongo/embedded.ts';
import { buildReleaseSystem, type ReleaseSystem } from '../release/factory.ts';
import type { Identity } from '../release/types.ts';
import { ensureLocalDatabase } from '../local/database.ts';
import { coreErrors } from '../errors.ts';

export interface SessionOptions {
  config?: string;
  /** Acting person for CLI identities (default: $SHIPGATE_AS, then $GITHUB_ACTOR in GitHub Actions, then the OS user). */
  as?: string;
}

export interface Session {
  config: ShipgateConfig;
  system: ReleaseSystem;
  storeClient: MongoClient;
  env: Record<string, string | undefined>;
  local: boolean;
  close(): Promise<void>;
}

export const LOCAL_STATE_DIR = resolve(repoRoot, '.shipgate/local');

/** The local state folder: $SHIPGATE_STATE_DIR, else .shipgate/local in the checkout. */
export function localStateDir(env: Record<string, string | undefined> = process.env): string {
  return env.SHIPGATE_STATE_DIR ? resolve(env.SHIPGATE_STATE_DIR) : LOCAL_STATE_DIR;
}

/**
 * Who the CLI acts as: `--as`, else $SHIPGATE_AS, else — inside GitHub Actions — the GitHub login
 * in $GITHUB_ACTOR (set by GitHub: whoever triggered the run), else the OS user name. An
 * assertion, not authentication: see docs/cli.md#trust-model.
 */
export function cliIdentity(as?: string, env: Record<string, string | undefined> = process.env): Identity {
  const named = as ?? env.SHIPGATE_AS;
  if (named !== undefined) {
    if (!named.trim()) throw coreErrors.SHIPGATE_USAGE({ problem: `${as !== undefined ? '--as' : 'SHIPGATE_AS'} is empty`, usage: '--as <person> (a name from people in .github/shipgate.yml)' });
    return { via: 'cli', id: named.trim() };
  }
  if (env.GITHUB_ACTIONS === 'true' && env.GITHUB_ACTOR) return { via: 'github', id: env.GITHUB_ACTOR };
  return { via: 'cli', id: userInfo().username };
}

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
  const config = await loadConfig({ file: opts.config ?? DEFAULT_CONFIG_FILE, cwd: process.cwd() });
  let env: Record<string, string | undefined> = { ...process.env };
  let storeUri = env.SHIPGATE_STORE_URI;
  const local = !storeUri;
  const stateDir = localStateDir(env);
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
      config, env, repoRoot: process.cwd(), localStateDir: stateDir, storeClient,
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
    config, system, storeClient, env, local,
    async close() {
      try {
        await system.close();
      } finally {
        await storeClient.close();
      }
    },
  };
}
