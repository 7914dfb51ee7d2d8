/**
 * The sample notes service as a value: `createApp(options)` builds the HTTP server and the
 * MongoDB client without reading env, so tests run it in-process and server.ts runs it for real.
 * Each request gets an id, a time budget (503 `{error:"timeout"}` past it) and one access-log
 * line; `close()` stops accepting, lets in-flight requests finish (bounded), then closes Mongo.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { MongoNetworkError, MongoServerSelectionError, MongoNotConnectedError, MongoTopologyClosedError } from 'mongodb';
import type { Db } from 'mongodb';
import { dbNameFromUri } from '../../pipeline/mongo/connect.ts';
import { createLogger, type Logger } from './log.ts';
import { openMongoConnection } from './mongo.ts';
import { checkHealth } from './health.ts';
import { notesRoutes } from './notes.ts';
import { json, matchRoute, writeReply, type Reply, type Route } from './http.ts';

export interface AppOptions {
  mongoUri: string;
  /** Default: the database named in the URI's path, else "notes". */
  dbName?: string;
  version: string;
  commit: string;
  logger?: Logger;
  /** A handler running longer gets 503 `{ error: "timeout" }` (default 10000). */
  requestTimeoutMs?: number;
  /** How long close() waits for in-flight requests before cutting connections (default 10000). */
  shutdownTimeoutMs?: number;
  /** How long /health waits for the database's ping (default 1000). */
  healthPingTimeoutMs?: number;
  /**
   * Fault injection for rehearsing a failed go-live: when set, `POST /__fault/health` with header
   * `x-fault-token: <token>` makes /health answer 503 from then on (other routes keep working).
   */
  faultToken?: string;
}

export interface App {
  server: Server;
  /** The app's database (on the current client; connects on first use or at listen()). */
  db(): Db;
  /** Listens on 127.0.0.1 unless `host` says otherwise; resolves with the bound port (0 = any free port). */
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

const DB_UNAVAILABLE = [MongoServerSelectionError, MongoNetworkError, MongoNotConnectedError, MongoTopologyClosedError];

function requestId(header: string | string[] | undefined): string {
  return typeof header === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(header) ? header : randomBytes(8).toString('hex');
}

function withTimeout(work: Promise<Reply>, ms: number): Promise<Reply> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Reply>((resolve) => {
    timer = setTimeout(() => resolve(json(503, { error: 'timeout', timeoutMs: ms })), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export function createApp(opts: AppOptions): App {
  const logger = opts.logger ?? createLogger();
  const requestTimeoutMs = opts.requestTimeoutMs ?? 10_000;
  const shutdownTimeoutMs = opts.shutdownTimeoutMs ?? 10_000;
  const startedAt = Date.now();
  // A short server selection: when the database is away, requests fail in ~1 s (503) instead of
  // hanging, and the driver reconnects by itself when it is back.
  let mongo: ReturnType<typeof openMongoConnection> | undefined;
  const dbName = opts.dbName ?? dbNameFromUri(opts.mongoUri, 'notes');
  const db = () => {
    mongo ??= openMongoConnection({ uri: opts.mongoUri, dbName, logger });
    return mongo.db();
  };

  let healthFault = false;
  const routes: Route[] = [
    {
      pattern: /^\/health$/,
      methods: {
        async GET() {
          if (healthFault) return json(503, { status: 'degraded', version: opts.version, commit: opts.commit, db: 'up', fault: 'injected' });
          const health = await checkHealth({
            db: db(),
            version: opts.version,
            commit: opts.commit,
            startedAt,
            pingTimeoutMs: opts.healthPingTimeoutMs ?? 1000,
          });
          return json(health.status, health.body);
        },
      },
    },
    ...(opts.faultToken
      ? [
          {
            pattern: /^\/__fault\/health$/,
            methods: {
              async POST({ req }: { req: IncomingMessage }) {
                if (req.headers['x-fault-token'] !== opts.faultToken) return json(403, { error: 'forbidden' });
                healthFault = true;
                logger.warn('fault injected: /health now answers 503');
                return json(200, { fault: 'health' });
              },
            },
          } satisfies Route,
        ]
      : []),
    ...notesRoutes({ db }),
  ];

  let closing = false;

  function errorReply(err: unknown, reqId: string): Reply {
    if (DB_UNAVAILABLE.some((cls) => err instanceof cls)) {
      logger.warn('database unavailable', { reqId, error: err });
      return json(503, { error: 'db_unavailable' });
    }
    logger.error('unhandled error', { reqId, error: err });
    return json(500, { error: 'internal' });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const reqId = requestId(req.headers['x-request-id']);
    const method = req.method ?? 'GET';
    let path = (req.url ?? '/').split('?')[0] ?? '/';
    logger.debug('request received', { method, path, reqId });
    let reply: Reply;
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      path = url.pathname;
      const match = matchRoute(routes, method, path);
      reply = 'handler' in match ? await withTimeout(match.handler({ req, url, params: match.params }), requestTimeoutMs) : match;
    } catch (err) {
      reply = errorReply(err, reqId);
    }
    res.setHeader('x-request-id', reqId);
    if (closing) res.setHeader('connection', 'close');
    writeReply(res, reply);
    logger.info('request', { method, path, status: res.statusCode, ms: Math.round(performance.now() - started), reqId });
  }

  const server = createServer((req, res) => {
    void handle(req, res);
  });

  let closed: Promise<void> | undefined;

  return {
    server,
    db,
    listen(port, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const addr = server.address();
          const bound = typeof addr === 'object' && addr ? addr.port : port;
          // Connect in the background: the app starts (and /health says 503) while the database is down.
          db();
          resolve(bound);
        });
      });
    },
    close() {
      closed ??= (async () => {
        closing = true;
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const force = setTimeout(() => {
          logger.warn('shutdown: in-flight requests still open, closing their connections', { afterMs: shutdownTimeoutMs });
          server.closeAllConnections();
        }, shutdownTimeoutMs);
        await stopped;
        clearTimeout(force);
        await mongo?.close();
      })();
      return closed;
    },
  };
}
