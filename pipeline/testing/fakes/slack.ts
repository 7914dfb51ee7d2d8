/**
 * A loopback stand-in for the Slack Web API (https://docs.slack.dev/reference/methods) and for
 * `response_url` endpoints, for tests and the local demo only (README.md).
 *
 * Follows the documented shapes: `POST /api/<method>` with a form-encoded or JSON body and
 * `Authorization: Bearer xoxb-…`; answers HTTP 200 with `{ ok: true, … }` or `{ ok: false, error }`
 * (`not_authed`, `invalid_auth`, `channel_not_found`, `message_not_found`, `invalid_trigger_id`,
 * `no_such_subteam`, `missing_scope`). Channel names (`#deploys`) resolve to stable channel ids, as
 * in a workspace; `chat.update` then needs that id and the `ts` of a message the app posted.
 * `POST /response/<token>` plays a slash command's / interaction's `response_url`.
 */
import { createHash } from 'node:crypto';
import { sendJson, startFakeServer, type FakeRequest } from './http-fake.ts';

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
  /** A fresh `trigger_id` that views.open accepts once (Slack mints one per interaction). */
  mintTrigger(): string;
  /** Every call of `method` waits `ms` before answering. */
  delay(method: string, ms: number): void;
  /** Resolves when `predicate` holds over the recorded calls (polls; rejects after `timeoutMs`). */
  waitFor(predicate: (f: SlackFake) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
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
  let clock = 1_700_000_000;
  let seq = 0;
  const nextTs = () => `${clock++}.${String(++seq).padStart(6, '0')}`;
  const channelId = (name: string) => (/^[CGD][A-Z0-9]{6,}$/.test(name) ? name : `C${createHash('sha256').update(name).digest('hex').slice(0, 8).toUpperCase()}`);
  const scopes = new Set(opts.scopes ?? ['chat:write', 'commands', 'usergroups:read']);

  const methods: Record<string, (a: Record<string, unknown>) => Record<string, unknown>> = {
    'auth.test': () => ({ url: 'https://shipgate-test.slack.com/', team: 'Shipgate Test', user: 'shipgate', team_id: 'T0SHIPGATE', user_id: 'U0SHIPBOT', bot_id: 'B0SHIPBOT' }),
    'chat.postMessage': (a) => {
      if (typeof a.channel !== 'string' || !a.channel) return { error: 'channel_not_found' };
      if (!a.text && !a.blocks) return { error: 'no_text' };
      const channel = channelId(a.channel);
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
      if (a.text !== undefined) m.text = String(a.text);
      if (a.blocks !== undefined) m.blocks = a.blocks as unknown[];
      m.history.push({ ...(m.text ? { text: m.text } : {}), ...(m.blocks ? { blocks: m.blocks } : {}) });
      return { channel, ts: m.ts, text: m.text ?? '' };
    },
    'chat.postEphemeral': (a) => {
      if (!a.channel) return { error: 'channel_not_found' };
      if (!a.user) return { error: 'user_not_in_channel' };
      return { message_ts: nextTs() };
    },
    'views.open': (a) => {
      const trigger = String(a.trigger_id ?? '');
      if (!trigger || !triggers.has(trigger)) return { error: trigger ? 'expired_trigger_id' : 'invalid_trigger_id' };
      triggers.delete(trigger); // a trigger_id works once
      const view = (a.view ?? {}) as Record<string, unknown>;
      return { view: { id: `V${String(++seq).padStart(8, '0')}`, ...view } };
    },
    'usergroups.users.list': (a) => {
      if (!scopes.has('usergroups:read')) return { error: 'missing_scope', needed: 'usergroups:read', provided: [...scopes].join(',') };
      const users = opts.userGroups?.[String(a.usergroup ?? '')];
      return users ? { users } : { error: 'no_such_subteam' };
    },
  };

  const server = await startFakeServer(async (req, res) => {
    if (req.method === 'POST' && req.path.startsWith('/response/')) {
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
    if (auth !== `Bearer ${opts.token}`) return sendJson(res, 200, { ok: false, error: 'invalid_auth' });
    const failure = failures.get(method)?.shift();
    if (failure) return sendJson(res, 200, { ok: false, error: failure });
    const out = methods[method](args);
    if (typeof out.error === 'string') return sendJson(res, 200, { ok: false, ...out });
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
    close: () => server.close(),
  };
  return fake;
}
