/**
 * The pure halves of the preflight checks: each verdict from a measurement, with the seeds'
 * cases (a staging URI in production, a development database name, a placeholder secret, a
 * short JWT secret, a secret shared by two environments, a missing variable, an unattached or
 * unverified custom domain, an expired, wrong-host or soon-expiring certificate, privileges
 * short of what a release does, transactions on a server without them, a Node outside engines).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { evaluateDatabaseTarget, evaluatePrivileges, evaluateServer, isLocalHost, parseMongoUri, type ParsedUri } from './database.ts';
import { evaluateEngines } from './node.ts';
import { evaluateCertificate, evaluateCustomDomain } from './public-host.ts';
import { evaluateRequired, evaluateSecrets, isPlaceholder, parseEnvExample } from './variables.ts';
import { blocking, preflightResult } from './run.ts';

const uri = (text: string, db?: string) => parseMongoUri(text, 'fallback', db) as ParsedUri;

describe('right database', () => {
  const base = { env: 'production', protected: true, remote: true, devNames: [] as string[] };
  const staging = { env: 'staging', protected: false, uri: uri('mongodb+srv://u:p@cluster0.ab12.mongodb.net/notes_staging') };

  it('parses hosts and database without credentials; not a URI is null', () => {
    expect(uri('mongodb://user:pa%40ss@B.example.com,a.example.com:27018/notes?replicaSet=rs0')).toEqual({ srv: false, hosts: ['a.example.com:27018', 'b.example.com:27017'], dbName: 'notes' });
    expect(uri('mongodb+srv://cluster0.ab12.mongodb.net/?retryWrites=true')).toEqual({ srv: true, hosts: ['cluster0.ab12.mongodb.net'], dbName: 'fallback' });
    expect(uri('mongodb://h.example.com/x', 'configured').dbName).toBe('configured');
    expect(parseMongoUri('postgres://h/x', 'f')).toBeNull();
    expect(parseMongoUri('mongodb:///x', 'f')).toBeNull();
    // A password with an unescaped '/', '?' or '@' never ends up in a host or database name (review finding).
    for (const raw of ['mongodb://app:pa/ss@db.example.com/prod', 'mongodb://app:pa?ss@db.example.com/prod', 'mongodb://app:p@ss@db.example.com/prod']) {
      expect(uri(raw), raw).toEqual({ srv: false, hosts: ['db.example.com:27017'], dbName: 'prod' });
    }
    expect(parseMongoUri('mongodb://h.example.com/%E0%A4%A', 'f')).toBeNull();
  });

  it('fails a production URI that is staging\'s (same host and database), naming both and no credentials', () => {
    const v = evaluateDatabaseTarget({ ...base, uri: uri('mongodb+srv://other:secretpw@cluster0.ab12.mongodb.net/notes_staging'), others: [staging] });
    expect(v.status).toBe('failed');
    expect(v.summary).toContain("it is staging's database (same host cluster0.ab12.mongodb.net, database notes_staging)");
    expect(v.summary).not.toContain('secretpw');
    expect(v.fix).toContain('give production its own database URI');
  });

  it('passes the same cluster with another database, and a different cluster', () => {
    expect(evaluateDatabaseTarget({ ...base, uri: uri('mongodb+srv://cluster0.ab12.mongodb.net/notes'), others: [staging] }).status).toBe('passed');
    expect(evaluateDatabaseTarget({ ...base, uri: uri('mongodb+srv://prod.zz99.mongodb.net/notes_staging', 'notes'), others: [staging] }).status).toBe('passed');
  });

  it('fails a local or private address for a remote environment, not for a local one', () => {
    for (const h of ['localhost', '127.0.0.1', '10.1.2.3', '172.20.0.5', '192.168.1.10', '[::1]', 'mongo', 'db.internal']) {
      const v = evaluateDatabaseTarget({ ...base, protected: false, uri: uri(`mongodb://${h}:27017/notes`), others: [] });
      expect(v.status, h).toBe('failed');
      expect(v.summary, h).toContain('local or private address');
    }
    expect(evaluateDatabaseTarget({ ...base, protected: false, remote: false, uri: uri('mongodb://127.0.0.1:27017/notes'), others: [] }).status).toBe('passed');
    expect(['172.32.0.1', '8.8.8.8', 'cluster0.x.mongodb.net'].map((h) => isLocalHost(h))).toEqual([false, false, false]);
  });

  it('fails a development database name on a protected environment only', () => {
    for (const name of ['notes_dev', 'notes-test', 'local', 'notes.staging', 'notesstaging', 'legacy']) {
      const v = evaluateDatabaseTarget({ ...base, devNames: ['legacy'], uri: uri(`mongodb+srv://prod.zz99.mongodb.net/${name}`), others: [staging] });
      expect(v.status, name).toBe('failed');
    }
    expect(evaluateDatabaseTarget({ ...base, protected: false, uri: uri('mongodb+srv://prod.zz99.mongodb.net/notes_dev'), others: [] }).status).toBe('passed');
    for (const name of ['notes', 'notesproduction', 'latest', 'devices']) expect(evaluateDatabaseTarget({ ...base, uri: uri(`mongodb+srv://prod.zz99.mongodb.net/${name}`), others: [staging] }).status, name).toBe('passed');
  });
});

describe('required variables', () => {
  const required = { names: ['MONGODB_URI', 'JWT_SECRET', 'SMTP_URL'], source: 'app.requiredEnv', examples: {} };

  it('names every missing variable and how to set it for a process deploy', () => {
    const v = evaluateRequired(required, { known: true, where: 'x', sets: [{ label: 'staging', vars: { MONGODB_URI: 'mongodb://h/x', SMTP_URL: '' } }] }, 'staging', { provider: 'process', env: { JWT_SECRET: 'STAGING_JWT_SECRET' } });
    expect(v).toMatchObject({ status: 'failed', summary: '2 required variables not set on staging: JWT_SECRET, SMTP_URL' });
    expect(v.fix).toContain('set STAGING_JWT_SECRET (environments.staging.deploy.env maps JWT_SECRET from it)');
    expect(v.fix).toContain('map SMTP_URL in environments.staging.deploy.env (e.g. SMTP_URL: STAGING_SMTP_URL)');
  });

  it('checks each slot service of a Railway environment, and says where to set them', () => {
    const all = { MONGODB_URI: 'x', JWT_SECRET: 'y', SMTP_URL: 'z' };
    const v = evaluateRequired(required, { known: true, where: 'Railway', sets: [{ label: 'production slot blue', vars: all }, { label: 'production slot green', vars: { MONGODB_URI: 'x' } }] }, 'production', { provider: 'railway' });
    expect(v.summary).toBe('2 required variables not set on production: JWT_SECRET (production slot green), SMTP_URL (production slot green)');
    expect(v.fix).toContain('Railway → the service → Variables');
    expect(evaluateRequired(required, { known: true, where: 'Railway', sets: [{ label: 'production', vars: all }] }, 'production', { provider: 'railway' }).status).toBe('passed');
  });

  it('is skipped, not passed, where Shipgate cannot see the variables', () => {
    expect(evaluateRequired(required, { known: false, reason: 'a webhook deploy does not tell Shipgate the app\'s variables' }, 'staging', { provider: 'webhook' }).status).toBe('skipped');
  });

  it('reads .env.example names and example values; a malformed line is named', () => {
    expect(parseEnvExample('# comment\n\nexport MONGODB_URI=mongodb://localhost/notes\nJWT_SECRET="change me"\nAPI_KEY=abc # trailing\nJWT_SECRET=again\n', 'app/.env.example')).toEqual({
      names: ['MONGODB_URI', 'JWT_SECRET', 'API_KEY'],
      examples: { MONGODB_URI: 'mongodb://localhost/notes', JWT_SECRET: 'again', API_KEY: 'abc' },
    });
    expect(() => parseEnvExample('OK=1\nnot a line\n', 'app/.env.example')).toThrow('app/.env.example line 2 is not NAME=value');
    expect(() => parseEnvExample('1BAD=x', '.env.example')).toThrow('line 1');
  });
});

describe('secrets look like secrets', () => {
  const input = (vars: Record<string, string>, over: Partial<Parameters<typeof evaluateSecrets>[0]> = {}) =>
    evaluateSecrets({ env: 'production', names: Object.keys(vars), sets: [{ label: 'production', vars }], examples: {}, minLength: 16, others: [], ...over });

  it('fails placeholders, empty values, short ones and the example value — and never shows a value', () => {
    const v = input({ JWT_SECRET: 'changeme', SESSION_SECRET: '', API_KEY: 'short-12-chr', STRIPE_KEY: 'sk_example_value_from_env_file' }, { examples: { STRIPE_KEY: 'sk_example_value_from_env_file' } });
    expect(v.status).toBe('failed');
    expect(v.summary).toBe('JWT_SECRET is a placeholder; SESSION_SECRET is empty; API_KEY is 12 characters, shorter than 16; STRIPE_KEY is a placeholder (the value from the env example)');
    for (const value of ['changeme', 'short-12-chr', 'sk_example_value_from_env_file']) expect(`${v.summary} ${v.fix}`).not.toContain(value);
  });

  it('fails a secret shared by staging and production', () => {
    const value = 'Zx8!c2Lq9#vR4mT7pW1s';
    const v = input({ JWT_SECRET: value }, { others: [{ env: 'staging', vars: { JWT_SECRET: value } }] });
    expect(v).toMatchObject({ status: 'failed', summary: 'JWT_SECRET is the same on production and staging' });
    expect(input({ JWT_SECRET: value }, { others: [{ env: 'staging', vars: { JWT_SECRET: `${value}x` } }] }).status).toBe('passed');
  });

  it('knows placeholders, and a random value is never one', () => {
    for (const p of ['changeme', 'CHANGEME', 'secret', 'your-jwt-secret-here', 'your_api_key_here', '<secret>', '${JWT_SECRET}', 'xxxxxxxxxxxxxxxx', '0000000000000000']) expect(isPlaceholder(p, undefined), p).toBe(true);
    fc.assert(fc.property(fc.stringMatching(/^[A-Za-z0-9+/]{24,64}$/).filter((s) => new Set(s).size > 1), (s) => !isPlaceholder(s, undefined)));
  });
});

describe('custom domain and certificate', () => {
  it('fails a domain not attached, attached to one of two slot services, or not verified', () => {
    const d = (over: object) => ({ domain: 'app.example.com', serviceId: 'svc-blue', verified: true, ...over });
    expect(evaluateCustomDomain({ env: 'production', domain: 'app.example.com', attached: [d({ domain: 'other.example.com' })], services: 1 })).toMatchObject({ status: 'failed', summary: "app.example.com is not attached to production's service on Railway" });
    expect(evaluateCustomDomain({ env: 'production', domain: 'app.example.com', attached: [d({})], services: 2 })).toMatchObject({ status: 'failed', summary: 'app.example.com is attached to 1 of the 2 slot services on Railway' });
    expect(evaluateCustomDomain({ env: 'production', domain: 'App.Example.com', attached: [d({ verified: false, detail: 'CNAME record not found' })], services: 1 })).toMatchObject({ status: 'failed', summary: 'app.example.com is not verified by Railway yet: CNAME record not found' });
    expect(evaluateCustomDomain({ env: 'production', domain: 'app.example.com', attached: [d({}), d({ serviceId: 'svc-green' })], services: 2 }).status).toBe('passed');
  });

  it('judges a certificate: wrong host, expired, not yet valid, untrusted, expiring soon, fine', () => {
    const now = new Date('2026-12-05T12:00:00Z');
    const c = (over: Partial<Parameters<typeof evaluateCertificate>[0]>) =>
      evaluateCertificate({ host: 'app.example.com', authorized: true, validFrom: new Date('2026-11-01'), validTo: new Date('2027-03-01'), subject: 'app.example.com', now, minValidityMs: 14 * 86_400_000, ...over });
    expect(c({})).toMatchObject({ status: 'passed', summary: 'app.example.com: trusted certificate, valid until 2027-03-01 (85 days)' });
    expect(c({ identityError: 'Hostname/IP does not match', subject: 'other.example.com' }).summary).toBe('the certificate of app.example.com is for other.example.com, not app.example.com');
    expect(c({ validTo: new Date('2026-12-01'), authorized: false, authorizationError: 'CERT_HAS_EXPIRED' }).summary).toBe('the certificate of app.example.com expired on 2026-12-01');
    expect(c({ validFrom: new Date('2026-12-10') }).summary).toBe('the certificate of app.example.com is not valid before 2026-12-10');
    expect(c({ authorized: false, authorizationError: 'SELF_SIGNED_CERT_IN_CHAIN' }).summary).toBe('the certificate of app.example.com is not trusted: SELF_SIGNED_CERT_IN_CHAIN');
    expect(c({ validTo: new Date('2026-12-12T12:00:00Z') }).summary).toBe('the certificate of app.example.com expires on 2026-12-12, in 7 days (less than 14)');
  });
});

describe('database server and privileges', () => {
  it('fails migrations that use transactions on a server without them', () => {
    expect(evaluateServer({ version: '7.0.42', ferretdb: '1.24.2', topology: 'standalone', migrationsUsingTransactions: ['0004-move.ts'] })).toMatchObject({ status: 'failed' });
    expect(evaluateServer({ version: '7.0.5', topology: 'standalone', migrationsUsingTransactions: ['0004-move.ts'] }).summary).toContain('a standalone server has no transactions');
    expect(evaluateServer({ version: '7.0.5', topology: 'replica-set', migrationsUsingTransactions: ['0004-move.ts'] })).toMatchObject({ status: 'passed', summary: 'MongoDB 7.0.5, transactions available (replica-set)' });
    expect(evaluateServer({ version: '3.6.8', topology: 'replica-set', migrationsUsingTransactions: [] }).status).toBe('failed');
  });

  const facts = { users: ['app@admin'], dbName: 'notes', changelog: 'shipgate_migrations', needsOwnDatabases: true };
  it('skips on FerretDB and without access control, saying why', () => {
    expect(evaluatePrivileges({ ...facts, ferretdb: '1.24.2', users: [], privileges: [] })).toMatchObject({ status: 'skipped', summary: expect.stringContaining('FerretDB 1.24.2 runs without access control') });
    expect(evaluatePrivileges({ ...facts, users: [], privileges: [] }).status).toBe('skipped');
  });

  it('passes readWriteAnyDatabase + dbAdminAnyDatabase, fails readWrite on the app database alone', () => {
    // connectionStatus { showPrivileges: true } shapes (MongoDB manual, connectionStatus output).
    const anyDb = [{ resource: { db: '', collection: '' }, actions: ['find', 'insert', 'update', 'remove', 'createIndex', 'dropIndex', 'createCollection', 'dropDatabase'] }];
    expect(evaluatePrivileges({ ...facts, privileges: anyDb }).status).toBe('passed');
    const readWrite = [{ resource: { db: 'notes', collection: '' }, actions: ['find', 'insert', 'update', 'remove', 'createIndex', 'dropIndex', 'createCollection'] }];
    const v = evaluatePrivileges({ ...facts, privileges: readWrite });
    expect(v).toMatchObject({ status: 'failed', summary: 'app@admin lacks createCollection, insert, find, createIndex, dropDatabase for rehearsal and backup databases (sgrehearse*, sgbackup*)' });
    expect(v.fix).toContain('readWriteAnyDatabase');
    expect(evaluatePrivileges({ ...facts, privileges: [{ resource: { anyResource: true }, actions: ['anyAction'] }] }).status).toBe('passed');
    expect(evaluatePrivileges({ ...facts, privileges: [{ resource: { cluster: true }, actions: ['anyAction'] }] }).status).toBe('failed');
  });
});

describe('Node engines and the stage result', () => {
  it('judges engines.node against the runtime', () => {
    expect(evaluateEngines({ file: 'package.json', range: '>=22', runtime: '20.19.0', platform: 'process' })).toMatchObject({ status: 'failed', summary: 'package.json asks for Node >=22, but Node 20.19.0 would run it' });
    expect(evaluateEngines({ file: 'package.json', range: '>=20', runtime: '20.19.0', platform: 'process' }).status).toBe('passed');
    expect(evaluateEngines({ file: 'package.json', range: 'banana', platform: 'railway' }).status).toBe('failed');
    expect(evaluateEngines({ platform: 'railway' }).status).toBe('skipped');
  });

  it('blocks on a failed or errored check, lists failures first, and escapes table cells', () => {
    const v = [
      { id: 'a', title: 'a on staging', status: 'passed' as const, summary: 'fine' },
      { id: 'b', title: 'b on staging', status: 'skipped' as const, summary: 'n/a' },
      { id: 'c', title: 'c on staging', status: 'error' as const, summary: 'no answer | within 1 s', fix: 'raise it' },
    ];
    const r = preflightResult('staging', v, new Date().toISOString(), 5);
    expect(blocking(v).map((x) => x.id)).toEqual(['c']);
    expect(r).toMatchObject({ gate: 'preflight', status: 'failed', summary: '1 of 3 checks failed on staging: c — no answer | within 1 s', metrics: { checks: 3, passed: 1, failed: 1, skipped: 1 } });
    expect(r.details.split('\n')[2]).toBe('| ❌ | c on staging | no answer \\| within 1 s | raise it |');
    expect(preflightResult('staging', v.slice(0, 2), '', 1)).toMatchObject({ status: 'passed', summary: '1 checks passed, 1 skipped on staging' });
  });
});
