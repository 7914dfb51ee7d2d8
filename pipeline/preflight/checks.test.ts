/**
 * The preflight checks on real parts: TLS certificates made in the test (a test CA, leaves with
 * real validity dates) served by loopback HTTPS servers; the database checks against the test
 * run's server (FerretDB) and against a host that accepts and never answers; and `shipgate doctor`
 * as a child process — on the demo config it passes, on a broken one it lists every failing
 * check and exits 1, each check within its own time limit.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { parseConfigText } from '../config/load.ts';
import { useTestDatabase } from '../testing/mongo.ts';
import { runShipgate } from '../cli/test-helpers.ts';
import { databasePrivilegesCheck, databaseServerCheck } from './database.ts';
import { tlsCheck } from './public-host.ts';
import { runChecks } from './run.ts';
import type { PreflightCheck } from './types.ts';
import { days, httpsServer, makeCertificates, silentServer, type Leaf } from './tls.testkit.ts';

vi.setConfig({ testTimeout: 60_000 });
const t = useTestDatabase('pfchk');
const closers: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c().catch(() => undefined);
});

let certs: Awaited<ReturnType<typeof makeCertificates>>;
const leaves: Record<'valid' | 'expired' | 'wrongHost' | 'soon', Leaf> = {} as never;
beforeAll(async () => {
  certs = await makeCertificates();
  closers.push(() => certs.close());
  leaves.valid = await certs.leaf({ san: 'IP:127.0.0.1', from: days(-1), to: days(90) });
  leaves.expired = await certs.leaf({ san: 'IP:127.0.0.1', from: new Date('2024-01-01T00:00:00Z'), to: new Date('2024-02-01T00:00:00Z') });
  leaves.wrongHost = await certs.leaf({ san: 'DNS:other.example', from: days(-1), to: days(90) });
  leaves.soon = await certs.leaf({ san: 'IP:127.0.0.1', from: days(-1), to: days(5) });
});

async function serve(leaf: Leaf): Promise<string> {
  const s = await httpsServer(leaf);
  closers.push(() => s.close());
  return s.url;
}

function configWith(production: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return parseConfigText(
    stringify({
      app: { name: 'notes', start: 'node server.js' },
      environments: {
        staging: { deploy: { provider: 'process' }, database: { uriEnv: 'STAGING_MONGODB_URI' } },
        production: { deploy: { provider: 'process' }, database: { uriEnv: 'PRODUCTION_MONGODB_URI' }, ...production },
      },
      ...extra,
    }),
    'shipgate.yml',
  );
}

async function check(c: PreflightCheck, opts: { url?: string; uri?: string; ca?: string; timeoutMs?: number; repoRoot?: string }) {
  const config = configWith(opts.url ? { url: opts.url } : {}, { preflight: { timeout: '2s' } });
  const [v] = await runChecks([c], { config, env: 'production', vars: { PRODUCTION_MONGODB_URI: opts.uri ?? '' }, repoRoot: opts.repoRoot ?? tmpdir(), runtimes: {}, now: new Date(), ...(opts.ca ? { tlsCa: opts.ca } : {}) }, { timeoutMs: opts.timeoutMs ?? 5000 });
  return v!;
}

describe('TLS certificate of the public URL (loopback HTTPS, certificates made in the test)', () => {
  it('passes a trusted certificate for the host that stays valid long enough', async () => {
    const v = await check(tlsCheck, { url: await serve(leaves.valid), ca: certs.ca });
    expect(v).toMatchObject({ status: 'passed', summary: expect.stringMatching(/^127\.0\.0\.1: trusted certificate, valid until \d{4}-\d\d-\d\d \(8\d days\)$/) });
  });

  it('fails an expired certificate, naming the day it expired', async () => {
    const v = await check(tlsCheck, { url: await serve(leaves.expired), ca: certs.ca });
    expect(v).toMatchObject({ status: 'failed', summary: 'the certificate of 127.0.0.1 expired on 2024-02-01' });
  });

  it('fails a certificate made for another host', async () => {
    const v = await check(tlsCheck, { url: await serve(leaves.wrongHost), ca: certs.ca });
    expect(v).toMatchObject({ status: 'failed', summary: 'the certificate of 127.0.0.1 is for other.example, not 127.0.0.1' });
  });

  it('fails a certificate that expires within preflight.certMinValidity (14 days by default)', async () => {
    const v = await check(tlsCheck, { url: await serve(leaves.soon), ca: certs.ca });
    expect(v.status).toBe('failed');
    expect(v.summary).toMatch(/^the certificate of 127\.0\.0\.1 expires on \d{4}-\d\d-\d\d, in 4 days \(less than 14\)$/);
  });

  it('fails a certificate whose issuer is not trusted', async () => {
    const v = await check(tlsCheck, { url: await serve(leaves.valid) });
    expect(v).toMatchObject({ status: 'failed', summary: expect.stringContaining('the certificate of 127.0.0.1 is not trusted: ') });
  });

  it('ends with an error when the host accepts and never answers, within the check\'s time limit', async () => {
    const silent = await silentServer();
    closers.push(() => silent.close());
    const v = await check(tlsCheck, { url: `https://127.0.0.1:${silent.port}`, timeoutMs: 800 });
    expect(v).toMatchObject({ status: 'error', summary: 'no answer within 0.8 s' });
  });

  it('skips a plain-HTTP URL, saying why', async () => {
    expect(await check(tlsCheck, { url: 'http://127.0.0.1:1' })).toMatchObject({ status: 'skipped', summary: 'http://127.0.0.1:1 is plain HTTP: no certificate to check' });
  });
});

describe('database checks on the test run\'s server', () => {
  it('reads the server\'s version and features; a migration using transactions fails where there are none', async () => {
    const repo = await mkdtemp(join(tmpdir(), 'sg-pf-tx-'));
    closers.push(() => rm(repo, { recursive: true, force: true }));
    await mkdir(join(repo, 'app/migrations'), { recursive: true });
    await writeFile(join(repo, 'app/migrations/0001-plain.ts'), 'export async function up(db) { await db.collection("a").insertOne({}); }\n');
    const uri = t.uriFor(t.dbName);
    const plain = await check(databaseServerCheck, { uri, repoRoot: repo });
    expect(plain.status).toBe('passed');
    await writeFile(join(repo, 'app/migrations/0002-move.ts'), 'export async function up(db, client) { await client.withSession((s) => s.withTransaction(async () => {})); }\n');
    const tx = await check(databaseServerCheck, { uri, repoRoot: repo });
    if (t.kind === 'ferretdb') {
      expect(tx).toMatchObject({ status: 'failed', summary: expect.stringContaining('FerretDB has no multi-document transactions, and 0002-move.ts uses them') });
      expect(await check(databasePrivilegesCheck, { uri })).toMatchObject({ status: 'skipped', summary: expect.stringContaining('runs without access control') });
    }
  });

  it('a database host that accepts and never answers: an error within the limit, never a hang', async () => {
    const silent = await silentServer();
    closers.push(() => silent.close());
    const v = await check(databaseServerCheck, { uri: `mongodb://127.0.0.1:${silent.port}/notes`, timeoutMs: 1500 });
    expect(v.status).toBe('error');
  });
});

describe('shipgate doctor', () => {
  it('passes on the demo config (this repository\'s .github/shipgate.yml)', async () => {
    const r = await runShipgate(['doctor'], { STAGING_MONGODB_URI: t.uriFor(t.freshName('docstg')), PRODUCTION_MONGODB_URI: t.uriFor(t.freshName('docprod')) }, { killAfterMs: 60_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('✓ every check passed or does not apply');
    expect(r.stdout).toMatch(/^staging\n/);
    expect(r.stdout).toMatch(/\nproduction\n/);
    expect(r.stdout).not.toContain('❌');
  });

  it('--env with an environment the config does not name: a usage error naming the known ones, nothing checked', async () => {
    const r = await runShipgate(['doctor', '--env', 'prod'], { STAGING_MONGODB_URI: t.uriFor(t.dbName), PRODUCTION_MONGODB_URI: t.uriFor(t.dbName) }, { killAfterMs: 30_000 });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/prod.*staging, production|staging, production.*prod/s);
    expect(r.stdout).not.toContain('✅');
  });

  it('on a broken setup lists every failing check, never a secret value, and exits 1 — whatever is unreachable', async () => {
    const repo = await mkdtemp(join(tmpdir(), 'sg-doctor-'));
    closers.push(() => rm(repo, { recursive: true, force: true }));
    const silent = await silentServer();
    closers.push(() => silent.close());
    const expired = await serve(leaves.expired);
    await mkdir(join(repo, '.github'), { recursive: true });
    await writeFile(join(repo, 'package.json'), JSON.stringify({ name: 'x', engines: { node: '>=99' } }));
    await writeFile(join(repo, '.github/shipgate.yml'), stringify({
      app: { name: 'notes', start: 'node server.js', requiredEnv: ['JWT_SECRET'] },
      environments: {
        staging: { deploy: { provider: 'process', env: { JWT_SECRET: 'STAGING_JWT_SECRET' } }, database: { uriEnv: 'STAGING_MONGODB_URI' } },
        production: { protected: true, url: expired, deploy: { provider: 'process', env: { JWT_SECRET: 'PRODUCTION_JWT_SECRET' } }, database: { uriEnv: 'PRODUCTION_MONGODB_URI' } },
      },
      people: [{ name: 'ana' }],
      approval: { approvers: ['ana'] },
      preflight: { timeout: '1500ms' },
    }));
    const hung = `mongodb://127.0.0.1:${silent.port}/notes_staging`;
    const r = await runShipgate(['doctor'], { STAGING_MONGODB_URI: hung, PRODUCTION_MONGODB_URI: hung, STAGING_JWT_SECRET: 'changeme', SHIPGATE_STORE_URI: 'mongodb://127.0.0.1:1/never-used' }, { cwd: repo, killAfterMs: 60_000 });
    expect(r.killed, r.stderr).toBe(false);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const out = r.stdout;
    expect(out).toContain('❌ Shipgate\'s variables for production: PRODUCTION_JWT_SECRET (JWT_SECRET of the app on production) is not set');
    expect(out).toContain('❌ required variables on production: 1 required variable not set on production: JWT_SECRET');
    expect(out).toContain('❌ secrets on staging: JWT_SECRET is a placeholder');
    expect(out).toContain('❌ right database for staging: staging\'s database URI: it is production\'s database');
    expect(out).toContain('❌ right database for production: production\'s database URI: it is staging\'s database');
    expect(out).toContain('production\'s database URI: it is staging\'s database (same host 127.0.0.1:');
    expect(out).toMatch(/❌ right database for production: .*its database name "notes_staging" is a development or staging name/);
    expect(out).toMatch(/❌ database server of staging: (no answer within 1\.5 s|could not check: )/);
    expect(out).toContain('❌ TLS certificate of production: the certificate of 127.0.0.1 ');
    expect(out).toMatch(/❌ Node version for staging: package\.json asks for Node >=99, but Node \d+\.\d+\.\d+ would run it/);
    expect(out).toMatch(/✗ \d+ checks failed: a release would stop at preflight/);
    expect(out + r.stderr).not.toContain('changeme');
  });
});
