/**
 * The GitHub side of the bot: `createGithubWebhookHandler(...)` builds the real Probot app and
 * returns the request handler bot/server.ts mounts at POST /api/github/webhooks. The edge in front
 * of it (webhook-edge.ts) bounds the body (25 MB), verifies X-Hub-Signature-256 in constant time,
 * validates the payloads of the events the app acts on (400 otherwise) and only then hands the
 * delivery to `probot.receive`. The private key is checked at start (a bad one fails there, with
 * the variable's name, never its value); the key and webhook secret are registered with the
 * redactor, and Probot's logger never writes payloads (its `event` and error fields are reduced to
 * the delivery id and name), so neither they nor installation tokens reach a log.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pino } from 'pino';
import { Probot, type Logger } from 'probot';
import { registerSecret, redactText } from '../../pipeline/secrets/redact.ts';
import type { ReleaseSystem } from '../../pipeline/release/factory.ts';
import type { ReleaseNotifier } from '../notify.ts';
import { shipgateGithubApp } from './app.ts';
import { createRuleKeeper, type RuleKeeper } from './rule-keeper.ts';
import { createWebhookEdge } from './webhook-edge.ts';
import { GITHUB_MAX_BODY_BYTES } from '../http/body.ts';
import { checkPrivateKey, readGithubAppEnv } from './env.ts';

export { checkPrivateKey, githubSideStatus, readGithubAppEnv, GITHUB_APP_VARIABLES, type GithubAppEnv, type GithubSideStatus } from './env.ts';


export interface GithubWebhookOptions {
  appId: number | string;
  /** The app's private key (PEM). */
  privateKey: string;
  /** Where the key came from, named in the error when it is not a usable key (default GITHUB_APP_PRIVATE_KEY). */
  privateKeySource?: string;
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
  /** owner/name, when release records carry only the app name. Events from other repositories never touch a release. */
  repository?: string;
  logLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  /** A pino logger to use instead of Probot's (stdout). */
  log?: Logger;
  /** Largest webhook body accepted (default 25 MB, GitHub's cap). */
  maxPayloadBytes?: number;
}

export interface GithubWebhookHandler {
  (req: IncomingMessage, res: ServerResponse): void;
  probot: Probot;
  keeper: RuleKeeper;
  /** Call after an approval or rejection was recorded (Slack does; CLI decisions are found by the poll). */
  onReleaseDecision(releaseId: string): Promise<void>;
  /** Polls the store for decisions recorded elsewhere (CLI); returns a stop function. */
  startDecisionPoll(intervalMs?: number): () => void;
  /** Stops the decision poll started by githubHandlerFromEnv (if any). */
  stop(): void;
}

/** Probot's fields that would carry a payload are reduced to the delivery's id and name. */
function withoutPayloads(log: Logger): Logger {
  const event = (e: unknown) => (e && typeof e === 'object' ? { id: (e as { id?: unknown }).id, name: (e as { name?: unknown }).name } : e);
  const strip = (s: Record<string, unknown>): Record<string, unknown> => {
    const { event: ev, payload: _payload, ...rest } = s;
    if (ev !== undefined) rest.event = event(ev);
    if (Array.isArray(rest.aggregateErrors)) rest.aggregateErrors = rest.aggregateErrors.map((x) => (x && typeof x === 'object' ? strip(x as Record<string, unknown>) : x));
    if (typeof rest.message === 'string') rest.message = redactText(rest.message);
    if (typeof rest.stack === 'string') rest.stack = redactText(rest.stack);
    return rest;
  };
  const err = (e: unknown) => {
    const s = pino.stdSerializers.err(e as Error) as unknown;
    return s && typeof s === 'object' ? strip(s as Record<string, unknown>) : s;
  };
  return log.child({}, { serializers: { event, err, payload: () => '[payload not logged]' } });
}

export function createGithubWebhookHandler(opts: GithubWebhookOptions): GithubWebhookHandler {
  checkPrivateKey(opts.privateKey, opts.privateKeySource);
  registerSecret(opts.privateKey);
  registerSecret(opts.webhookSecret);
  const probotLog = withoutPayloads(opts.log ?? pino({ level: opts.logLevel ?? 'info', name: 'probot' }));
  const probot = new Probot({
    appId: opts.appId, privateKey: opts.privateKey, secret: opts.webhookSecret,
    ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}),
    log: probotLog,
  });
  const log = { info: (m: string) => probotLog.info(redactText(m)), warn: (m: string) => probotLog.warn(redactText(m)) };
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
  const loaded = probot.load(shipgateGithubApp({ store: opts.system.store, notifier: opts.notifier, keeper, ...(opts.repository ? { repository: opts.repository } : {}) }));
  loaded.catch(() => undefined); // surfaced by the first delivery (500), not as an unhandled rejection
  const edge = createWebhookEdge({
    secret: opts.webhookSecret,
    maxBytes: opts.maxPayloadBytes ?? GITHUB_MAX_BODY_BYTES,
    log,
    receive: async (event) => {
      await loaded;
      await probot.receive(event as Parameters<Probot['receive']>[0]);
    },
  });
  let stopPoll: (() => void) | undefined;
  return Object.assign(edge, {
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
      stopPoll = () => clearInterval(timer);
      return stopPoll;
    },
    stop: () => stopPoll?.(),
  });
}

/**
 * The handler from the bot's env, or undefined when no GitHub App is configured (env.ts:
 * GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY — PEM, `\n` escapes allowed —, GITHUB_WEBHOOK_SECRET, or
 * Probot's names APP_ID, PRIVATE_KEY, WEBHOOK_SECRET; some but not all of them is an error naming
 * the missing ones; a key that is not a private key is an error at start). Optional GITHUB_API_URL
 * and GITHUB_REPOSITORY. The mode and promote workflow come from the config (`github.guard`,
 * `github.promoteWorkflow`). Starts the decision poll (CLI approvals, rule decisions).
 */
export function githubHandlerFromEnv(env: NodeJS.ProcessEnv, deps: { system: GithubWebhookOptions['system'] & Pick<ReleaseSystem, 'config'>; notifier: ReleaseNotifier }): GithubWebhookHandler | undefined {
  const app = readGithubAppEnv(env);
  if (!app) return undefined;
  const { config } = deps.system;
  const handler = createGithubWebhookHandler({
    appId: app.appId,
    privateKey: app.privateKey,
    privateKeySource: app.sources.privateKey,
    webhookSecret: app.webhookSecret,
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
