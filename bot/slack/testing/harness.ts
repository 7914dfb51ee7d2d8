/**
 * Test harness for the Slack side: the real Bolt app behind the real bot server on loopback,
 * requests signed exactly as Slack signs them (v0 HMAC-SHA256 over "v0:<ts>:<raw body>"), and
 * the Web API pointed at the loopback Slack fake. Used by tests and bench/slack-ack.ts only.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { ReleaseSystem } from '../../../pipeline/release/factory.ts';
import { startSlackFake, type SlackFake } from '../../../pipeline/testing/fakes/slack.ts';
import { startBotServer, type BotServer, type BotServerOptions } from '../../server.ts';
import { createSlackBot, type SlackAppOptions, type SlackBot } from '../app.ts';

export const SIGNING_SECRET = `sgsign${randomBytes(12).toString('hex')}`;
export const BOT_TOKEN = `xoxb-1234-5678-${randomBytes(10).toString('hex')}`;

export interface SlackHarness {
  fake: SlackFake;
  bot: SlackBot;
  server: BotServer;
  logs: string[];
  close(): Promise<void>;
}

/** `fake`: keep using a Slack fake that outlives this harness (a bot restart); it is not closed. */
export async function startSlackHarness(opts: { system: ReleaseSystem } & Partial<SlackAppOptions> & { userGroups?: Record<string, string[]>; fake?: SlackFake; serverDashboard?: BotServerOptions['dashboard'] }): Promise<SlackHarness> {
  const ownFake = !opts.fake;
  const fake = opts.fake ?? (await startSlackFake({ token: BOT_TOKEN, ...(opts.userGroups ? { userGroups: opts.userGroups } : {}) }));
  const logs: string[] = [];
  const bot = createSlackBot({ signingSecret: SIGNING_SECRET, botToken: BOT_TOKEN, slackApiUrl: fake.apiUrl, log: (l) => logs.push(l), approvalPollMs: 200, updateIntervalMs: 200, ...opts });
  const server = await startBotServer({ slackHandler: bot.requestListener, slackSigningSecret: SIGNING_SECRET, ...(opts.serverDashboard ? { dashboard: opts.serverDashboard } : {}) });
  return {
    fake, bot, server, logs,
    async close() {
      await server.close();
      await bot.close();
      if (ownFake) await fake.close();
    },
  };
}

export function slackSignature(secret: string, ts: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`;
}

export interface SignedResponse {
  status: number;
  text: string;
  json?: Record<string, unknown>;
  receivedAt: number;
}

export async function postSigned(url: string, body: string, opts: { ts?: number; secret?: string; signature?: string } = {}): Promise<SignedResponse> {
  const ts = opts.ts ?? Math.floor(Date.now() / 1000);
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': opts.signature ?? slackSignature(opts.secret ?? SIGNING_SECRET, ts, body),
    },
    body,
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, text, ...(json ? { json } : {}), receivedAt: Date.now() };
}

/** A slash command form body as Slack documents it. */
export function slashCommandBody(p: { text: string; user: string; responseUrl: string; triggerId?: string; channel?: string }): string {
  return new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: 'T0SHIPGATE',
    team_domain: 'shipgate-test',
    channel_id: p.channel ?? 'C0DEPLOYS1',
    channel_name: 'deploys',
    user_id: p.user,
    user_name: p.user.toLowerCase(),
    command: '/deploy',
    text: p.text,
    api_app_id: 'A0SHIPGATE',
    is_enterprise_install: 'false',
    response_url: p.responseUrl,
    trigger_id: p.triggerId ?? `${Date.now()}.1.abc`,
  }).toString();
}

/** A block_actions interaction (button click) as Slack documents it, sent as the `payload` field. */
export function buttonClickBody(p: { user: string; actionId: string; value: string; channel: string; ts: string; responseUrl: string; triggerId: string }): string {
  const payload = {
    type: 'block_actions',
    user: { id: p.user, username: p.user.toLowerCase(), name: p.user.toLowerCase(), team_id: 'T0SHIPGATE' },
    api_app_id: 'A0SHIPGATE',
    token: 'legacy-verification-token',
    container: { type: 'message', message_ts: p.ts, channel_id: p.channel, is_ephemeral: false },
    trigger_id: p.triggerId,
    team: { id: 'T0SHIPGATE', domain: 'shipgate-test' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: p.channel, name: 'deploy-approvals' },
    message: { type: 'message', user: 'U0SHIPBOT', ts: p.ts, bot_id: 'B0SHIPBOT', text: 'Approval needed' },
    state: { values: {} },
    response_url: p.responseUrl,
    actions: [{ action_id: p.actionId, block_id: 'shipgate_decision', text: { type: 'plain_text', text: p.actionId, emoji: true }, value: p.value, type: 'button', action_ts: `${Date.now() / 1000}` }],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** A view_submission of the reject modal as Slack documents it. */
export function viewSubmissionBody(p: { user: string; callbackId: string; privateMetadata: string; values: Record<string, Record<string, { type: string; value: string }>> }): string {
  const payload = {
    type: 'view_submission',
    team: { id: 'T0SHIPGATE', domain: 'shipgate-test' },
    user: { id: p.user, username: p.user.toLowerCase(), name: p.user.toLowerCase(), team_id: 'T0SHIPGATE' },
    api_app_id: 'A0SHIPGATE',
    token: 'legacy-verification-token',
    trigger_id: `${Date.now()}.2.def`,
    view: {
      id: 'V0REJECT01', team_id: 'T0SHIPGATE', type: 'modal', callback_id: p.callbackId, private_metadata: p.privateMetadata,
      state: { values: p.values }, hash: '1700000000.abc', title: { type: 'plain_text', text: 'Reject release' }, blocks: [],
      root_view_id: 'V0REJECT01', app_id: 'A0SHIPGATE', bot_id: 'B0SHIPBOT',
    },
    response_urls: [],
    is_enterprise_install: false,
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
