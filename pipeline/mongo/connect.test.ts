import { describe, expect, it } from 'vitest';
import { connectMongo, dbNameFromUri, mongoUriWithDb } from './connect.ts';
import { freePort } from './embedded.ts';
import { presentError } from '../errors.ts';

describe('connection strings', () => {
  it('puts a database name in the path and keeps the query options (Atlas URIs)', () => {
    expect(mongoUriWithDb('mongodb+srv://app:pw@c0.example.net/?retryWrites=true&w=majority', 'notes')).toBe('mongodb+srv://app:pw@c0.example.net/notes?retryWrites=true&w=majority');
    expect(mongoUriWithDb('mongodb://127.0.0.1:27017', 'notes')).toBe('mongodb://127.0.0.1:27017/notes');
    expect(mongoUriWithDb('mongodb://h1,h2/old?replicaSet=rs0', 'new')).toBe('mongodb://h1,h2/new?replicaSet=rs0');
    expect(dbNameFromUri('mongodb://h/prod?x=1', 'd')).toBe('prod');
    expect(dbNameFromUri('mongodb://h/', 'd')).toBe('d');
  });

  it('an unreachable server is an error within the bound, naming the variable, password masked', async () => {
    const port = await freePort();
    const err = await connectMongo(`mongodb://app:s3cret-pw@127.0.0.1:${port}/prod`, { source: 'PRODUCTION_MONGODB_URI', timeoutMs: 500 }).catch((e: unknown) => e);
    const text = presentError(err);
    expect(text).toMatch(/SHIPGATE_DB_UNREACHABLE: cannot reach the database from PRODUCTION_MONGODB_URI \(mongodb:\/\/app:\*\*\*@127\.0\.0\.1/);
    expect(text).not.toContain('s3cret-pw');
  });

  it('a value that is not a connection string is refused naming its source', async () => {
    await expect(connectMongo('postgres://x', { source: 'STAGING_MONGODB_URI' })).rejects.toMatchObject({ code: 'SHIPGATE_DB_URI_INVALID' });
  });
});
