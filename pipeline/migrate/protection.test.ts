import { describe, expect, it } from 'vitest';
import { protectionFor, serverKey } from './protection.ts';

const environments = {
  staging: { protected: false, database: { uriEnv: 'STAGING_MONGODB_URI' } },
  production: { protected: true, database: { uriEnv: 'PRODUCTION_MONGODB_URI' } },
  reports: { protected: true, database: { uriEnv: 'REPORTS_URI', name: 'reports' } },
};
const env = {
  PRODUCTION_MONGODB_URI: 'mongodb://app:secret@db1.example.com,db2.example.com:27018/notes?replicaSet=rs0',
  REPORTS_URI: 'mongodb+srv://r:pw@cluster0.example.net/?retryWrites=true',
};
const check = (uriEnv: string, uri: string, dbName: string) => protectionFor({ uriEnv, uri, dbName, environments, env, configFile: 'shipgate.yml' });

describe('protection from the config', () => {
  it('normalizes a server: scheme, host order and case, default port, localhost; not credentials or options', () => {
    expect(serverKey('mongodb://u:p@B.example.com:27018,a.example.com/x?tls=true')).toBe('mongodb://a.example.com:27017,b.example.com:27018');
    expect(serverKey('mongodb://localhost/x')).toBe(serverKey('mongodb://127.0.0.1:27017/y'));
    expect(serverKey('mongodb+srv://c.example.net/x')).toBe('srv://c.example.net');
    expect(serverKey('not a uri')).toBeNull();
  });

  it('a protected environment is found by its variable, or by the same servers and database under another variable', () => {
    expect(check('PRODUCTION_MONGODB_URI', 'mongodb://anything/else', 'else')?.env).toBe('production');
    expect(check('MY_URI', 'mongodb://other:pw@db2.example.com:27018,DB1.example.com/notes', 'notes')).toMatchObject({ env: 'production', why: 'MY_URI points at the same database as PRODUCTION_MONGODB_URI, the database of environments.production in shipgate.yml is protected: true' });
    expect(check('MY_URI', 'mongodb+srv://cluster0.example.net/', 'reports')?.env).toBe('reports');
    // Same servers, another database; other servers; an unprotected environment's variable.
    expect(check('MY_URI', 'mongodb://db1.example.com,db2.example.com:27018/scratch', 'scratch')).toBeNull();
    expect(check('MY_URI', 'mongodb://db3.example.com/notes', 'notes')).toBeNull();
    expect(check('STAGING_MONGODB_URI', 'mongodb://staging.example.com/notes', 'notes')).toBeNull();
  });
});
