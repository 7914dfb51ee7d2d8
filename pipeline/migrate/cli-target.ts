/**
 * What a `shipgate migrate` subcommand works on, resolved from the workspace config and flags:
 * - the workspace: the user's repository around the cwd (or around the `-f/--config` file), never
 *   Shipgate's own checkout (pipeline/repo.ts);
 * - `--env <name>`: that environment's database variable (database.uriEnv), database name
 *   (database.name), label (the environment's name, as in a release's plan digest) and protection;
 * - the migrations folder and changelog collection from the config's `migrations:` (the folder
 *   relative to the repository root), unless `--dir` / `--changelog` say otherwise (relative to
 *   the cwd: one-off use);
 * - protection, never weaker than the config: the named environment's `protected`, plus any
 *   protected environment whose variable or database the target is (protection.ts), plus
 *   `--protected`;
 * - the acting person: `--as`, else $SHIPGATE_AS, else $GITHUB_ACTOR inside GitHub Actions, else
 *   the OS user (the rule of the whole CLI: pipeline/cli/identity.ts), and for commands that write,
 *   the environment's deployer rule (who may release to it: release/authorize.ts).
 * Kept free of the release engine (and of the config parser when there is no config) so
 * `shipgate migrate` starts fast.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { MongoClient } from 'mongodb';
import type { ShipgateConfig } from '../config/schema.ts';
import { parseDuration } from '../config/duration.ts';
import { coreErrors } from '../errors.ts';
import { connectMongo, dbNameFromUri, mongoUriWithDb } from '../mongo/connect.ts';
import { cliIdentity } from '../cli/identity.ts';
import { findWorkspace, inRepo, stateDirOf, type Workspace } from '../repo.ts';
import type { Identity } from '../release/types.ts';
import { registerSecret } from '../secrets/redact.ts';
import { migrateErrors } from './errors.ts';
import { protectionFor } from './protection.ts';
import { openMigrationTarget, type MigrationTarget } from './target.ts';

export interface MigrateFlags {
  config?: string;
  as?: string;
  /** Older spelling of --as on apply/down. */
  actor?: string;
  env?: string;
  uriEnv?: string;
  db?: string;
  dir?: string;
  changelog?: string;
  label?: string;
  timeout?: string;
  protected?: boolean;
}

export interface TargetProtection {
  protected: boolean;
  /** The protected environment it belongs to, when the config says so. */
  env?: string;
  why?: string;
}

export interface ResolvedMigrate {
  workspace: Workspace;
  config?: ShipgateConfig;
  envName?: string;
  uriEnv: string;
  uri?: string;
  dbName?: string;
  dir: string;
  changelogCollection: string;
  label?: string;
  identity: Identity;
  protection: TargetProtection;
  /** Lines for stderr (notes about what was assumed). */
  notes: string[];
}

const ENV_VAR = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DB_NAME = /^[A-Za-z0-9_-]+$/;
const COLLECTION = /^[A-Za-z_][A-Za-z0-9_]*$/;

function usage(problem: string, use: string): Error {
  return coreErrors.SHIPGATE_USAGE({ problem, usage: use });
}

/** The workspace and its config: a named file must exist; the default one may be absent (flags alone). */
async function workspaceConfig(config: string | undefined, cwd: string): Promise<{ workspace: Workspace; config?: ShipgateConfig }> {
  if (config === '') throw usage('--config is empty', '-f, --config <file> (e.g. .github/shipgate.yml)');
  const workspace = findWorkspace({ ...(config !== undefined ? { config } : {}), cwd });
  if (!workspace.configNamed && !existsSync(workspace.configFile)) return { workspace };
  // The config parser (zod, yaml) loads only when there is a config to read.
  const { loadConfig } = await import('../config/load.ts');
  return { workspace, config: await loadConfig({ file: workspace.configFile, cwd }) };
}

/**
 * Resolves flags + config (no connection yet). `writing`: the command writes to the target (apply,
 * down, restore, adopt): the acting person must be allowed to release to its environment.
 */
export async function resolveMigrate(flags: MigrateFlags, opts: { writing: boolean; use: string; cwd?: string; env?: Record<string, string | undefined> }): Promise<ResolvedMigrate> {
  const cwd = opts.cwd ?? process.cwd();
  let env: Record<string, string | undefined> = { ...(opts.env ?? process.env) };
  if (flags.as !== undefined && flags.actor !== undefined && flags.as !== flags.actor) throw usage(`--as ${flags.as} and --actor ${flags.actor} disagree`, `${opts.use} --as <person>`);
  if (flags.uriEnv !== undefined && !ENV_VAR.test(flags.uriEnv)) throw usage('--uri-env must be an environment variable name such as STAGING_MONGODB_URI', opts.use);
  if (flags.db !== undefined && !DB_NAME.test(flags.db)) throw usage('--db must be a database name (letters, digits, - and _)', opts.use);
  if (flags.changelog !== undefined && !COLLECTION.test(flags.changelog)) throw usage('--changelog must be a collection name (letters, digits and _)', opts.use);
  if (flags.dir === '') throw usage('--dir is empty', opts.use);
  if (flags.timeout !== undefined && parseDuration(flags.timeout) === undefined) throw usage('--timeout must be a duration such as 10s', opts.use);
  const identity = cliIdentity(flags.as ?? flags.actor, env);
  const { workspace, config } = await workspaceConfig(flags.config, cwd);
  const notes: string[] = [];
  let envName: string | undefined;
  let uriEnv = flags.uriEnv ?? 'MONGODB_URI';
  let dbName = flags.db;
  if (flags.env !== undefined) {
    if (!config) throw usage(`--env ${flags.env} needs a config file, and ${workspace.configShown} does not exist`, `${opts.use} --env <name> [-f <config file>]`);
    const { environmentByName } = await import('../config/lookup.ts');
    const e = environmentByName(config, flags.env);
    envName = flags.env;
    uriEnv = flags.uriEnv ?? e.database.uriEnv;
    dbName ??= e.database.name;
    // Local defaults (as a local release has them): a `process` environment without its variable
    // and without SHIPGATE_STORE_URI uses the embedded database of <repository>/.shipgate/local.
    if (!env[uriEnv] && flags.uriEnv === undefined && e.deploy.provider === 'process' && !env.SHIPGATE_STORE_URI) {
      const { ensureLocalDatabase } = await import('../local/database.ts');
      const local = await ensureLocalDatabase(stateDirOf(workspace, env));
      env = { ...env, [uriEnv]: mongoUriWithDb(local.uri, e.database.name ?? `${config.app.name}${envName}`.replace(/[^A-Za-z0-9]/g, '')) };
      notes.push(`note: ${uriEnv} is not set: using the embedded local database of ${workspace.root}`);
    }
  }
  const dir = flags.dir !== undefined ? resolve(cwd, flags.dir) : inRepo(workspace, config?.migrations.dir ?? 'app/migrations');
  const changelogCollection = flags.changelog ?? config?.migrations.changelogCollection ?? 'shipgate_migrations';
  const uri = env[uriEnv];
  const resolvedDb = dbName ?? (uri ? dbNameFromUri(uri, 'test') : undefined);

  // Protection: never weaker than the config.
  const protection: TargetProtection = { protected: flags.protected === true };
  if (config) {
    if (envName && config.environments[envName]?.protected) {
      Object.assign(protection, { protected: true, env: envName, why: `environments.${envName} in ${workspace.configShown} is protected: true` });
    } else if (uri && resolvedDb) {
      const p = protectionFor({ uriEnv, uri, dbName: resolvedDb, environments: config.environments, env, configFile: workspace.configShown });
      if (p) Object.assign(protection, { protected: true, env: p.env, why: p.why });
    }
  } else if (opts.writing) {
    notes.push(`note: no ${workspace.configShown}, so no environment is known to be protected; pass --protected (or -f <config file>) for a protected database`);
  }
  // A protected target is refused anyway (the CLI holds no approval): that refusal, naming the
  // environment and the way through a release, says more than the deployer rule would.
  if (opts.writing && config && !protection.protected && envName) {
    const { assertMayRelease } = await import('../release/authorize.ts');
    assertMayRelease({ people: config.people, environments: config.environments, path: [envName], identity });
  }
  return {
    workspace, ...(config ? { config } : {}), ...(envName ? { envName } : {}), uriEnv, ...(uri ? { uri } : {}), ...(resolvedDb ? { dbName: resolvedDb } : {}),
    dir, changelogCollection, ...(flags.label ?? envName ? { label: flags.label ?? envName } : {}), identity, protection, notes,
  };
}

/** Refuses a write to a protected target from the CLI (the CLI has no approval to give). */
export function refuseProtected(r: ResolvedMigrate, doing: string): void {
  if (!r.protection.protected) return;
  throw migrateErrors.SHIPGATE_APPROVAL_REQUIRED({
    target: r.label ?? r.dbName ?? r.uriEnv, doing, ...(r.protection.why ? { why: r.protection.why } : {}), ...(r.protection.env ? { env: r.protection.env } : {}),
  });
}

/** Connects to the resolved target, runs `fn`, closes. */
export async function withMigrationTarget<T>(r: ResolvedMigrate, timeout: string | undefined, fn: (target: MigrationTarget) => Promise<T>): Promise<T> {
  if (!r.uri) {
    throw coreErrors.SHIPGATE_ENV_MISSING({ variable: r.uriEnv, purpose: `the MongoDB connection string of the database to migrate${r.envName ? ` (environments.${r.envName}.database.uriEnv)` : ''}` });
  }
  try {
    const password = decodeURIComponent(new URL(r.uri.replace(/^mongodb\+srv:/, 'http:').replace(/^mongodb:/, 'http:')).password);
    registerSecret(password);
  } catch {
    // Not URL-shaped: connectMongo reports it.
  }
  const client: MongoClient = await connectMongo(r.uri, { source: r.uriEnv, timeoutMs: parseDuration(timeout ?? '10s') as number });
  try {
    const dbName = r.dbName ?? dbNameFromUri(r.uri, 'test');
    return await fn(openMigrationTarget({ client, dbName, dir: r.dir, changelogCollection: r.changelogCollection, label: r.label ?? dbName }));
  } finally {
    await client.close();
  }
}
