/**
 * GET /health: 200 `{ status: "ok", db: "up" }` when the database answers a ping within
 * `pingTimeoutMs` (about 1 s), else 503 `{ status: "degraded", db: "down" }`. Both carry the
 * running version and commit, so a health gate can tell the new deployment from the old one, and
 * the name of the database the app uses (`dbName`), so a release can tell that MONGODB_URI did not
 * fall back to another database.
 */
import type { Db } from 'mongodb';

export interface HealthBody {
  status: 'ok' | 'degraded';
  version: string;
  commit: string;
  db: 'up' | 'down';
  dbName: string;
  uptimeS: number;
}

export interface HealthOptions {
  db: Db;
  version: string;
  commit: string;
  /** When the app started (ms since epoch), for uptimeS. */
  startedAt: number;
  pingTimeoutMs?: number;
}

export async function pingDatabase(db: Db, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const ping = db.command({ ping: 1 }).then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([ping, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function checkHealth(opts: HealthOptions): Promise<{ status: 200 | 503; body: HealthBody }> {
  const up = await pingDatabase(opts.db, opts.pingTimeoutMs ?? 1000);
  const body: HealthBody = {
    status: up ? 'ok' : 'degraded',
    version: opts.version,
    commit: opts.commit,
    db: up ? 'up' : 'down',
    dbName: opts.db.databaseName,
    uptimeS: Math.floor((Date.now() - opts.startedAt) / 1000),
  };
  return { status: up ? 200 : 503, body };
}
