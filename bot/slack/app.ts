/**
 * The Slack side of the bot: a Bolt app on an HTTPReceiver (request signature verification with
 * the signing secret, 5-minute replay window, bad signature → 401), `/deploy`, Approve/Reject, and
 * the Slack ReleaseNotifier. bot/server.ts mounts `requestListener` at /slack/*.
 * In Socket Mode (`socketMode: { appToken }`, for a bot without a public URL) Bolt's
 * SocketModeReceiver opens a WebSocket to Slack with the app-level token (apps.connections.open)
 * and receives the same commands and clicks as envelopes on it; there is no requestListener then,
 * and `start()` connects (docs/hosting.md#socket-mode, docs/security.md).
 */
import { App, HTTPReceiver, LogLevel, SocketModeReceiver, webApi, type Authorize, type Logger, type Receiver } from '@slack/bolt';
import type { RequestListener } from 'node:http';
import { SLACK_PATHS } from '../http/slack-edge.ts';
import { registerSecret, redactText } from '../../pipeline/secrets/redact.ts';
import type { ReleaseSystem } from '../../pipeline/release/factory.ts';
import { resolveCommit } from '../../pipeline/cli/git.ts';
import { dispatchPromote } from '../github/dispatch.ts';
import type { ReleaseRecord } from '../../pipeline/release/types.ts';
import { registerDeployCommand } from './deploy-command.ts';
import { registerApprovalActions } from './approval-actions.ts';
import { SlackNotifier } from './notifier.ts';
import { BackgroundWork } from './background.ts';
import { answers, ephemeral, ACTION_APPROVE, ACTION_REJECT, REJECT_MODAL } from './blocks.ts';
import { githubStarter, localStarter, type GithubAccess, type ReleaseStarter } from './release-starter.ts';
import { slackErrors } from './errors.ts';

export interface SlackAppOptions {
  /** Verifies HTTP requests (HTTP mode); unused in Socket Mode, where no request comes over HTTP. */
  signingSecret: string;
  botToken: string;
  /**
   * Socket Mode: the app-level token (xapp-…, scope connections:write) opens the WebSocket instead of
   * serving HTTP; start() fails after connectTimeoutMs (default 30 s) without a connection.
   */
  socketMode?: { appToken: string; connectTimeoutMs?: number };
  system: ReleaseSystem;
  /** Web API base URL (tests: the loopback fake); trailing slash required. */
  slackApiUrl?: string;
  /** GitHub mode: where release.yml / promote.yml are dispatched. */
  github?: GithubAccess;
  /** Local mode: ref → commit sha (default: git rev-parse in the repository root). */
  resolveRef?: (ref: string) => Promise<string>;
  repoRoot?: string;
  defaultRef?: string;
  approvalPollMs?: number;
  updateIntervalMs?: number;
  log?: (line: string) => void;
  /**
   * Called after an Approve click completed an approval. When the GitHub App runs in the same bot,
   * main.ts passes its decision hook (which dispatches promote.yml once per release and digest, or
   * answers the protection rule); otherwise, in GitHub mode with guard dispatch, the Slack side
   * dispatches promote.yml itself.
   */
  onApproved?: (release: ReleaseRecord) => Promise<void>;
  /** The dashboard's sign-in links for `/deploy dashboard` (bot/main.ts, when the dashboard is on). */
  dashboard?: { linkFor(person: string): string };
  /** The bot's public base URL: live messages link to the release's dashboard page. */
  dashboardUrl?: string;
}

export interface SlackBot {
  app: App;
  notifier: SlackNotifier;
  starter: ReleaseStarter;
  /** HTTP mode: Bolt's HTTPReceiver listener for bot/server.ts. Undefined in Socket Mode. */
  requestListener?: RequestListener;
  /** Socket Mode: connects to Slack (apps.connections.open, then the WebSocket). HTTP mode: nothing to do. */
  start(): Promise<void>;
  /** Releases picked up at start that a previous process left waiting or running (local mode). */
  resumed: Promise<string[]>;
  close(): Promise<void>;
}

/** Bolt's logger, writing through the bot's `log`, which redacts every line (the token and signing secret are registered secrets). */
function boltLogger(log: (line: string) => void): Logger {
  let level = LogLevel.INFO;
  const out = (lvl: string) => (...msg: unknown[]) => log(`[bolt ${lvl}] ${msg.map((m) => (m instanceof Error ? m.message : typeof m === 'string' ? m : JSON.stringify(m))).join(' ')}`);
  return {
    debug: () => undefined,
    info: out('info'),
    warn: out('warn'),
    error: out('error'),
    setLevel: (l) => void (level = l),
    getLevel: () => level,
    setName: () => undefined,
  };
}

export function createSlackBot(opts: SlackAppOptions): SlackBot {
  registerSecret(opts.botToken);
  registerSecret(opts.signingSecret);
  if (opts.socketMode) {
    registerSecret(opts.socketMode.appToken);
    // Bolt's Socket Mode client retries apps.connections.open forever on errors it deems recoverable
    // (a bot token there gets not_allowed_token_type): refuse what cannot be an app-level token at once.
    if (!opts.socketMode.appToken.startsWith('xapp-')) throw slackErrors.SHIPGATE_SLACK_SOCKET_MODE({ reason: 'SLACK_APP_TOKEN is not an app-level token (xapp-…)' });
  }
  const log = (line: string) => (opts.log ?? ((l: string) => console.log(l)))(redactText(line));
  const { system } = opts;
  const slack = system.config.slack;
  if (!slack) throw new Error('the config has no slack section: add slack: { channel: "#deploys" } to .github/shipgate.yml (docs/slack.md)');
  const logger = boltLogger(log);
  const clientOptions = { logger, ...(opts.slackApiUrl ? { slackApiUrl: opts.slackApiUrl } : {}) };
  const connectTimeoutMs = opts.socketMode?.connectTimeoutMs ?? 30_000;
  const http = opts.socketMode ? undefined : new HTTPReceiver({ signingSecret: opts.signingSecret, endpoints: [...SLACK_PATHS], processBeforeResponse: false, logger });
  // Socket Mode: apps.connections.open goes through the same Web API base URL (installerOptions.clientOptions
  // is what Bolt hands the SocketModeClient); no OAuth installer, no HTTP server of Bolt's own.
  const receiver: Receiver = http ?? new SocketModeReceiver({ appToken: opts.socketMode!.appToken, logger, installerOptions: { clientOptions } });
  // One client with the bot token for everything the bot posts on its own (notifier, notices).
  const client = new webApi.WebClient(opts.botToken, clientOptions);
  // Bolt's single-token authorization with tokenVerificationEnabled: false calls auth.test before
  // every request (a Slack round trip before the ack); this one asks once and keeps the answer.
  let identity: Promise<{ botId?: string; botUserId?: string }> | undefined;
  const authorize: Authorize<boolean> = async () => {
    identity ??= client.auth.test().then(
      (r) => ({ ...(r.bot_id ? { botId: r.bot_id } : {}), ...(r.user_id ? { botUserId: r.user_id } : {}) }),
      (err: unknown) => {
        identity = undefined;
        throw err;
      },
    );
    return { botToken: opts.botToken, ...(await identity) };
  };
  // No conversation store: nothing here uses it, and it is one more step before every ack.
  const app = new App({ authorize, receiver, logger, clientOptions, convoStore: false });
  app.error(async (err) => log(`slack: listener failed: ${err.message}`));

  const load = system.config.gates.load;
  const thresholds = load.enabled ? Object.entries(load.thresholds).flatMap(([metric, exprs]) => exprs.map((e) => `${metric} ${e}`)) : [];
  const notifier = new SlackNotifier({
    client, db: system.store.db, channel: slack.channel, approvalsChannel: slack.approvalsChannel,
    policy: system.policy, thresholds, log, ...(opts.updateIntervalMs !== undefined ? { minIntervalMs: opts.updateIntervalMs } : {}),
    ...(opts.dashboardUrl ? { dashboardUrl: opts.dashboardUrl } : {}),
  });
  const root = opts.repoRoot ?? process.cwd();
  const starter =
    slack.mode === 'github'
      ? githubStarter({ system, ...(opts.github ? { github: opts.github } : {}) })
      : localStarter({ system, notifier, resolveRef: opts.resolveRef ?? ((ref) => resolveCommit(ref, root)), log, ...(opts.approvalPollMs ? { approvalPollMs: opts.approvalPollMs } : {}) });

  const work = new BackgroundWork((err) => log(`slack: work after an ack failed: ${(err as Error).message}`));
  registerDeployCommand(app, { system, starter, channel: slack.channel, defaultRef: opts.defaultRef ?? 'main', log, work, ...(opts.dashboard ? { dashboard: opts.dashboard } : {}) });
  registerApprovalActions(app, {
    system, notifier, messages: notifier.store, thresholds, log,
    ...(opts.onApproved
      ? { onApproved: opts.onApproved }
      : slack.mode === 'github' && opts.github && system.config.github.guard === 'dispatch'
      ? {
          onApproved: async (release) => {
            const gh = opts.github as GithubAccess;
            await dispatchPromote(gh.octokit, { owner: gh.owner, repo: gh.repo, workflow: system.config.github.promoteWorkflow, release: release._id });
          },
        }
      : {}),
  });
  registerCatchAll(app);

  const resumed = starter.resume().catch((err: unknown) => {
    log(`slack: could not look for releases left by a previous process: ${(err as Error).message}`);
    return [];
  });
  return {
    app,
    notifier,
    starter,
    ...(http ? { requestListener: http.requestListener } : {}),
    resumed,
    async start() {
      if (http) return;
      // Bolt retries a connection that failed for a reason it deems recoverable (network, rate limit)
      // without end: start-up waits at most connectTimeoutMs, then stops it and says so.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`not connected within ${Math.round(connectTimeoutMs / 1000)} s`)), connectTimeoutMs);
      });
      try {
        await Promise.race([app.start(), timeout]);
      } catch (err) {
        await app.stop().catch(() => undefined);
        const e = err as { data?: { error?: string }; message?: string };
        throw slackErrors.SHIPGATE_SLACK_SOCKET_MODE({ reason: e.data?.error ?? e.message ?? String(err) }, err);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      if (!http) await app.stop().catch((err: unknown) => log(`slack: socket mode stop: ${(err as Error).message}`));
      await resumed;
      await work.idle();
      await starter.close();
      await notifier.flush();
    },
  };
}

/**
 * Whatever Shipgate has no listener for is acknowledged at once (Bolt would let it wait ~3 s and
 * answer 404): other slash commands get an ephemeral "unknown command"; other buttons, modals,
 * shortcuts and option requests an empty ack. Nothing is done for them.
 */
function registerCatchAll(app: App): void {
  app.command(/^(?!\/deploy$)/, async ({ ack, command }) => ack(ephemeral(answers.unknownCommand(command.command))));
  app.action(new RegExp(`^(?!(${ACTION_APPROVE}|${ACTION_REJECT})$)`), async ({ ack }) => ack());
  app.action({ type: 'interactive_message', callback_id: /.*/ }, async ({ ack }) => ack());
  app.action({ type: 'dialog_submission', callback_id: /.*/ }, async ({ ack }) => ack());
  app.view(new RegExp(`^(?!${REJECT_MODAL}$)`), async ({ ack }) => ack());
  app.view({ type: 'view_closed', callback_id: /.*/ }, async ({ ack }) => ack());
  app.shortcut(/.*/, async ({ ack }) => ack());
  app.options(/.*/, async ({ ack }) => ack({ options: [] }));
}
