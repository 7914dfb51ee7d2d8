/**
 * The app's MongoDB connection, tolerant of a database that is down at start-up. The driver
 * reconnects by itself once it has connected, but a client whose *first* connect failed is
 * closed for good ("Topology is closed"); so until the first connect succeeds, we keep trying
 * with a fresh client every `retryMs`. Requests in the meantime fail fast (503 db_unavailable).
 */
import { MongoClient, type Db } from 'mongodb';
import type { Logger } from './log.ts';

export interface MongoConnection {
  /** The database on the current client (may not be connected yet). */
  db(): Db;
  readonly dbName: string;
  close(): Promise<void>;
}

export interface MongoConnectionOptions {
  uri: string;
  dbName: string;
  logger: Logger;
  /** Server selection timeout: how long an operation waits for an absent database (default 1000). */
  serverSelectionTimeoutMs?: number;
  /** Pause between first-connect attempts (default 1000). */
  retryMs?: number;
}

export function openMongoConnection(opts: MongoConnectionOptions): MongoConnection {
  const retryMs = opts.retryMs ?? 1000;
  const newClient = () =>
    new MongoClient(opts.uri, {
      serverSelectionTimeoutMS: opts.serverSelectionTimeoutMs ?? 1000,
      appName: 'shipgate-sample-notes',
    });
  let client = newClient();
  let closed = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;

  const connectUntilUp = async () => {
    for (let attempt = 1; !closed; attempt++) {
      try {
        await client.connect();
        if (attempt > 1) opts.logger.info('database connected', { attempt });
        return;
      } catch (err) {
        if (closed) return;
        if (attempt === 1) opts.logger.warn('database not reachable yet, retrying', { error: err, retryMs });
        const failed = client;
        client = newClient();
        await failed.close().catch(() => undefined);
        await new Promise<void>((resolve) => {
          wake = resolve;
          retryTimer = setTimeout(resolve, retryMs);
        });
      }
    }
  };
  const connecting = connectUntilUp();

  return {
    db: () => client.db(opts.dbName),
    dbName: opts.dbName,
    async close() {
      closed = true;
      clearTimeout(retryTimer);
      wake?.();
      await connecting;
      await client.close();
    },
  };
}
