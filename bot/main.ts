/**
 * `npm run bot`: the bot's entry. Reads its settings from env at the edge and names what is
 * missing: SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN, SHIPGATE_STORE_URI, SHIPGATE_CONFIG (default
 * .github/shipgate.yml), PORT (default 3000), HOST (default 127.0.0.1); in slack.mode github also
 * GITHUB_REPOSITORY (owner/name), GITHUB_TOKEN and optionally GITHUB_API_URL; the GitHub App side
 * when GITHUB_APP_ID is set (bot/github/index.ts).
 *
 * Process survival (docs/security.md): any start-up error closes what was opened and exits 1
 * within a second, naming the cause; once serving, an error nothing caught is logged (redacted)
 * and the bot keeps serving — one bad request must not take both sides down.
 */
import { Octokit } from '@octokit/rest';
import { coreErrors, presentError } from '../pipeline/errors.ts';
import { loadConfig, DEFAULT_CONFIG_FILE } from '../pipeline/config/load.ts';
import { connectMongo, dbNameFromUri } from '../pipeline/mongo/connect.ts';
import { buildReleaseSystem } from '../pipeline/release/factory.ts';
import { registerSecret, redactText } from '../pipeline/secrets/redact.ts';
import { localStateDir } from '../pipeline/cli/session.ts';
import { createSlackBot } from './slack/app.ts';
import { startBotServer } from './server.ts';
import { storeReplayGuard } from './http/replay.ts';
import { githubHandlerFromEnv, githubSideStatus, readGithubAppEnv } from './github/index.ts';
import type { ReleaseRecord } from '../pipeline/release/types.ts';

/** A setting that is a secret: registered with the redactor so it is masked wherever it appears. */
function secret(env: NodeJS.ProcessEnv, name: string, purpose: string): string {
  const v = setting(env, name, purpose);
  registerSecret(v);
  return v;
}

/** A setting that is not a secret (a repository name, a URL without credentials). */
function setting(env: NodeJS.ProcessEnv, name: string, purpose: string): string {
  const v = env[name];
  if (!v) throw coreErrors.SHIPGATE_ENV_MISSING({ variable: name, purpose });
  return v;
}

/** What start-up opened, closed in reverse on the way out. */
const cleanups: Array<() => Promise<unknown>> = [];

async function closeAll(): Promise<void> {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
}

function installLastLineOfDefence(): void {
  const report = (kind: string) => (err: unknown) => {
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    console.error(redactText(`shipgate bot: ${kind} (the bot keeps serving): ${message}`).slice(0, 2000));
  };
  process.on('unhandledRejection', report('unhandled rejection'));
  process.on('uncaughtException', report('uncaught exception'));
}

async function main(env = process.env): Promise<void> {
  const missing = [
    ['SLACK_SIGNING_SECRET', 'verifies that requests come from Slack (Slack app → Basic Information → Signing Secret)'],
    ['SLACK_BOT_TOKEN', 'the bot token xoxb-… (Slack app → OAuth & Permissions)'],
    ['SHIPGATE_STORE_URI', 'the MongoDB connection string of the release store'],
  ].filter(([name]) => !env[name as string]);
  if (missing.length) throw coreErrors.SHIPGATE_ENV_MISSING({ variable: missing.map(([n]) => n).join(', '), purpose: missing.map(([n, p]) => `${n}: ${p}`).join('; ') });
  const signingSecret = secret(env, 'SLACK_SIGNING_SECRET', 'Slack signing secret');
  const botToken = secret(env, 'SLACK_BOT_TOKEN', 'Slack bot token');
  // Registering a connection string registers its password (and tokens), not its host: an error
  // can still say which server failed (pipeline/secrets/redact.ts).
  const storeUri = secret(env, 'SHIPGATE_STORE_URI', 'release store');
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw coreErrors.SHIPGATE_USAGE({ problem: `PORT must be a port number (0–65535), got "${env.PORT}"` });
  // The GitHub App's settings are checked before anything is connected (fail fast, nothing to close).
  const githubOn = readGithubAppEnv(env) !== undefined;
  const config = await loadConfig({ file: env.SHIPGATE_CONFIG ?? DEFAULT_CONFIG_FILE, cwd: process.cwd() });
  const storeClient = await connectMongo(storeUri, { source: 'SHIPGATE_STORE_URI', timeoutMs: 10_000 });
  cleanups.push(() => storeClient.close());
  const system = await buildReleaseSystem({
    config, env, repoRoot: process.cwd(), localStateDir: localStateDir(env), storeClient, storeDbName: dbNameFromUri(storeUri, 'shipgate'), actor: 'shipgate-bot',
  });
  cleanups.push(() => system.close());
  let github;
  if (config.slack?.mode === 'github') {
    const repository = setting(env, 'GITHUB_REPOSITORY', 'owner/name of the repository whose workflows the bot dispatches');
    const [owner, repo, ...rest] = repository.split('/');
    if (!owner || !repo || rest.length) throw coreErrors.SHIPGATE_USAGE({ problem: `GITHUB_REPOSITORY must be owner/name, got "${repository}"` });
    const auth = secret(env, 'GITHUB_TOKEN', 'a token (or App installation token) with actions: write');
    github = { octokit: new Octokit({ auth, ...(env.GITHUB_API_URL ? { baseUrl: env.GITHUB_API_URL } : {}) }), owner, repo };
  }
  // With the GitHub App configured, it decides what an approval starts (promote.yml once per
  // release and digest, or the protection rule); the Slack side only reports the click to it.
  const decisions: { onReleaseDecision?: (id: string) => Promise<void> } = {};
  const bot = createSlackBot({
    signingSecret, botToken, system,
    ...(github ? { github } : {}),
    ...(env.SLACK_API_URL ? { slackApiUrl: env.SLACK_API_URL } : {}),
    ...(githubOn ? { onApproved: async (release: ReleaseRecord) => decisions.onReleaseDecision?.(release._id) } : {}),
  });
  cleanups.push(() => bot.close());
  const githubApp = githubHandlerFromEnv(env, { system, notifier: bot.notifier });
  if (githubApp) {
    cleanups.push(async () => githubApp.stop());
    decisions.onReleaseDecision = githubApp.onReleaseDecision;
  }
  const server = await startBotServer({
    slackHandler: bot.requestListener, slackSigningSecret: signingSecret, replays: storeReplayGuard(system.store.db),
    ...(githubApp ? { githubHandler: githubApp } : {}),
    port, host: env.HOST ?? '127.0.0.1', log: (line) => console.log(line),
  });
  cleanups.push(() => server.close());
  console.log(`shipgate bot listening on ${server.url} (Slack: on at ${server.url}/slack/events, mode ${config.slack?.mode ?? 'none'}; ${githubSideStatus(env).line}; health: ${server.url}/healthz)`);
  const stop = async () => {
    await closeAll();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

installLastLineOfDefence();
main().catch(async (err: unknown) => {
  console.error(presentError(err));
  // Whatever start-up opened (store client, timers, the server) must not keep the process alive:
  // close it, but never wait more than half a second for that.
  await Promise.race([closeAll(), new Promise((r) => setTimeout(r, 500).unref())]);
  process.exit(1);
});
