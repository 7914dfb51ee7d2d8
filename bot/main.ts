/**
 * `npm run bot`: the bot's entry. Reads its settings from env at the edge and names what is
 * missing: SLACK_SIGNING_SECRET (HTTP mode), SLACK_BOT_TOKEN, SHIPGATE_STORE_URI, SHIPGATE_CONFIG
 * (default .github/shipgate.yml), PORT (default 3000), HOST (default 127.0.0.1); SLACK_APP_TOKEN
 * (xapp-…) turns on Socket Mode (SLACK_SOCKET_MODE=1 asks for it, =0 turns it off); in slack.mode
 * github also GITHUB_REPOSITORY (owner/name) and the GitHub App (GITHUB_APP_ID, …; optionally
 * GITHUB_API_URL): dispatches use the App's installation token, never a static token — without the
 * App, github mode refuses to start (docs/hosting.md lists every variable).
 *
 * Process survival (docs/security.md): any start-up error closes what was opened and exits 1
 * within a second, naming the cause; once serving, an error nothing caught is logged (redacted)
 * and the bot keeps serving — one bad request must not take both sides down.
 */
import { coreErrors, presentError } from '../pipeline/errors.ts';
import { loadConfig } from '../pipeline/config/load.ts';
import { findWorkspace } from '../pipeline/repo.ts';
import { connectMongo, dbNameFromUri } from '../pipeline/mongo/connect.ts';
import { buildReleaseSystem } from '../pipeline/release/factory.ts';
import { registerSecret, redactText } from '../pipeline/secrets/redact.ts';
import { localStateDir } from '../pipeline/cli/session.ts';
import { createSlackBot } from './slack/app.ts';
import { startBotServer } from './server.ts';
import { storeReplayGuard } from './http/replay.ts';
import { githubHandlerFromEnv, githubSideStatus, readGithubAppEnv } from './github/index.ts';
import { appBotLogin, installationOctokit } from './github/installation-auth.ts';
import { slackErrors } from './slack/errors.ts';
import type { GithubAccess } from './slack/release-starter.ts';
import type { ReleaseRecord } from '../pipeline/release/types.ts';
import { DashboardAuth } from '../pipeline/dashboard/auth.ts';
import { dashboardSettings } from './dashboard-settings.ts';
import { SlackSignIn } from '../pipeline/dashboard/slack-signin.ts';
import { createDashboard, DASHBOARD_BASE } from '../pipeline/dashboard/server.ts';

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

/**
 * slack.mode github: where and with what the bot dispatches release.yml / promote.yml. Only with the
 * GitHub App: each dispatch carries an installation token of GITHUB_REPOSITORY's own installation
 * (bot/github/installation-auth.ts), so github.actor is the app's bot and release.yml accepts the
 * Slack user as requester. Without the App it refuses to start (fail closed): a static
 * GITHUB_TOKEN would dispatch as its owner, and every Slack-started release would be refused.
 */
function githubAccessFromEnv(env: NodeJS.ProcessEnv): GithubAccess {
  const repository = setting(env, 'GITHUB_REPOSITORY', 'owner/name of the repository whose workflows the bot dispatches');
  const [owner, repo, ...rest] = repository.split('/');
  if (!owner || !repo || rest.length) throw coreErrors.SHIPGATE_USAGE({ problem: `GITHUB_REPOSITORY must be owner/name, got "${repository}"` });
  const app = readGithubAppEnv(env);
  if (!app) throw slackErrors.SHIPGATE_SLACK_GITHUB_APP_REQUIRED({ missing: 'GITHUB_APP_ID' });
  if (env.GITHUB_TOKEN) {
    registerSecret(env.GITHUB_TOKEN);
    console.log('shipgate bot: GITHUB_TOKEN is set but not used: dispatches use the GitHub App\'s installation token');
  }
  const octokit = installationOctokit({ appId: app.appId, privateKey: app.privateKey, owner, repo, ...(env.GITHUB_API_URL ? { baseUrl: env.GITHUB_API_URL } : {}) });
  return { octokit, owner, repo };
}

/** Socket Mode is on when SLACK_APP_TOKEN is set (SLACK_SOCKET_MODE=0 turns it off; =1 requires the token). */
function socketModeOf(env: NodeJS.ProcessEnv): boolean {
  const flag = env.SLACK_SOCKET_MODE;
  if (flag !== undefined && flag !== '' && !['0', '1', 'true', 'false'].includes(flag)) throw coreErrors.SHIPGATE_USAGE({ problem: `SLACK_SOCKET_MODE must be 1 or 0, got "${flag.slice(0, 20)}"` });
  if (flag === '0' || flag === 'false') return false;
  if (flag === '1' || flag === 'true') {
    if (!env.SLACK_APP_TOKEN) throw coreErrors.SHIPGATE_ENV_MISSING({ variable: 'SLACK_APP_TOKEN', purpose: 'Socket Mode (SLACK_SOCKET_MODE=1) connects with the app-level token xapp-… (Slack app → Basic Information → App-Level Tokens, scope connections:write)' });
    return true;
  }
  return !!env.SLACK_APP_TOKEN;
}

async function main(env = process.env): Promise<void> {
  const socketMode = socketModeOf(env);
  const missing = [
    ...(socketMode ? [] : [['SLACK_SIGNING_SECRET', 'verifies that requests come from Slack (Slack app → Basic Information → Signing Secret)']]),
    ['SLACK_BOT_TOKEN', 'the bot token xoxb-… (Slack app → OAuth & Permissions)'],
    ['SHIPGATE_STORE_URI', 'the MongoDB connection string of the release store'],
  ].filter(([name]) => !env[name as string]);
  if (missing.length) throw coreErrors.SHIPGATE_ENV_MISSING({ variable: missing.map(([n]) => n).join(', '), purpose: missing.map(([n, p]) => `${n}: ${p}`).join('; ') });
  // Socket Mode receives nothing over HTTP from Slack: no signature to check (the app-level token authenticates the WebSocket).
  const signingSecret = socketMode ? (env.SLACK_SIGNING_SECRET ?? '') : secret(env, 'SLACK_SIGNING_SECRET', 'Slack signing secret');
  if (signingSecret) registerSecret(signingSecret);
  const appToken = socketMode ? secret(env, 'SLACK_APP_TOKEN', 'Slack app-level token (Socket Mode)') : undefined;
  const botToken = secret(env, 'SLACK_BOT_TOKEN', 'Slack bot token');
  // Registering a connection string registers its password (and tokens), not its host: an error
  // can still say which server failed (pipeline/secrets/redact.ts).
  const storeUri = secret(env, 'SHIPGATE_STORE_URI', 'release store');
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw coreErrors.SHIPGATE_USAGE({ problem: `PORT must be a port number (0–65535), got "${env.PORT}"` });
  // The GitHub App's settings are checked before anything is connected (fail fast, nothing to close).
  const githubOn = readGithubAppEnv(env) !== undefined;
  const dash = dashboardSettings(env);
  // The user's repository (pipeline/repo.ts): SHIPGATE_CONFIG, else the nearest .github/shipgate.yml
  // above the working directory; migrations, suites, profiles and local state resolve against its root.
  const ws = findWorkspace({ ...(env.SHIPGATE_CONFIG ? { config: env.SHIPGATE_CONFIG } : {}), cwd: process.cwd() });
  const config = await loadConfig({ file: ws.configFile, cwd: ws.root });
  const github = config.slack?.mode === 'github' ? githubAccessFromEnv(env) : undefined;
  const storeClient = await connectMongo(storeUri, { source: 'SHIPGATE_STORE_URI', timeoutMs: 10_000 });
  cleanups.push(() => storeClient.close());
  const system = await buildReleaseSystem({
    config, env, repoRoot: ws.root, localStateDir: localStateDir(env, { config: ws.configFile, cwd: ws.root }), storeClient, storeDbName: dbNameFromUri(storeUri, 'shipgate'), actor: 'shipgate-bot',
  });
  cleanups.push(() => system.close());
  // With the GitHub App configured, it decides what an approval starts (promote.yml once per
  // release and digest, or the protection rule); the Slack side only reports the click to it.
  const decisions: { onReleaseDecision?: (id: string) => Promise<void> } = {};
  const dashAuth = dash ? new DashboardAuth(dash.secret, { db: system.store.db, config: () => config, secureCookie: dash.url.startsWith('https:') }) : undefined;
  const dashboard = dashAuth
    ? createDashboard({
        db: system.store.db, config, auth: dashAuth, base: DASHBOARD_BASE, log: (line) => console.log(line), repoRoot: ws.root,
        ...(dash?.slack ? { slackSignIn: new SlackSignIn({ ...dash.slack, redirectUri: `${dash.url}${DASHBOARD_BASE}/auth/slack/callback` }) } : {}),
        // Commits: git where the bot runs in a checkout, else GitHub's compare API with the App's installation token.
        ...(github ? { github: { owner: github.owner, repo: github.repo, request: (route: string, params: Record<string, unknown>) => github.octokit.request(route, params) } } : {}),
        publicUrls: Object.fromEntries(Object.entries(system.runtimes).flatMap(([n, rt]) => (rt.dns ? [[n, rt.dns.publicUrl]] : []))),
      })
    : undefined;
  if (dashboard) cleanups.push(async () => dashboard.close());
  const bot = createSlackBot({
    signingSecret, botToken, system, repoRoot: ws.root,
    ...(appToken ? { socketMode: { appToken } } : {}),
    ...(github ? { github } : {}),
    ...(env.SLACK_API_URL ? { slackApiUrl: env.SLACK_API_URL } : {}),
    ...(githubOn ? { onApproved: async (release: ReleaseRecord) => decisions.onReleaseDecision?.(release._id) } : {}),
    ...(dash && dashAuth ? { dashboard: { linkFor: (person: string) => `${dash.url}${DASHBOARD_BASE}/login?t=${dashAuth.linkToken(person)}` }, dashboardUrl: dash.url } : {}),
  });
  cleanups.push(() => bot.close());
  const githubApp = githubHandlerFromEnv(env, { system, notifier: bot.notifier });
  if (githubApp) {
    cleanups.push(async () => githubApp.stop());
    decisions.onReleaseDecision = githubApp.onReleaseDecision;
  }
  const server = await startBotServer({
    ...(bot.requestListener ? { slackHandler: bot.requestListener, slackSigningSecret: signingSecret, replays: storeReplayGuard(system.store.db) } : {}),
    ...(githubApp ? { githubHandler: githubApp } : {}),
    ...(dashboard ? { dashboard } : {}),
    port, host: env.HOST ?? '127.0.0.1', log: (line) => console.log(line),
  });
  cleanups.push(() => server.close());
  // Socket Mode connects once the server (health, GitHub webhooks) is up; a bad app token fails start-up here.
  await bot.start();
  const slackLine = socketMode ? 'Slack: on over Socket Mode (no HTTP endpoint)' : `Slack: on at ${server.url}/slack/events`;
  const dispatchLine = github ? `; dispatches to ${github.owner}/${github.repo} with the GitHub App's installation token` : '';
  console.log(`shipgate bot listening on ${server.url} (${slackLine}, mode ${config.slack?.mode ?? 'none'}${dispatchLine}; ${githubSideStatus(env).line}; health: ${server.url}/healthz; dashboard: ${dash ? `${dash.url}${DASHBOARD_BASE}/ (sign in with /deploy dashboard)` : 'off (SHIPGATE_DASHBOARD_SECRET)'})`);
  if (github) {
    // Say which login the dispatches run as: release.yml trusts the requester input only from the
    // repository variable SHIPGATE_APP_BOT, which must be exactly this. Informational; never blocks.
    const app = readGithubAppEnv(env)!;
    appBotLogin({ appId: app.appId, privateKey: app.privateKey, ...(env.GITHUB_API_URL ? { baseUrl: env.GITHUB_API_URL } : {}) }).then(
      (login) => console.log(`shipgate bot: dispatches to ${github.owner}/${github.repo} run as ${login}: set the repository variable SHIPGATE_APP_BOT=${login}`),
      (err: unknown) => console.error(redactText(`shipgate bot: could not ask GitHub for the App's login (GET /app): ${(err as Error).message}`).slice(0, 500)),
    );
  }
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
