/**
 * Connects to a MongoDB server with a bounded wait, so an unreachable database is an error
 * within seconds (not a hang) that names where the URI came from — with the password masked.
 */
import { MongoClient } from 'mongodb';
import { defineErrors } from '../errors.ts';
import { redactUri } from '../secrets/redact.ts';

export const mongoErrors = defineErrors({
  SHIPGATE_DB_UNREACHABLE: {
    message: (d: { source: string; uri: string; timeoutMs: number; reason: string }) =>
      `cannot reach the database from ${d.source} (${d.uri}) within ${d.timeoutMs} ms: ${d.reason}`,
    hint: (d: { source: string }) =>
      `check ${d.source}: host, port, credentials, and that this machine's IP is allowed (Atlas: Network Access)`,
    docs: 'configuration.md#databases',
  },
  SHIPGATE_DB_URI_INVALID: {
    message: (d: { source: string; reason: string }) => `${d.source} is not a MongoDB connection string: ${d.reason}`,
    hint: () => 'it must start with mongodb:// or mongodb+srv://',
    docs: 'configuration.md#databases',
  },
});

export interface ConnectOptions {
  /** Where the URI came from, for messages: an env var name such as STAGING_MONGODB_URI. */
  source: string;
  timeoutMs?: number;
  appName?: string;
}

export async function connectMongo(uri: string, opts: ConnectOptions): Promise<MongoClient> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  if (!/^mongodb(\+srv)?:\/\//.test(uri)) {
    throw mongoErrors.SHIPGATE_DB_URI_INVALID({ source: opts.source, reason: 'unknown scheme' });
  }
  let client: MongoClient;
  try {
    client = new MongoClient(uri, {
      serverSelectionTimeoutMS: timeoutMs,
      connectTimeoutMS: timeoutMs,
      appName: opts.appName ?? 'shipgate',
    });
  } catch (err) {
    throw mongoErrors.SHIPGATE_DB_URI_INVALID({ source: opts.source, reason: redactUri((err as Error).message) });
  }
  try {
    await client.connect();
    await client.db('admin').command({ ping: 1 });
    return client;
  } catch (err) {
    await client.close().catch(() => undefined);
    throw mongoErrors.SHIPGATE_DB_UNREACHABLE(
      { source: opts.source, uri: redactUri(uri), timeoutMs, reason: redactUri((err as Error).message) },
      err,
    );
  }
}

/** The database named in a URI's path, or the fallback. */
export function dbNameFromUri(uri: string, fallback: string): string {
  const m = /^mongodb(?:\+srv)?:\/\/[^/]+\/([^?]+)/.exec(uri);
  return m?.[1] ? decodeURIComponent(m[1]) : fallback;
}

/** The same server URI with `dbName` as its path (query options kept). */
export function mongoUriWithDb(serverUri: string, dbName: string): string {
  const m = /^(mongodb(?:\+srv)?:\/\/[^/?]+)(?:\/[^?]*)?(\?.*)?$/.exec(serverUri);
  if (!m) throw mongoErrors.SHIPGATE_DB_URI_INVALID({ source: 'the connection string', reason: 'cannot find its host part' });
  return `${m[1]}/${encodeURIComponent(dbName)}${m[2] ?? ''}`;
}
