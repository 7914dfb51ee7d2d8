/**
 * The bot's one HTTP server: Slack (Bolt's HTTPReceiver request handler) at /slack/*, the GitHub
 * App's webhooks at /api/github/webhooks, and GET /healthz. Listens on 127.0.0.1 unless told.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BotServerOptions {
  /** Bolt's HTTPReceiver request listener (bot/slack/app.ts). */
  slackHandler?: RequestListener;
  /**
   * GITHUB HELPER: mount point for the Probot/webhooks handler (bot/github/**), served at
   * POST /api/github/webhooks. Left empty by the Slack side.
   */
  githubHandler?: (req: IncomingMessage, res: ServerResponse) => void;
  port?: number;
  host?: string;
  log?: (line: string) => void;
}

export interface BotServer {
  server: Server;
  url: string;
  port: number;
  close(): Promise<void>;
}

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(body);
}

export async function startBotServer(opts: BotServerOptions): Promise<BotServer> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    try {
      if (path === '/healthz' && req.method === 'GET') return text(res, 200, 'ok\n');
      if (path.startsWith('/slack/') && opts.slackHandler) return void opts.slackHandler(req, res);
      if (path === '/api/github/webhooks' && opts.githubHandler) return opts.githubHandler(req, res);
      text(res, 404, `not found: ${req.method} ${path}\n`);
    } catch (err) {
      opts.log?.(`server: ${req.method} ${path} failed: ${(err as Error).message}`);
      if (!res.headersSent) text(res, 404, `not found: ${req.method} ${path}\n`);
    }
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
