/**
 * What every Shipgate action opens, from the workflow's env at the edge: the config
 * (input `config`, default .github/shipgate.yml), the release store (SHIPGATE_STORE_URI — a
 * workflow shares its state with the bot through it), and the release system. The repository
 * (GITHUB_REPOSITORY) is recorded on releases so the bot can dispatch promote.yml for them.
 */
import { resolve } from 'node:path';
import type { MongoClient } from 'mongodb';
import { loadConfig, DEFAULT_CONFIG_FILE } from '../../../pipeline/config/load.ts';
import type { ShipgateConfig } from '../../../pipeline/config/schema.ts';
import { coreErrors } from '../../../pipeline/errors.ts';
import { connectMongo, dbNameFromUri } from '../../../pipeline/mongo/connect.ts';
import { buildReleaseSystem, type ReleaseSystem } from '../../../pipeline/release/factory.ts';
import { registerSecret } from '../../../pipeline/secrets/redact.ts';

export interface ActionSession {
  config: ShipgateConfig;
  system: ReleaseSystem;
  storeClient: MongoClient;
  env: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

export async function openActionSession(opts: { config?: string; env?: NodeJS.ProcessEnv } = {}): Promise<ActionSession> {
  const env = opts.env ?? process.env;
  const storeUri = env.SHIPGATE_STORE_URI;
  if (!storeUri) throw coreErrors.SHIPGATE_ENV_MISSING({ variable: 'SHIPGATE_STORE_URI', purpose: 'the MongoDB connection string of the release store (a repository secret shared with the bot)' });
  registerSecret(storeUri);
  const cwd = env.GITHUB_WORKSPACE ? resolve(env.GITHUB_WORKSPACE) : process.cwd();
  const config = await loadConfig({ file: opts.config || DEFAULT_CONFIG_FILE, cwd });
  const storeClient = await connectMongo(storeUri, { source: 'SHIPGATE_STORE_URI', timeoutMs: 15_000 });
  try {
    const system = await buildReleaseSystem({
      config, env, repoRoot: cwd, localStateDir: resolve(cwd, env.SHIPGATE_STATE_DIR ?? '.shipgate/local'), storeClient,
      storeDbName: dbNameFromUri(storeUri, 'shipgate'),
      actor: `github:${env.GITHUB_ACTOR ?? 'actions'}`,
      ...(env.GITHUB_REPOSITORY ? { repo: env.GITHUB_REPOSITORY } : {}),
    });
    return {
      config, system, storeClient, env,
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
