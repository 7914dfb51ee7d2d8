/**
 * The bot's one HTTP server: Slack (Bolt's HTTPReceiver request handler, behind the Slack edge) at
 * /slack/*, the GitHub App's webhooks at /api/github/webhooks, the release dashboard at /ui (when
 * on: SHIPGATE_DASHBOARD_SECRET, behind its own sign-in) and GET /healthz. Listens on
 * 127.0.0.1 unless told. A bot must survive any byte sequence on any path: bodies are bounded
 * before they are read (Slack 1 MB, GitHub 25 MB: a larger Content-Length is a 413 at once; all
 * bodies in flight together within a budget, 100 MB by default: a 503 beyond it), Slack
 * requests are verified here before Bolt sees them (bot/http/slack-edge.ts), every request runs
 * inside a catch that answers 500 and logs one redacted line, and payloads are never logged.
 * docs/security.md describes the whole model.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { redactText } from '../pipeline/secrets/redact.ts';
import { GITHUB_MAX_BODY_BYTES, GITHUB_WEBHOOK_PATH, declaredLength, refuseDeclaredLength } from './http/body.ts';
import { createBodyBudget, DEFAULT_BODY_BUDGET_BYTES } from './http/budget.ts';
import { botHttpErrors } from './http/errors.ts';
import { memoryReplayGuard, type ReplayGuard } from './http/replay.ts';
import { createSlackEdge, SLACK_MAX_BODY_BYTES } from './http/slack-edge.ts';


export interface BotServerOptions {
  /** Bolt's HTTPReceiver request listener (bot/slack/app.ts); needs slackSigningSecret. */
  slackHandler?: RequestListener;
  /** The Slack signing secret: the edge verifies every Slack request before Bolt sees it. */
  slackSigningSecret?: string;
  /**
   * Where verified Slack signatures are claimed once (replays get an empty 200). The bot passes
   * storeReplayGuard(store db) so replicas on one store share it; default: this process only.
   */
  replays?: ReplayGuard;
  /** The GitHub App's webhook handler (bot/github/**), served at POST /api/github/webhooks. */
  githubHandler?: (req: IncomingMessage, res: ServerResponse) => void;
  /** The release dashboard (pipeline/dashboard/server.ts), served at /ui behind its own sign-in; GET only. */
  dashboard?: { handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> };
  /** Per-request body limits, and the budget of body bytes in flight across all requests. */
  limits?: { slackBytes?: number; githubBytes?: number; inFlightBytes?: number };
  port?: number;
  host?: string;
  log?: (line: string) => void;
  /** Clock for the Slack timestamp window (tests). */
  now?: () => number;
}

export interface BotServer {
  server: Server;
  url: string;
  port: number;
  close(): Promise<void>;
}

function text(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.end();
    return;
  }
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(body);
}

/** The path without the query; no URL parsing (an unparsable URL must not throw). */
function pathOf(url: string | undefined): string {
  const raw = url ?? '/';
  const q = raw.search(/[?#]/);
  return q === -1 ? raw : raw.slice(0, q);
}

/** What a log line may say about a request: method and path, cut short and redacted. */
function describe(req: IncomingMessage, path: string): string {
  const clean = (s: string, n: number) => redactText(s.replace(/[^\x20-\x7e]/g, '?').slice(0, n));
  return `${clean(req.method ?? '?', 16)} ${clean(path, 200)}`;
}

export async function startBotServer(opts: BotServerOptions): Promise<BotServer> {
  const log = (line: string) => opts.log?.(redactText(line));
  if (opts.slackHandler && !opts.slackSigningSecret) {
    throw botHttpErrors.SHIPGATE_BOT_SERVER_OPTIONS({ problem: 'startBotServer: slackHandler needs slackSigningSecret (Slack requests are verified at the edge)' });
  }
  const githubBytes = opts.limits?.githubBytes ?? GITHUB_MAX_BODY_BYTES;
  const slackBytes = opts.limits?.slackBytes ?? SLACK_MAX_BODY_BYTES;
  const slackEdge = opts.slackHandler && opts.slackSigningSecret
    ? createSlackEdge({
        handler: opts.slackHandler, signingSecret: opts.slackSigningSecret, replays: opts.replays ?? memoryReplayGuard(),
        maxBodyBytes: slackBytes, log, ...(opts.now ? { now: opts.now } : {}),
      })
    : undefined;
  const budget = createBodyBudget(opts.limits?.inFlightBytes ?? DEFAULT_BODY_BUDGET_BYTES);

  /** Reserves the request's body in the budget until its response closes; false: refused (503). */
  function withinBudget(req: IncomingMessage, res: ServerResponse, path: string, limit: number): boolean {
    const declared = declaredLength(req);
    const release = budget.reserve(declared === undefined || Number.isNaN(declared) ? limit : Math.min(declared, limit));
    if (release) {
      res.once('close', release);
      return true;
    }
    log(`server: ${describe(req, path)} refused (503): request bodies in flight over the budget`);
    text(res, 503, 'busy: too many request bodies in flight, retry shortly\n', { 'retry-after': '1', connection: 'close' });
    return false;
  }

  async function route(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (path === '/healthz') return req.method === 'GET' || req.method === 'HEAD' ? text(res, 200, 'ok\n') : text(res, 405, 'method not allowed\n', { allow: 'GET' });
    if ((path === '/ui' || path.startsWith('/ui/')) && opts.dashboard) {
      // The dashboard reads no body: whatever a request sends is refused (405) before it is read.
      return opts.dashboard.handle(req, res, path);
    }
    if (path.startsWith('/slack/') && slackEdge) {
      if (req.method === 'POST' && !withinBudget(req, res, path, slackBytes)) return;
      return void (await slackEdge(req, res, path, describe(req, path)));
    }
    if (path === GITHUB_WEBHOOK_PATH && opts.githubHandler) {
      const refused = refuseDeclaredLength(req, githubBytes);
      if (refused && !refused.ok) {
        log(`server: ${describe(req, path)} refused (${refused.status}): ${refused.problem}`);
        return text(res, refused.status, `${refused.problem}\n`, { connection: 'close' });
      }
      if (req.method === 'POST' && !withinBudget(req, res, path, githubBytes)) return;
      return opts.githubHandler(req, res);
    }
    text(res, 404, 'not found\n');
  }

  const server = createServer((req, res) => {
    const path = pathOf(req.url);
    const fail = (err: unknown) => {
      log(`server: ${describe(req, path)} failed: ${err instanceof Error ? err.message : String(err)}`);
      text(res, 500, 'internal error\n');
    };
    try {
      route(req, res, path).catch(fail);
    } catch (err) {
      fail(err);
    }
  });
  server.keepAliveTimeout = 5_000;
  // Slow clients cannot hold a request open for long (Slack wants an answer in 3 s, GitHub in 10 s).
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  const host = opts.host ?? '127.0.0.1';
  const wanted = opts.port ?? 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') reject(botHttpErrors.SHIPGATE_BOT_PORT_IN_USE({ host, port: wanted }, err));
      else reject(botHttpErrors.SHIPGATE_BOT_LISTEN({ host, port: wanted, reason: err.code ?? err.message }, err));
    });
    server.listen(wanted, host, () => resolve());
  });
  server.on('error', (err) => log(`server: ${err.message}`));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
