/**
 * The GitHub side of the bot: `createGithubWebhookHandler(...)` builds the real Probot app and
 * returns the request handler bot/server.ts mounts at POST /api/github/webhooks. Probot's
 * middleware verifies X-Hub-Signature-256 (HMAC-SHA256 of the raw body with the webhook secret)
 * before any handler runs; a forged or missing signature gets 400 and changes nothing.
 * The app's private key and webhook secret are registered with the redactor, so they (and the
 * installation tokens, which never leave Octokit) are never logged.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Probot, createNodeMiddleware, type Logger } from 'probot';
import { registerSecret, redactText } from '../../pipeline/secrets/redact.ts';
import type { ReleaseSystem } from '../../pipeline/release/factory.ts';
import { coreErrors } from '../../pipeline/errors.ts';
import type { ReleaseNotifier } from '../notify.ts';
import { shipgateGithubApp } from './app.ts';
import { createRuleKeeper, type RuleKeeper } from './rule-keeper.ts';

export const GITHUB_WEBHOOK_PATH = '/api/github/webhooks';

export interface GithubWebhookOptions {
  appId: number | string;
  /** The app's private key (PEM). */
  privateKey: string;
  webhookSecret: string;
  /** GitHub's REST API (default https://api.github.com; GHES: https://host/api/v3; tests: a loopback fake). */
  baseUrl?: string;
  system: Pick<ReleaseSystem, 'store' | 'policy' | 'runnerDeps'>;
  notifier: ReleaseNotifier;
  /** `dispatch` (default, any plan) or `protection-rule` (the rule on release.yml's production job gates). */
  mode?: 'dispatch' | 'protection-rule';
  promoteWorkflow?: string;
  /** Dispatch promote.yml after a completed approval in dispatch mode (default true; off when another part of the bot does it). */
  dispatchPromote?: boolean;
  /** owner/name, when release records carry only the app name. */
  repository?: string;
  logLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  /** A pino logger to use instead of Probot's (stdout). */
  log?: Logger;
}

export interface GithubWebhookHandler {
  (req: IncomingMessage, res: ServerResponse): void;
  probot: Probot;
  keeper: RuleKeeper;
  /** Call after an approval or rejection was recorded (Slack does; CLI decisions are found by the poll). */
  onReleaseDecision(releaseId: string): Promise<void>;
  /** Polls the store for decisions recorded elsewhere (CLI); returns a stop function. */
  startDecisionPoll(intervalMs?: number): () => void;
}

export function createGithubWebhookHandler(opts: GithubWebhookOptions): GithubWebhookHandler {
  registerSecret(opts.privateKey);
  registerSecret(opts.webhookSecret);
  const probot = new Probot({
    appId: opts.appId, privateKey: opts.privateKey, secret: opts.webhookSecret,
    ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}),
    logLevel: opts.logLevel ?? 'info',
    ...(opts.log ? { log: opts.log } : {}),
  });
  const log = { info: (m: string) => probot.log.info(redactText(m)), warn: (m: string) => probot.log.warn(redactText(m)) };
  const keeper = createRuleKeeper({
    system: opts.system, notifier: opts.notifier, mode: opts.mode ?? 'dispatch', promoteWorkflow: opts.promoteWorkflow ?? 'promote.yml', dispatchPromote: opts.dispatchPromote ?? true,
    ...(opts.repository ? { repository: opts.repository } : {}),
    log,
    async installationClient({ installationId, owner, repo }) {
      let id = installationId;
      if (!id) {
        const asApp = await probot.auth();
        id = ((await asApp.request('GET /repos/{owner}/{repo}/installation', { owner, repo })).data as { id: number }).id;
      }
      const octokit = await probot.auth(id);
      return { octokit, request: (route, params) => octokit.request(route, params) };
    },
  });
  const middleware = createNodeMiddleware(shipgateGithubApp({ store: opts.system.store, notifier: opts.notifier, keeper }), { probot, webhooksPath: GITHUB_WEBHOOK_PATH });
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    middleware
      .then((mw) => mw(req, res, () => void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n')))
      .catch((err: unknown) => {
        log.warn(`github webhook failed: ${(err as Error).message}`);
        if (!res.headersSent) res.writeHead(500).end();
      });
  };
  return Object.assign(handler, {
    probot, keeper,
    onReleaseDecision: (id: string) => keeper.onReleaseDecision(id),
    startDecisionPoll(intervalMs = 15_000) {
      let running = false;
      const timer = setInterval(() => {
        if (running) return;
        running = true;
        keeper.pollDecisions().finally(() => (running = false));
      }, intervalMs);
      timer.unref();
      return () => clearInterval(timer);
    },
  });
}

/**
 * The handler from the bot's env, or undefined when no GitHub App is configured: GITHUB_APP_ID,
 * GITHUB_APP_PRIVATE_KEY (PEM, `\n` escapes allowed), GITHUB_WEBHOOK_SECRET; optional
 * GITHUB_API_URL, The mode and promote workflow come from the config (`github.guard`,
 * `github.promoteWorkflow`). Starts the decision poll (CLI approvals, rule decisions).
 */
export function githubHandlerFromEnv(env: NodeJS.ProcessEnv, deps: { system: GithubWebhookOptions['system'] & Pick<ReleaseSystem, 'config'>; notifier: ReleaseNotifier }): GithubWebhookHandler | undefined {
  if (!env.GITHUB_APP_ID) return undefined;
  const need = (name: string, purpose: string) => {
    const v = env[name];
    if (!v) throw coreErrors.SHIPGATE_ENV_MISSING({ variable: name, purpose });
    return v;
  };
  const { config } = deps.system;
  const handler = createGithubWebhookHandler({
    appId: env.GITHUB_APP_ID,
    privateKey: need('GITHUB_APP_PRIVATE_KEY', "the GitHub App's private key (App settings → Private keys)").replace(/\\n/g, '\n'),
    webhookSecret: need('GITHUB_WEBHOOK_SECRET', "the GitHub App's webhook secret (App settings → Webhook secret)"),
    ...(env.GITHUB_API_URL ? { baseUrl: env.GITHUB_API_URL } : {}),
    ...(env.GITHUB_REPOSITORY ? { repository: env.GITHUB_REPOSITORY } : {}),
    promoteWorkflow: config.github.promoteWorkflow,
    mode: config.github.guard,
    // The bot's Slack side reports Approve clicks to onReleaseDecision (bot/main.ts), so this app
    // is the one place that dispatches promote.yml — once per release and digest.
    dispatchPromote: true,
    ...deps,
  });
  handler.startDecisionPoll();
  return handler;
}
