/** The `shipgate migrate` commands, run as real processes against the test server. */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort, repoRoot } from '../mongo/embedded.ts';
import { useTestDatabase } from '../testing/mongo.ts';
import { js, migrationDir, snapshotDb } from './test-helpers.ts';
import { seedFixture } from './fixtures/notes-app/seed.ts';

const t = useTestDatabase('cli');
const notesApp = fileURLToPath(new URL('./fixtures/notes-app', import.meta.url));

interface Run { code: number | null; stdout: string; stderr: string }

function shipgate(args: string[], env: Record<string, string | undefined>, onStderr?: (text: string, child: ReturnType<typeof spawn>) => void): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/shipgate.js', ...args], { cwd: repoRoot, env: { PATH: process.env.PATH, HOME: process.env.HOME, USER: 'cli-tester', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      onStderr?.(stderr, child);
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('shipgate migrate (CLI)', () => {
  it('status, plan --json, apply, status again', async () => {
    const db = t.freshName('cl');
    await seedFixture(t.client.db(db), { notes: 20, memos: 5 });
    const env = { STAGING_MONGODB_URI: t.uriFor(db) };
    const base = ['--uri-env', 'STAGING_MONGODB_URI', '--dir', notesApp];
    const s1 = await shipgate(['migrate', 'status', ...base], env);
    expect(s1.code).toBe(0);
    expect(s1.stdout).toMatch(/pending\s+0001-add-note-indexes/);
    const plan = await shipgate(['migrate', 'plan', ...base, '--json', '--label', 'staging'], env);
    expect(plan.code).toBe(0);
    const parsed = JSON.parse(plan.stdout) as { digest: string; pending: Array<{ id: string }>; target: { label: string } };
    expect(parsed.pending.map((p) => p.id)).toHaveLength(3);
    expect(parsed.target).toEqual({ label: 'staging', db });
    const apply = await shipgate(['migrate', 'apply', ...base, '--release', 'r1', '--as', 'cli-tester'], env);
    expect(apply.stderr).not.toMatch(/SHIPGATE_/);
    expect(apply.code).toBe(0);
    expect(apply.stdout).toMatch(/applied: 0001-add-note-indexes \(\d/);
    const s2 = await shipgate(['migrate', 'status', ...base], env);
    expect(s2.stdout).toMatch(/applied\s+0003-rename-body-to-text applied \d{4}-\d\d-\d\d .* by cli-tester \(release r1\)/);
  });

  it('a changelog document with a non-string _id is a warning naming it, not a crash', async () => {
    const db = t.freshName('fr');
    const dir = await migrationDir({ '0001-a.js': js.insert('a', 1) });
    await t.client.db(db).collection<{ _id: unknown }>('shipgate_migrations').insertOne({ _id: 7, note: 'written by another tool' } as never);
    const status = await shipgate(['migrate', 'status', '--dir', dir], { MONGODB_URI: t.uriFor(db) });
    expect(status.stderr).not.toContain('SHIPGATE_INTERNAL');
    expect(status.code).toBe(0);
    expect(status.stderr).toContain('warning: shipgate_migrations holds a document that is not a Shipgate migration entry (_id 7): _id is a number');
    expect(status.stdout).toMatch(/pending\s+0001-a/);
    const apply = await shipgate(['migrate', 'apply', '--dir', dir], { MONGODB_URI: t.uriFor(db) });
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain('applied: 0001-a');
  });

  it('plan of a migrate-mongo style migration that reaches for db.client records the write and writes nothing', async () => {
    const db = t.freshName('mm');
    await t.client.db(db).collection('albums').insertMany([{ artist: 'The Beatles' }, { artist: 'The Doors' }]);
    const before = await snapshotDb(t.client.db(db));
    const dir = await migrationDir({
      '0001-blacklist.js': "module.exports = {\n  async up(db, client) {\n    await db.client.db(db.databaseName).collection('albums').updateOne({ artist: 'The Beatles' }, { $set: { blacklisted: true } });\n    const session = client.startSession();\n    try { await session.withTransaction(async () => { await db.collection('albums').updateOne({ artist: 'The Doors' }, { $set: { stars: 5 } }, { session }); }); } finally { await session.endSession(); }\n  },\n};\n",
    });
    const plan = await shipgate(['migrate', 'plan', '--dir', dir, '--json'], { MONGODB_URI: t.uriFor(db) });
    expect(plan.stderr).not.toContain('SHIPGATE_');
    expect(plan.code).toBe(0);
    const parsed = JSON.parse(plan.stdout) as { pending: Array<{ writes: Array<{ op: string; matched: number }> }> };
    expect(parsed.pending[0]?.writes.map((w) => [w.op, w.matched])).toEqual([['updateOne', 2]]);
    expect(await snapshotDb(t.client.db(db))).toBe(before);
  });

  it('a missing env var and an unreachable server are errors naming the variable, password redacted', async () => {
    const missing = await shipgate(['migrate', 'status', '--uri-env', 'PRODUCTION_MONGODB_URI'], {});
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('SHIPGATE_ENV_MISSING: environment variable PRODUCTION_MONGODB_URI is not set');
    const port = await freePort();
    const down = await shipgate(['migrate', 'plan', '--uri-env', 'STAGING_MONGODB_URI', '--timeout', '2s'], { STAGING_MONGODB_URI: `mongodb://admin:hunter2secret@127.0.0.1:${port}/app` });
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('SHIPGATE_DB_UNREACHABLE: cannot reach the database from STAGING_MONGODB_URI');
    expect(down.stderr).toContain(`admin:***@127.0.0.1:${port}`);
    expect(down.stderr + down.stdout).not.toContain('hunter2secret');
  });

  it('apply --protected refuses without an approval and points to shipgate release', async () => {
    const db = t.freshName('pr');
    const dir = await migrationDir({ '0001-a.js': js.insert('a', 1) });
    const r = await shipgate(['migrate', 'apply', '--dir', dir, '--protected', '--backup'], { MONGODB_URI: t.uriFor(db) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('SHIPGATE_APPROVAL_REQUIRED');
    expect(r.stderr).toContain('shipgate release');
    expect(await t.client.db(db).listCollections().toArray()).toEqual([]);
  });

  it('apply and down on a database the config marks protected refuse without --protected (by variable name and by URI)', async () => {
    const db = t.freshName('cp');
    const dir = await migrationDir({ '0001-a.js': js.setField('a', 'done') });
    await t.client.db(db).collection('a').insertOne({ n: 1 });
    const before = await snapshotDb(t.client.db(db));
    const uri = t.uriFor(db);
    // The repository's .github/shipgate.yml: production (PRODUCTION_MONGODB_URI) is protected: true.
    const byName = await shipgate(['migrate', 'apply', '--uri-env', 'PRODUCTION_MONGODB_URI', '--dir', dir], { PRODUCTION_MONGODB_URI: uri });
    expect(byName.code).toBe(1);
    expect(byName.stderr).toContain('SHIPGATE_APPROVAL_REQUIRED');
    expect(byName.stderr).toContain('PRODUCTION_MONGODB_URI is the database of environments.production in .github/shipgate.yml is protected: true');
    // The same database under another variable name (other host spelling, credentials-free, with options).
    const alias = uri.replace('127.0.0.1', 'localhost').replace(/\/([^/?]*)$/, '/$1?appName=copy');
    const byValue = await shipgate(['migrate', 'apply', '--uri-env', 'MY_COPY_URI', '--dir', dir], { PRODUCTION_MONGODB_URI: uri, MY_COPY_URI: alias });
    expect(byValue.code).toBe(1);
    expect(byValue.stderr).toContain('MY_COPY_URI points at the same database as PRODUCTION_MONGODB_URI');
    // An explicit config file, and down.
    const config = join(tmpdir(), `shipgate-cfg-${db}.yml`);
    await writeFile(config, 'app: { name: x, start: node x.js }\nenvironments:\n  live:\n    protected: true\n    deploy: { provider: process }\n    database: { uriEnv: LIVE_URI }\npeople:\n  - { name: ana, slack: U012ABC }\napproval: { approvers: [ana] }\n');
    const down = await shipgate(['migrate', 'down', '--to', '0', '--uri-env', 'LIVE_URI', '--dir', dir, '--config', config], { LIVE_URI: uri });
    expect(down.code).toBe(1);
    expect(down.stderr).toContain(`environments.live in ${config} is protected: true`);
    expect(await snapshotDb(t.client.db(db))).toBe(before);
    // An unprotected variable pointing elsewhere still applies.
    const other = t.freshName('cq');
    const ok = await shipgate(['migrate', 'apply', '--uri-env', 'STAGING_MONGODB_URI', '--dir', dir], { PRODUCTION_MONGODB_URI: uri, STAGING_MONGODB_URI: t.uriFor(other) });
    expect(ok.code).toBe(0);
  });

  it('a migration that throws: exit 1, its stack with file and line, recorded nothing', async () => {
    const db = t.freshName('th');
    const dir = await migrationDir({ '0001-ok.js': js.insert('a', 1), '0002-throws.js': js.throws('cannot convert invoice') });
    const r = await shipgate(['migrate', 'apply', '--dir', dir], { MONGODB_URI: t.uriFor(db) });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('applied: 0001-ok');
    expect(r.stdout).toContain('not applied: 0002-throws');
    expect(r.stderr).toContain('SHIPGATE_MIGRATION_FAILED: migration 0002-throws failed in up()');
    expect(r.stderr).toMatch(/0002-throws\.js:3:\d+/);
    expect(await t.client.db(db).collection('shipgate_migrations').distinct('_id')).toEqual(['0001-ok']);
  });

  it('Ctrl-C during apply: the current migration finishes, the next is not applied, the lock is released', async () => {
    const db = t.freshName('sig');
    const flag = join(tmpdir(), `shipgate-sigint-${db}`);
    const dir = await migrationDir({
      '0001-slow.js': `import { existsSync } from 'node:fs';\nexport async function up(db, ctx) { ctx.log('started'); while (!existsSync(${JSON.stringify(flag)})) await new Promise((r) => setTimeout(r, 50)); await db.collection('slow').insertOne({ aborted: ctx.signal.aborted }); }\n`,
      '0002-next.js': js.insert('next', 1),
    });
    let sent = false;
    const r = await shipgate(['migrate', 'apply', '--dir', dir], { MONGODB_URI: t.uriFor(db) }, (stderr, child) => {
      if (!sent && stderr.includes('0001-slow: started')) {
        sent = true;
        child.kill('SIGINT');
      }
      // Let the migration finish only once the CLI has acknowledged the interrupt.
      if (sent && stderr.includes('interrupt: finishing the current step')) void writeFile(flag, 'go');
    });
    expect(sent).toBe(true);
    expect(r.code).toBe(130);
    expect(r.stdout).toContain('applied: 0001-slow');
    expect(r.stdout).toContain('not applied: 0002-next');
    expect(await t.client.db(db).collection('slow').findOne({}, { projection: { _id: 0 } })).toEqual({ aborted: true });
    expect(await t.client.db(db).collection('next').countDocuments()).toBe(0);
    expect(await t.client.db(db).collection('shipgate_locks').countDocuments()).toBe(0);
  });

  it('Ctrl-C during rehearse: the scratch database is dropped, the target unchanged, exit 130', async () => {
    const db = t.freshName('rsig');
    await t.client.db(db).collection('items').insertMany([{ n: 1 }, { n: 2 }]);
    const flag = join(tmpdir(), `shipgate-sigint-${db}`);
    const dir = await migrationDir({
      '0001-slow.js': `import { existsSync } from 'node:fs';\nexport async function up(db, ctx) { ctx.log('started'); while (!existsSync(${JSON.stringify(flag)})) await new Promise((r) => setTimeout(r, 50)); await db.collection('items').deleteMany({}); }\n`,
      '0002-next.js': js.insert('next', 1),
    });
    let sent = false;
    const r = await shipgate(['migrate', 'rehearse', '--dir', dir], { MONGODB_URI: t.uriFor(db) }, (stderr, child) => {
      if (!sent && stderr.includes('0001-slow: started')) {
        sent = true;
        child.kill('SIGINT');
      }
      if (sent && stderr.includes('interrupt: finishing the current step')) void writeFile(flag, 'go');
    });
    expect(r.code).toBe(130);
    expect(r.stdout).toContain('SHIPGATE_MIGRATION_INTERRUPTED');
    expect(r.stdout).toMatch(/scratch database sgrehearse\w+ dropped/);
    const { databases } = await t.client.db('admin').admin().listDatabases({ nameOnly: true });
    expect(databases.some((d) => d.name.startsWith(`sgrehearse${db}`))).toBe(false);
    expect(await t.client.db(db).collection('items').countDocuments()).toBe(2);
    expect((await t.client.db(db).listCollections().toArray()).map((c) => c.name)).toEqual(['items']);
  });
});
