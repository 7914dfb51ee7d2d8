/**
 * Coming from migrate-mongo (issue 11 #3): a real migrate-mongo folder applied by migrate-mongo's own
 * CLI on the test server, then `shipgate migrate adopt --from migrate-mongo`, status and apply — and
 * migrations that use the second argument as migrate-mongo's `client` (client.db()) in plan and apply.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isShipgateError } from '../errors.ts';
import { repoRoot } from '../mongo/embedded.ts';
import { useTestDatabase } from '../testing/mongo.ts';
import { adoptMigrateMongo } from './adopt.ts';
import { sha256 } from './discover.ts';
import { openMigrationTarget } from './target.ts';
import { snapshotDb } from './test-helpers.ts';

const t = useTestDatabase('adopt');
const migrateMongoBin = join(repoRoot, 'node_modules/migrate-mongo/bin/migrate-mongo.js');

interface Run { code: number | null; stdout: string; stderr: string }

function run(cmd: string[], cwd: string, env: Record<string, string | undefined> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, cmd, { cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME, SHIPGATE_AS: 'ana', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
const shipgate = (args: string[], cwd: string, env: Record<string, string | undefined>) => run([join(repoRoot, 'bin/shipgate.js'), ...args], cwd, env);

const ADD_ALBUMS = `module.exports = {
  async up(db, client) {
    await db.collection('albums').insertMany([{ artist: 'The Beatles', plays: 1 }, { artist: 'The Doors', plays: 1 }]);
  },
  async down(db, client) {
    await db.collection('albums').deleteMany({});
  },
};
`;
/** migrate-mongo's README example: the second argument is the MongoClient. */
const BLACKLIST = `module.exports = {
  async up(db, client) {
    await client.db(db.databaseName).collection('albums').updateOne({ artist: 'The Beatles' }, { $set: { blacklisted: true }, $inc: { plays: 1 } });
  },
  async down(db, client) {
    await client.db(db.databaseName).collection('albums').updateOne({ artist: 'The Beatles' }, { $set: { blacklisted: false } });
  },
};
`;
const STARS = `module.exports = {
  async up(db, client) {
    const session = client.startSession();
    try {
      await client.db().collection('albums').updateMany({}, { $set: { stars: 5 } }, { session });
    } finally {
      await session.endSession();
    }
  },
  async down(db, client) {
    await client.db().collection('albums').updateMany({}, { $unset: { stars: '' } });
  },
};
`;

async function migrateMongoRepo(db: string): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'shipgate-mm-'));
  await mkdir(join(root, '.git'));
  await mkdir(join(root, 'migrations'));
  await writeFile(join(root, 'package.json'), '{ "name": "albums", "private": true }\n');
  await writeFile(join(root, 'migrations/20240101000000-add_albums.js'), ADD_ALBUMS);
  await writeFile(join(root, 'migrations/20240102000000-blacklist.js'), BLACKLIST);
  // migrate-mongo's config as `migrate-mongo init` writes it (TTL lock off: FerretDB has no TTL indexes).
  await writeFile(join(root, 'migrate-mongo-config.js'), `module.exports = {
  mongodb: { url: ${JSON.stringify(t.uriFor(db))}, databaseName: ${JSON.stringify(db)}, options: {} },
  migrationsDir: 'migrations',
  changelogCollectionName: 'changelog',
  lockCollectionName: 'changelog_lock',
  lockTtl: 0,
  migrationFileExtension: '.js',
  useFileHash: true,
  moduleSystem: 'commonjs',
};
`);
  return root;
}

describe('migrate adopt --from migrate-mongo', () => {
  it('records what migrate-mongo applied (nothing runs again), idempotently; client.db() works in apply and stays sandboxed in plan', async () => {
    const db = t.freshName('mm');
    const root = await migrateMongoRepo(db);
    const up = await run([migrateMongoBin, 'up'], root);
    expect(up.stderr).toBe('');
    expect(up.stdout).toContain('MIGRATED UP: 20240102000000-blacklist.js');
    const changelog = await t.client.db(db).collection('changelog').find({}).toArray();
    expect(changelog.map((d) => d.fileName)).toEqual(['20240101000000-add_albums.js', '20240102000000-blacklist.js']);
    // A new migration, written after the switch.
    await writeFile(join(root, 'migrations/20240103000000-stars.js'), STARS);
    const env = { MONGODB_URI: t.uriFor(db) };
    const dir = ['--dir', 'migrations'];

    const before = await shipgate(['migrate', 'status', ...dir], root, env);
    expect(before.stdout).toMatch(/pending\s+20240101000000-add_albums/);

    const dry = await shipgate(['migrate', 'adopt', '--from', 'migrate-mongo', ...dir, '--dry-run'], root, env);
    expect(dry.stdout).toContain('would record: 20240101000000-add_albums, 20240102000000-blacklist');
    expect(await t.client.db(db).listCollections({ name: 'shipgate_migrations' }).toArray()).toEqual([]);

    const adopt = await shipgate(['migrate', 'adopt', '--from', 'migrate-mongo', ...dir], root, env);
    expect(adopt.stderr).not.toContain('SHIPGATE_');
    expect(adopt.code).toBe(0);
    expect(adopt.stdout).toContain('recorded: 20240101000000-add_albums, 20240102000000-blacklist');
    expect(adopt.stdout).toContain('pending (not applied by migrate-mongo; shipgate migrate apply runs them): 20240103000000-stars');
    const again = await shipgate(['migrate', 'adopt', '--from', 'migrate-mongo', ...dir], root, env);
    expect(again.stderr).not.toContain('SHIPGATE_');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('recorded: none');
    expect(again.stdout).toContain('already recorded: 20240101000000-add_albums, 20240102000000-blacklist');

    const status = await shipgate(['migrate', 'status', ...dir], root, env);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/applied\s+20240101000000-add_albums applied .* by migrate-mongo \(adopted by ana\)/);
    expect(status.stdout).toMatch(/applied\s+20240102000000-blacklist/);
    expect(status.stdout).toMatch(/pending\s+20240103000000-stars/);
    const entry = await t.client.db(db).collection('shipgate_migrations').findOne({ _id: '20240102000000-blacklist' as never });
    expect(entry?.appliedAt).toEqual(changelog[1]?.appliedAt);

    // Plan: client.db() and client.startSession() of the second argument are the sandbox's.
    const snap = await snapshotDb(t.client.db(db));
    const plan = await shipgate(['migrate', 'plan', ...dir, '--json'], root, env);
    expect(plan.stderr).not.toContain('SHIPGATE_');
    const parsed = JSON.parse(plan.stdout) as { pending: Array<{ id: string; writes: Array<{ collection: string; op: string; matched: number }> }> };
    expect(parsed.pending.map((p) => [p.id, p.writes.map((w) => [w.collection, w.op, w.matched])])).toEqual([['20240103000000-stars', [['albums', 'updateMany', 2]]]]);
    expect(await snapshotDb(t.client.db(db))).toBe(snap);

    // Apply runs only the new one: the blacklist's $inc did not run twice.
    const apply = await shipgate(['migrate', 'apply', ...dir], root, env);
    expect(apply.stderr).not.toContain('SHIPGATE_');
    expect(apply.stdout).toContain('applied: 20240103000000-stars');
    const albums = await t.client.db(db).collection('albums').find({}, { projection: { _id: 0 } }).sort({ artist: 1 }).toArray();
    expect(albums).toEqual([
      { artist: 'The Beatles', plays: 2, blacklisted: true, stars: 5 },
      { artist: 'The Doors', plays: 1, stars: 5 },
    ]);
    // Down through the client argument works too.
    const down = await shipgate(['migrate', 'down', '--to', '20240101000000', ...dir], root, env);
    expect(down.stderr).not.toContain('SHIPGATE_');
    expect(down.stdout).toContain('reverted: 20240103000000-stars, 20240102000000-blacklist');
    expect(await t.client.db(db).collection('albums').countDocuments({ stars: { $exists: true } })).toBe(0);
  });

  it("in plan, the client argument's db(another database) is refused and nothing is written", async () => {
    const db = t.freshName('me');
    const root = await migrateMongoRepo(db);
    await writeFile(join(root, 'migrations/20240103000000-escape.js'), "module.exports = { async up(db, client) { await client.db('elsewhere').collection('x').insertOne({ hacked: true }); } };\n");
    const snap = await snapshotDb(t.client.db(db));
    const plan = await shipgate(['migrate', 'plan', '--dir', 'migrations'], root, { MONGODB_URI: t.uriFor(db) });
    expect(plan.code).toBe(1);
    expect(plan.stderr).toMatch(/SHIPGATE_PLAN_ESCAPE.*client\.db\('elsewhere'\)/);
    expect(await snapshotDb(t.client.db(db))).toBe(snap);
    expect(await t.client.db('elsewhere').listCollections().toArray()).toEqual([]);
  });

  it('does not record an entry whose file is gone or changed since migrate-mongo ran it; refuses when there is no migrate-mongo changelog or it is the same collection', async () => {
    const db = t.freshName('ms');
    const root = await migrateMongoRepo(db);
    const target = openMigrationTarget({ client: t.client, dbName: db, dir: join(root, 'migrations') });
    const none = await adoptMigrateMongo(target, { actor: 'ana' }).catch((e: unknown) => e);
    expect(isShipgateError(none) && none.message).toContain(`${db} has no collection changelog`);
    const same = await adoptMigrateMongo(target, { actor: 'ana', sourceCollection: 'shipgate_migrations' }).catch((e: unknown) => e);
    expect(isShipgateError(same) && same.code).toBe('SHIPGATE_ADOPT_SOURCE');
    const at = new Date('2024-01-05T00:00:00Z');
    await t.client.db(db).collection('changelog').insertMany([
      { fileName: '20240101000000-add_albums.js', fileHash: sha256(ADD_ALBUMS), appliedAt: at },
      { fileName: '20240102000000-blacklist.js', fileHash: 'f'.repeat(64), appliedAt: at },
      { fileName: '20231231000000-gone.js', appliedAt: at },
    ]);
    const r = await adoptMigrateMongo(target, { actor: 'ana' });
    expect(r.recorded.map((e) => e.id)).toEqual(['20240101000000-add_albums']);
    expect(r.skipped.map((s) => s.fileName)).toEqual(['20231231000000-gone.js', '20240102000000-blacklist.js']);
    expect(r.skipped[1]?.problem).toContain('the file changed after migrate-mongo applied it');
    expect(await t.client.db(db).collection('shipgate_migrations').countDocuments()).toBe(1);
  });
});
