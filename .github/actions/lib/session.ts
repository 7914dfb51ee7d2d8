/**
 * What every Shipgate action opens, from the workflow's env at the edge: the config
 * (input `config`, default .github/shipgate.yml), the release store (SHIPGATE_STORE_URI — a
 * workflow shares its state with the bot through it), and the release system. The repository
 * (GITHUB_REPOSITORY) is recorded on releases so the bot can dispatch promote.yml for them.
 */
import type { MongoClient } from 'mongodb';
import { loadConfig } from '../../../pipeline/config/load.ts';
import { findWorkspace, stateDirOf, type Workspace } from '../../../pipeline/repo.ts';
import type { ShipgateConfig } from '../../../pipeline/config/schema.ts';
import { coreErrors } from '../../../pipeline/errors.ts';
import { connectMongo, dbNameFromUri } from '../../../pipeline/mongo/connect.ts';
import { buildReleaseSystem, type ReleaseSystem } from '../../../pipeline/release/factory.ts';
import { registerSecret } from '../../../pipeline/secrets/redact.ts';

export interface ActionSession {
  /** The user's repository (GITHUB_WORKSPACE, where actions/checkout put it): every config path resolves against it. */
  workspace: Workspace;
  config: ShipgateConfig;
  system: ReleaseSystem;
  storeClient: MongoClient;
  env: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

/**
 * The user's repository of this job: found from GITHUB_WORKSPACE (the checkout), else the cwd —
 * never the action's own folder. Input `config` is relative to it.
 */
export function actionWorkspace(opts: { config?: string; env?: NodeJS.ProcessEnv } = {}): Workspace {
  const env = opts.env ?? process.env;
  return findWorkspace({ cwd: workspaceCwd(env), ...(opts.config ? { config: opts.config } : {}) });
}

const workspaceCwd = (env: NodeJS.ProcessEnv): string => env.GITHUB_WORKSPACE || process.cwd();

export async function openActionSession(opts: { config?: string; env?: NodeJS.ProcessEnv } = {}): Promise<ActionSession> {
  const env = opts.env ?? process.env;
  const storeUri = env.SHIPGATE_STORE_URI;
  if (!storeUri) throw coreErrors.SHIPGATE_ENV_MISSING({ variable: 'SHIPGATE_STORE_URI', purpose: 'the MongoDB connection string of the release store (a repository secret shared with the bot)' });
  registerSecret(storeUri);
  const workspace = actionWorkspace({ ...(opts.config ? { config: opts.config } : {}), env });
  const config = await loadConfig({ file: workspace.configShown, cwd: workspaceCwd(env) });
  const storeClient = await connectMongo(storeUri, { source: 'SHIPGATE_STORE_URI', timeoutMs: 15_000 });
  try {
    const system = await buildReleaseSystem({
      config, env, repoRoot: workspace.root, localStateDir: stateDirOf(workspace, env), storeClient,
      storeDbName: dbNameFromUri(storeUri, 'shipgate'),
      actor: `github:${env.GITHUB_ACTOR ?? 'actions'}`,
      ...(env.GITHUB_REPOSITORY ? { repo: env.GITHUB_REPOSITORY } : {}),
    });
    return {
      workspace, config, system, storeClient, env,
      async close() {
        await system.close();
        await storeClient.close();
      },
    };
  } catch (err) {
    await storeClient.close();
    throw err;
  }
}
