/**
 * `npm run bot`: the bot's entry. Reads its settings from env at the edge and names what is
 * missing: SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN, SHIPGATE_STORE_URI, SHIPGATE_CONFIG (default
 * .github/shipgate.yml), PORT (default 3000), HOST (default 127.0.0.1); in slack.mode github also
 * GITHUB_REPOSITORY (owner/name) and GITHUB_TOKEN.
 */
import { Octokit } from '@octokit/rest';
import { coreErrors, presentError } from '../pipeline/errors.ts';
import { loadConfig, DEFAULT_CONFIG_FILE } from '../pipeline/config/load.ts';
import { connectMongo, dbNameFromUri } from '../pipeline/mongo/connect.ts';
import { buildReleaseSystem } from '../pipeline/release/factory.ts';
import { registerSecret } from '../pipeline/secrets/redact.ts';
import { localStateDir } from '../pipeline/cli/session.ts';
import { createSlackBot } from './slack/app.ts';
import { startBotServer } from './server.ts';
import { githubHandlerFromEnv } from './github/index.ts';
import type { ReleaseRecord } from '../pipeline/release/types.ts';

function required(env: NodeJS.ProcessEnv, name: string, purpose: string): string {
  const v = env[name];
  if (!v) throw coreErrors.SHIPGATE_ENV_MISSING({ variable: name, purpose });
  registerSecret(v);
  return v;
}

async function main(env = process.env): Promise<void> {
  const missing = [
    ['SLACK_SIGNING_SECRET', 'verifies that requests come from Slack (Slack app → Basic Information → Signing Secret)'],
    ['SLACK_BOT_TOKEN', 'the bot token xoxb-… (Slack app → OAuth & Permissions)'],
    ['SHIPGATE_STORE_URI', 'the MongoDB connection string of the release store'],
  ].filter(([name]) => !env[name as string]);
  if (missing.length) throw coreErrors.SHIPGATE_ENV_MISSING({ variable: missing.map(([n]) => n).join(', '), purpose: missing.map(([n, p]) => `${n}: ${p}`).join('; ') });
  const signingSecret = required(env, 'SLACK_SIGNING_SECRET', 'Slack signing secret');
  const botToken = required(env, 'SLACK_BOT_TOKEN', 'Slack bot token');
  const storeUri = required(env, 'SHIPGATE_STORE_URI', 'release store');
  const config = await loadConfig({ file: env.SHIPGATE_CONFIG ?? DEFAULT_CONFIG_FILE, cwd: process.cwd() });
  const storeClient = await connectMongo(storeUri, { source: 'SHIPGATE_STORE_URI', timeoutMs: 10_000 });
  const system = await buildReleaseSystem({
    config, env, repoRoot: process.cwd(), localStateDir: localStateDir(env), storeClient, storeDbName: dbNameFromUri(storeUri, 'shipgate'), actor: 'shipgate-bot',
  });
  let github;
  if (config.slack?.mode === 'github') {
    const [owner, repo] = required(env, 'GITHUB_REPOSITORY', 'owner/name of the repository whose workflows the bot dispatches').split('/');
    if (!owner || !repo) throw coreErrors.SHIPGATE_USAGE({ problem: `GITHUB_REPOSITORY must be owner/name, got "${env.GITHUB_REPOSITORY}"` });
    github = { octokit: new Octokit({ auth: required(env, 'GITHUB_TOKEN', 'a token (or App installation token) with actions: write') }), owner, repo };
  }
  // With the GitHub App configured, it decides what an approval starts (promote.yml once per
  // release and digest, or the protection rule); the Slack side only reports the click to it.
  const decisions: { onReleaseDecision?: (id: string) => Promise<void> } = {};
  const bot = createSlackBot({
    signingSecret, botToken, system,
    ...(github ? { github } : {}),
    ...(env.SLACK_API_URL ? { slackApiUrl: env.SLACK_API_URL } : {}),
    ...(env.GITHUB_APP_ID ? { onApproved: async (release: ReleaseRecord) => decisions.onReleaseDecision?.(release._id) } : {}),
  });
  const githubApp = githubHandlerFromEnv(env, { system, notifier: bot.notifier });
  if (githubApp) decisions.onReleaseDecision = githubApp.onReleaseDecision;
  const port = Number(env.PORT ?? 3000);
  const server = await startBotServer({ slackHandler: bot.requestListener, ...(githubApp ? { githubHandler: githubApp } : {}), port, host: env.HOST ?? '127.0.0.1', log: console.log });
  console.log(`shipgate bot listening on ${server.url} (Slack: ${server.url}/slack/events, health: ${server.url}/healthz, mode: ${config.slack?.mode ?? 'none'})`);
  const stop = async () => {
    await server.close();
    await bot.close();
    await system.close();
    await storeClient.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((err: unknown) => {
  console.error(presentError(err));
  process.exitCode = 1;
});
