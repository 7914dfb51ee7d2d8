/**
 * Invariant 9, site by site on the pipeline side: each test drives the real component (the error
 * catalogue, the release store and audit log on the test database, a real migration run, a real
 * connection attempt) with a secret in its input, and asserts that what it keeps or shows — the
 * stored document, the error's message AND its details — does not hold it. Each test fails when
 * the redaction call at its site is removed (the error constructor masks messages, so details are
 * what tell a missing site-level redaction apart). Secrets are random per test: the registry is
 * process-global, and no test may pass because another one registered its value.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ShipgateError, defineErrors, presentError } from '../errors.ts';
import { connectMongo } from '../mongo/connect.ts';
import { applyMigrations } from '../migrate/apply.ts';
import { openMigrationTarget } from '../migrate/target.ts';
import { migrationDir } from '../migrate/test-helpers.ts';
import { AuditLog } from '../release/audit.ts';
import { ReleaseStore, newReleaseId } from '../release/store.ts';
import type { ReleaseRecord } from '../release/types.ts';
import { useTestDatabase } from '../testing/mongo.ts';
import { registerSecret } from './redact.ts';

const t = useTestDatabase('redsites');
const fresh = (prefix: string) => `${prefix}${randomBytes(9).toString('hex')}`;

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('pipeline/errors.ts', () => {
  const siteErrors = defineErrors({
    SHIPGATE_REDACTION_SITE_TEST: {
      message: (d: { reason: string }) => `the call failed: ${d.reason}`,
      hint: (d: { reason: string }) => `retry after fixing ${d.reason}`,
    },
  });

  it('masks registered values and secret shapes in the message and hint of every error', () => {
    const token = fresh('tok');
    registerSecret(token);
    const pw = fresh('pw');
    const err = siteErrors.SHIPGATE_REDACTION_SITE_TEST({ reason: `token ${token} rejected by mongodb://app:${pw}@db.example.com/prod` });
    for (const shown of [err.message, err.hint ?? '', presentError(err), presentError(err, 'markdown')]) {
      expect(shown).not.toContain(token);
      expect(shown).not.toContain(pw);
    }
    expect(err.message).toContain('app:***@db.example.com/prod');
    const direct = new ShipgateError('SHIPGATE_X', `x ${token}`, { hint: `h ${token}` });
    expect(`${direct.message} ${direct.hint}`).toBe('x *** h ***');
  });

  it('masks the message of an unexpected error shown as SHIPGATE_INTERNAL', () => {
    const token = fresh('tok');
    registerSecret(token);
    const shown = presentError(new TypeError(`cannot read ${token}`), 'markdown');
    expect(shown).toContain('SHIPGATE_INTERNAL');
    expect(shown).not.toContain(token);
  });
});

describe('pipeline/release store and audit', () => {
  it('create() and update() store a release with its secrets masked', async () => {
    const store = new ReleaseStore(t.client.db(t.freshName('store')));
    await store.init();
    const pw = fresh('pw');
    const token = fresh('tok');
    registerSecret(token);
    const record = {
      _id: newReleaseId(), repo: 'acme/notes', sha: 'a'.repeat(40), ref: 'main', version: '1.0.0', path: ['staging'], target: 'staging',
      requester: { identity: { via: 'cli', id: 'ana' } }, status: 'running', stages: [], approvals: [], deployments: {},
      reason: `could not reach mongodb://app:${pw}@db.example.com/prod with ${token}`,
    } as unknown as Omit<ReleaseRecord, 'rev' | 'createdAt' | 'updatedAt'>;
    const created = await store.create(record);
    const raw = JSON.stringify(await store.releases.findOne({ _id: record._id }));
    expect(raw).toContain('app:***@db.example.com/prod');
    for (const s of [pw, token]) {
      expect(raw).not.toContain(s);
      expect(JSON.stringify(created)).not.toContain(s);
    }
    await store.update(created, (r) => void (r.reason = `again ${token}`));
    expect(JSON.stringify(await store.releases.findOne({ _id: record._id }))).not.toContain(token);
  });

  it('append() stores audit data with its secrets masked, and hashes what it stored', async () => {
    const db = t.client.db(t.freshName('audit'));
    const audit = new AuditLog(db);
    const pw = fresh('pw');
    const token = fresh('tok');
    registerSecret(token);
    const entry = await audit.append({ type: 'release.requested', release: 'rel-x', actor: { via: 'cli', id: 'ana' }, data: { note: `mongodb://u:${pw}@h/db`, nested: [{ said: token }], apiKey: 'plain' } });
    const raw = JSON.stringify(await db.collection<{ _id: number }>('audit').findOne({ _id: entry._id }));
    for (const s of [pw, token, 'plain']) expect(raw).not.toContain(s);
    expect(raw).toContain('u:***@h/db');
    expect(await audit.verify()).toMatchObject({ ok: true });
  });
});

describe('pipeline/migrate run-step', () => {
  it('a failed migration reports its reason and stack lines with secrets masked, in the message and the details', async () => {
    const pw = fresh('pw');
    const token = fresh('tok');
    registerSecret(token);
    const dir = await migrationDir({
      '0001-leak.js': `export async function up(db) {\n  await db.collection('x').findOne({});\n  throw new Error('copy failed with ${token}\\nsecond line: mongodb://admin:${pw}@backup.example.com/x');\n}\n`,
    });
    const target = openMigrationTarget({ client: t.client, dbName: t.freshName('mig'), dir });
    const report = await applyMigrations(target, { actor: 'ana' });
    const err = report.failed?.error;
    expect(err?.code).toBe('SHIPGATE_MIGRATION_FAILED');
    const details = err?.details as { reason: string; stack: string };
    expect(details.stack).toContain('admin:***@backup.example.com'); // the message's second line reaches the stack
    for (const shown of [err?.message ?? '', details.reason, details.stack, JSON.stringify(err?.details)]) {
      expect(shown).not.toContain(pw);
      expect(shown).not.toContain(token);
    }
  });
});

describe('pipeline/mongo connect', () => {
  it('an unreachable database: the error names user and host, never the password (message and details)', async () => {
    const pw = fresh('pw');
    const port = await closedPort();
    const err = await connectMongo(`mongodb://admin:${pw}@127.0.0.1:${port}/app`, { source: 'STAGING_MONGODB_URI', timeoutMs: 500 }).then(
      () => undefined,
      (e: unknown) => e as ShipgateError,
    );
    expect(err?.code).toBe('SHIPGATE_DB_UNREACHABLE');
    expect(err?.message).toContain(`admin:***@127.0.0.1:${port}/app`);
    expect(JSON.stringify(err?.details)).not.toContain(pw);
    expect(presentError(err)).not.toContain(pw);
  });

  it('an invalid connection string: the driver echoes option values, the reason masks the registered password', async () => {
    const pw = fresh('pw');
    const uri = `mongodb://admin:${pw}@127.0.0.1:1/app?authMechanism=${pw}`; // the password pasted into the wrong place
    registerSecret(uri); // what resolveEnvSecret does: only the password is registered
    const err = await connectMongo(uri, { source: 'STAGING_MONGODB_URI', timeoutMs: 500 }).then(
      () => undefined,
      (e: unknown) => e as ShipgateError,
    );
    expect(err?.code).toBe('SHIPGATE_DB_URI_INVALID');
    expect((err?.details as { reason: string }).reason).toContain('authMechanism');
    expect(JSON.stringify(err?.details)).not.toContain(pw);
    expect(err?.message).not.toContain(pw);
  });
});
