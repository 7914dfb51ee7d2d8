/**
 * Per-file database for tests: `const t = useTestDatabase()` in a test file gives a fresh
 * database on the run's server (FerretDB, or MONGODB_URI), dropped after the file.
 */
import { afterAll, beforeAll, inject } from 'vitest';
import { MongoClient, type Db } from 'mongodb';
import { randomBytes } from 'node:crypto';
import { mongoUriWithDb } from '../mongo/connect.ts';

export interface TestDatabase {
  /** Valid after beforeAll. */
  readonly client: MongoClient;
  readonly db: Db;
  readonly uri: string;
  readonly dbName: string;
  readonly kind: 'ferretdb' | 'external';
  /** A further fresh database name (letters and digits only: FerretDB's rule). */
  freshName(prefix?: string): string;
  /** The server URI with a database name in its path. */
  uriFor(dbName: string): string;
}

export function freshDbName(prefix = 't'): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}


export function useTestDatabase(prefix = 't'): TestDatabase {
  const uri = inject('mongoUri');
  const kind = inject('mongoKind');
  const dbName = freshDbName(prefix);
  const created: string[] = [dbName];
  let client: MongoClient | undefined;
  beforeAll(async () => {
    client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
    await client.connect();
  });
  afterAll(async () => {
    if (!client) return;
    for (const name of created) await client.db(name).dropDatabase().catch(() => undefined);
    await client.close();
  });
  return {
    get client() {
      if (!client) throw new Error('useTestDatabase(): use it inside tests or hooks, after beforeAll');
      return client;
    },
    get db() {
      return this.client.db(dbName);
    },
    uri,
    dbName,
    kind,
    freshName(p = prefix) {
      const n = freshDbName(p);
      created.push(n);
      return n;
    },
    uriFor(name: string) {
      return mongoUriWithDb(uri, name);
    },
  };
}
