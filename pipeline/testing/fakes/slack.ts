/**
 * A loopback stand-in for the Slack Web API (https://docs.slack.dev/reference/methods) and for
 * `response_url` endpoints, for tests and the local demo only (README.md).
 *
 * Follows the documented shapes: `POST /api/<method>` with a form-encoded or JSON body and
 * `Authorization: Bearer xoxb-…`; answers HTTP 200 with `{ ok: true, … }` or `{ ok: false, error }`
 * (`not_authed`, `invalid_auth`, `channel_not_found`, `not_in_channel`, `message_not_found`,
 * `invalid_trigger_id`, `expired_trigger_id`, `exchanged_trigger_id`, `no_such_subteam`,
 * `missing_scope`, `ratelimited` as HTTP 429 with `Retry-After`). The workspace has the channels of
 * `channels` (names or ids; the bot is a member) and `outsideChannels` (the bot is not: posting
 * answers `not_in_channel`); any other channel is `channel_not_found`. Names (`#deploys`) resolve to
 * stable channel ids; `chat.update` then needs that id and the `ts` of a message the app posted.
 * Messages, updates, ephemerals, modals and `response_url` bodies are checked against Block Kit's
 * limits (./slack-contract.ts: `invalid_blocks` with Slack's `errors`, `msg_blocks_too_long`,
 * `msg_too_long`); each such refusal is also recorded in `violations`, and `close()` throws if there is any.
 * `POST /response/<token>` plays a slash command's / interaction's `response_url`.
 *
 * Socket Mode (https://docs.slack.dev/apis/events-api/using-socket-mode), with `appToken`:
 * `apps.connections.open` takes only the app-level token (`xapp-…`; the bot token gets
 * `not_allowed_token_type`) and answers a one-use `ws://127.0.0.1:<port>/link/?ticket=…` URL; a
 * loopback WebSocket server there sends `{ type: "hello" }` on connect, then the envelopes a test
 * sends (`{ envelope_id, type: "slash_commands" | "interactive", accepts_response_payload, payload }`),
 * and records each acknowledgement the app sends back (`{ envelope_id, payload }`). A connection
 * without a valid ticket is closed at once.
 */
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { sendJson, startFakeServer, type FakeRequest } from './http-fake.ts';
import { blockKitProblems, messageRefusal } from './slack-contract.ts';

export interface SlackCall {
  method: string;
  /** Arguments as Slack receives them, JSON-valued fields (blocks, view) parsed. */
  args: Record<string, unknown>;
  at: number;
}

export interface SlackMessage {
  channel: string;
  ts: string;
  text?: string;
  blocks?: unknown[];
  thread_ts?: string;
  /** Every version of the message, oldest first (postMessage, then each chat.update). */
  history: Array<{ text?: string; blocks?: unknown[] }>;
}

export interface SlackFakeOptions {
  /** The bot token the fake accepts. */
  token: string;
  /** User group id → member user ids, for usergroups.users.list. */
  userGroups?: Record<string, string[]>;
  /** Scopes the token has; usergroups.users.list needs `usergroups:read` (default: granted). */
  scopes?: string[];
  /** The app-level token (xapp-…) that apps.connections.open accepts: turns on the Socket Mode server. */
  appToken?: string;
  /**
   * Channels of the workspace the bot is a member of: names (`#deploys` or `deploys`) or ids.
   * Default: #deploys, #deploy-approvals, #oncall.
   */
  channels?: string[];
  /** Channels that exist but the bot is not in (posting answers `not_in_channel`). */
  outsideChannels?: string[];
  /**
   * By default `close()` throws when Slack would have refused a request as malformed (see
   * `violations`), so every test using the fake fails on one. Tests of the fake itself turn it off.
   */
  allowViolations?: boolean;
}

/** Slack's side of Socket Mode connections (only with `appToken`). */
export interface SlackSocketModeFake {
  /** Open WebSocket connections (each got its `hello`). */
  connections(): number;
  /** Sends an envelope on every open connection; returns its envelope_id. */
  send(type: 'slash_commands' | 'interactive' | 'events_api', payload: Record<string, unknown>): string;
  /** Acknowledgements received, in order. */
  acks: Array<{ envelope_id: string; payload?: Record<string, unknown>; at: number }>;
  /** Connection attempts refused (no or reused ticket). */
  refused: number;
  /** Resolves with the ack of `envelopeId` (rejects after `timeoutMs`). */
  ackOf(envelopeId: string, timeoutMs?: number): Promise<{ envelope_id: string; payload?: Record<string, unknown>; at: number }>;
  /** Resolves once a connection is open (rejects after `timeoutMs`). */
  connected(timeoutMs?: number): Promise<void>;
}

export interface SlackFake {
  /** Base URL for `clientOptions.slackApiUrl` (ends with `/api/`). */
  apiUrl: string;
  /** A `response_url` for a request; POSTs to it are recorded in `responses`. */
  responseUrl(name?: string): string;
  calls: SlackCall[];
  callsOf(method: string): SlackCall[];
  /** Messages posted to `response_url`s, by URL token. */
  responses: Array<{ token: string; body: Record<string, unknown>; at: number }>;
  messages: Map<string, SlackMessage>;
  channelId(name: string): string;
  /** The next call of `method` fails with `{ ok: false, error }`. */
  failNext(method: string, error: string): void;
  /** The next `count` calls of `method` get HTTP 429 `ratelimited` with `Retry-After: retryAfterS`. */
  rateLimitNext(method: string, opts?: { count?: number; retryAfterS?: number }): void;
  /** Requests Slack would refuse as malformed (invalid_blocks, msg_blocks_too_long, …): tests assert none. */
  violations: Array<{ method: string; error: string; errors?: string[] }>;
  /** A fresh `trigger_id` that views.open accepts once (Slack mints one per interaction). */
  mintTrigger(): string;
  /** Every call of `method` waits `ms` before answering. */
  delay(method: string, ms: number): void;
  /** Resolves when `predicate` holds over the recorded calls (polls; rejects after `timeoutMs`). */
  waitFor(predicate: (f: SlackFake) => boolean, timeoutMs?: number): Promise<void>;
  /** Socket Mode (with `appToken`). */
  socketMode?: SlackSocketModeFake;
  close(): Promise<void>;
}

async function until<T>(get: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`slack fake: ${what} not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function startSocketMode(): Promise<{ fake: SlackSocketModeFake; mintUrl(): string; close(): Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  const port = (wss.address() as AddressInfo).port;
  const tickets = new Set<string>();
  const open = new Set<WebSocket>();
  const acks: SlackSocketModeFake['acks'] = [];
  let refused = 0;
  let seq = 0;
  wss.on('connection', (ws, req) => {
    const ticket = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams.get('ticket') ?? '';
    if (!tickets.delete(ticket)) {
      refused++;
      ws.close(1008, 'invalid ticket');
      return;
    }
    open.add(ws);
    ws.on('close', () => open.delete(ws));
    ws.on('message', (data: Buffer) => {
      try {
        const m = JSON.parse(data.toString()) as { envelope_id?: unknown; payload?: Record<string, unknown> };
        if (typeof m.envelope_id === 'string') acks.push({ envelope_id: m.envelope_id, ...(m.payload ? { payload: m.payload } : {}), at: Date.now() });
      } catch {
        /* Slack ignores what it cannot parse */
      }
    });
    ws.send(JSON.stringify({ type: 'hello', num_connections: open.size, debug_info: { host: 'applink-fake', approximate_connection_time: 18060 }, connection_info: { app_id: 'A0SHIPGATE' } }));
  });
  const fake: SlackSocketModeFake = {
    connections: () => open.size,
    send(type, payload) {
      const envelope_id = `env-${++seq}-${randomBytes(4).toString('hex')}`;
      const text = JSON.stringify({ envelope_id, type, accepts_response_payload: type !== 'events_api', payload });
      for (const ws of open) ws.send(text);
      return envelope_id;
    },
    acks,
    get refused() {
      return refused;
    },
    ackOf: (id, timeoutMs = 10_000) => until(() => acks.find((a) => a.envelope_id === id), timeoutMs, `ack of ${id}`),
    connected: async (timeoutMs = 10_000) => void (await until(() => (open.size > 0 ? true : undefined), timeoutMs, 'a Socket Mode connection')),
  };
  return {
    fake,
    mintUrl() {
      const ticket = randomBytes(12).toString('hex');
      tickets.add(ticket);
      return `ws://127.0.0.1:${port}/link/?ticket=${ticket}&app_id=A0SHIPGATE`;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of open) ws.terminate();
        wss.close(() => resolve());
      }),
  };
}

const JSON_FIELDS = new Set(['blocks', 'attachments', 'view', 'metadata']);

function parseArgs(req: FakeRequest): Record<string, unknown> {
  const type = req.rawHeaders['content-type'] ?? '';
  if (type.includes('application/json')) return (req.body ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(req.rawBody)) {
    if (JSON_FIELDS.has(k)) {
      try {
        out[k] = JSON.parse(v);
        continue;
      } catch {
        /* keep the text: Slack would answer invalid_blocks */
      }
    }
    out[k] = v;
  }
  return out;
}

export async function startSlackFake(opts: SlackFakeOptions): Promise<SlackFake> {
  const calls: SlackCall[] = [];
  const responses: SlackFake['responses'] = [];
  const messages = new Map<string, SlackMessage>();
  const failures = new Map<string, string[]>();
  const delays = new Map<string, number>();
  const triggers = new Set<string>();
  const exchanged = new Set<string>();
  const limited = new Map<string, Array<number>>();
  const violations: SlackFake['violations'] = [];
  let clock = 1_700_000_000;
  let seq = 0;
  const nextTs = () => `${clock++}.${String(++seq).padStart(6, '0')}`;
  const channelId = (name: string) => (/^[CGD][A-Z0-9]{6,}$/.test(name) ? name : `C${createHash('sha256').update(name.replace(/^#/, '')).digest('hex').slice(0, 8).toUpperCase()}`);
  const member = new Set((opts.channels ?? ['#deploys', '#deploy-approvals', '#oncall']).map(channelId));
  const outside = new Set((opts.outsideChannels ?? []).map(channelId));
  /** Where a post goes: the channel id, or Slack's error for a channel the bot cannot post in. */
  const resolveChannel = (v: unknown): { id: string } | { error: string } => {
    if (typeof v !== 'string' || !v) return { error: 'channel_not_found' };
    const id = channelId(v);
    if (member.has(id) || /^D[A-Z0-9]{6,}$/.test(id)) return { id };
    return { error: outside.has(id) ? 'not_in_channel' : 'channel_not_found' };
  };
  const scopes = new Set(opts.scopes ?? ['chat:write', 'commands', 'usergroups:read']);
  const socket = opts.appToken ? await startSocketMode() : undefined;

  const methods: Record<string, (a: Record<string, unknown>) => Record<string, unknown>> = {
    'auth.test': () => ({ url: 'https://shipgate-test.slack.com/', team: 'Shipgate Test', user: 'shipgate', team_id: 'T0SHIPGATE', user_id: 'U0SHIPBOT', bot_id: 'B0SHIPBOT' }),
    'chat.postMessage': (a) => {
      const where = resolveChannel(a.channel);
      if ('error' in where) return where;
      const refused = messageRefusal(a);
      if (refused) return { ...refused };
      const channel = where.id;
      const ts = nextTs();
      const m: SlackMessage = { channel, ts, ...(a.text ? { text: String(a.text) } : {}), ...(a.blocks ? { blocks: a.blocks as unknown[] } : {}), ...(a.thread_ts ? { thread_ts: String(a.thread_ts) } : {}), history: [] };
      m.history.push({ ...(m.text ? { text: m.text } : {}), ...(m.blocks ? { blocks: m.blocks } : {}) });
      messages.set(`${channel}/${ts}`, m);
      return { channel, ts, message: { type: 'message', text: m.text ?? '', ts, bot_id: 'B0SHIPBOT' } };
    },
    'chat.update': (a) => {
      const channel = String(a.channel ?? '');
      if (!/^[CGD][A-Z0-9]{6,}$/.test(channel)) return { error: 'channel_not_found' };
      const m = messages.get(`${channel}/${String(a.ts ?? '')}`);
      if (!m) return { error: 'message_not_found' };
      const refused = messageRefusal(a, { update: true });
      if (refused) return { ...refused };
      if (a.text !== undefined) m.text = String(a.text);
      if (a.blocks !== undefined) m.blocks = a.blocks as unknown[];
      m.history.push({ ...(m.text ? { text: m.text } : {}), ...(m.blocks ? { blocks: m.blocks } : {}) });
      return { channel, ts: m.ts, text: m.text ?? '' };
    },
    'chat.postEphemeral': (a) => {
      const where = resolveChannel(a.channel);
      if ('error' in where) return where;
      if (!a.user) return { error: 'user_not_in_channel' };
      const refused = messageRefusal(a);
      if (refused) return { ...refused };
      return { message_ts: nextTs() };
    },
    'views.open': (a) => {
      const trigger = String(a.trigger_id ?? '');
      // A trigger_id works once (docs.slack.dev views.open: exchanged_trigger_id for a reused one).
      if (exchanged.has(trigger)) return { error: 'exchanged_trigger_id' };
      if (!trigger || !triggers.has(trigger)) return { error: trigger ? 'expired_trigger_id' : 'invalid_trigger_id' };
      const view = (a.view ?? {}) as Record<string, unknown>;
      const problems = blockKitProblems(view.blocks ?? [], 'modal').map((e) => e.replace('[json-pointer:/blocks', '[json-pointer:/view/blocks'));
      if (problems.length) return { error: 'invalid_arguments', errors: problems };
      triggers.delete(trigger);
      exchanged.add(trigger);
      return { view: { id: `V${String(++seq).padStart(8, '0')}`, ...view } };
    },
    'apps.connections.open': () => (socket ? { url: socket.mintUrl() } : { error: 'not_allowed_token_type' }),
    'usergroups.users.list': (a) => {
      if (!scopes.has('usergroups:read')) return { error: 'missing_scope', needed: 'usergroups:read', provided: [...scopes].join(',') };
      const users = opts.userGroups?.[String(a.usergroup ?? '')];
      return users ? { users } : { error: 'no_such_subteam' };
    },
  };

  const server = await startFakeServer(async (req, res) => {
    if (req.method === 'POST' && req.path.startsWith('/response/')) {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const refused = messageRefusal(body);
      if (refused) {
        violations.push({ method: 'response_url', ...refused });
        res.writeHead(400, { 'content-type': 'text/plain' });
        res.end(refused.error);
        return;
      }
      responses.push({ token: req.path.slice('/response/'.length), body: (req.body ?? {}) as Record<string, unknown>, at: Date.now() });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
      return;
    }
    const method = /^\/api\/([a-zA-Z.]+)$/.exec(req.path)?.[1];
    if (!method || !methods[method]) return sendJson(res, 200, { ok: false, error: 'unknown_method' });
    const args = parseArgs(req);
    const wait = delays.get(method);
    if (wait) await new Promise((r) => setTimeout(r, wait));
    const auth = req.rawHeaders.authorization ?? (typeof args.token === 'string' ? `Bearer ${args.token}` : '');
    delete args.token;
    calls.push({ method, args, at: Date.now() });
    if (!auth) return sendJson(res, 200, { ok: false, error: 'not_authed' });
    // apps.connections.open takes only the app-level token; every other method only the bot token.
    const appLevel = method === 'apps.connections.open';
    const expected = appLevel ? opts.appToken : opts.token;
    const other = appLevel ? opts.token : opts.appToken;
    if (other && auth === `Bearer ${other}`) return sendJson(res, 200, { ok: false, error: 'not_allowed_token_type' });
    if (!expected || auth !== `Bearer ${expected}`) return sendJson(res, 200, { ok: false, error: 'invalid_auth' });
    const limit = limited.get(method)?.shift();
    if (limit !== undefined) {
      // Slack's rate limiting: HTTP 429, Retry-After in seconds (docs.slack.dev "Rate limits").
      res.writeHead(429, { 'content-type': 'application/json; charset=utf-8', 'retry-after': String(limit) });
      res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
      return;
    }
    const failure = failures.get(method)?.shift();
    if (failure) return sendJson(res, 200, { ok: false, error: failure });
    const out = methods[method](args);
    if (typeof out.error === 'string') {
      if (['invalid_blocks', 'msg_blocks_too_long', 'msg_too_long', 'no_text', 'invalid_arguments'].includes(out.error)) violations.push({ method, error: out.error, ...(Array.isArray(out.errors) ? { errors: out.errors as string[] } : {}) });
      const extra = Array.isArray(out.errors) ? { response_metadata: { messages: (out.errors as string[]).map((e) => `[ERROR] ${e}`) } } : {};
      return sendJson(res, 200, { ok: false, ...out, ...extra });
    }
    sendJson(res, 200, { ok: true, ...out });
  });

  const fake: SlackFake = {
    apiUrl: `${server.url}/api/`,
    responseUrl: (name = `r${++seq}`) => `${server.url}/response/${name}`,
    calls,
    callsOf: (method) => calls.filter((c) => c.method === method),
    responses,
    messages,
    channelId,
    failNext(method, error) {
      failures.set(method, [...(failures.get(method) ?? []), error]);
    },
    rateLimitNext(method, { count = 1, retryAfterS = 1 } = {}) {
      limited.set(method, [...(limited.get(method) ?? []), ...Array.from({ length: count }, () => retryAfterS)]);
    },
    violations,
    mintTrigger() {
      const t = `${++seq}.${clock}.${Math.random().toString(36).slice(2, 10)}`;
      triggers.add(t);
      return t;
    },
    delay(method, ms) {
      delays.set(method, ms);
    },
    async waitFor(predicate, timeoutMs = 20_000) {
      const end = Date.now() + timeoutMs;
      while (!predicate(fake)) {
        if (Date.now() > end) throw new Error(`slack fake: condition not met within ${timeoutMs} ms; calls: ${calls.map((c) => c.method).join(', ')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    ...(socket ? { socketMode: socket.fake } : {}),
    close: async () => {
      await socket?.close();
      await server.close();
      if (violations.length && !opts.allowViolations) {
        throw new Error(`slack fake: ${violations.length} request(s) Slack would refuse:\n${violations.map((v) => `  ${v.method}: ${v.error}${v.errors ? ` (${v.errors.join('; ')})` : ''}`).join('\n')}`);
      }
    },
  };
  return fake;
}
