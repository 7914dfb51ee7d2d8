/**
 * The escape suite: migrations that try every way out of the plan sandbox, each written the way
 * people write migrations (ESM, or CommonJS `module.exports = { async up(db, client) {…} }` as with
 * migrate-mongo). Each one is either recorded as a write or refuses the plan — and after each, the
 * target database and a neighbouring database are byte-identical to before.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from 'mongodb';
import { useTestDatabase } from '../testing/mongo.ts';
import { isShipgateError } from '../errors.ts';
import { applyMigrations } from './apply.ts';
import { planMigrations, type Plan } from './plan.ts';
import { rehearseMigrations } from './rehearse.ts';
import { openMigrationTarget } from './target.ts';
import { migrationDir, snapshotDb } from './test-helpers.ts';

const t = useTestDatabase('esc');
let dbName = '';
let otherName = '';
let before = '';
let otherBefore = '';

type Outcome = { refused: RegExp } | { writes: Array<[string, string, number | null]> };

/** [case, migration body (inside `async up(db, client)`), outcome] */
const CASES: Array<[string, string, Outcome]> = [
  ['db.client.db(name) — the reported escape', `await db.client.db(db.databaseName).collection('items').updateOne({ n: 1 }, { $set: { hacked: true } });`, { writes: [['items', 'updateOne', 1]] }],
  ['client.db(other) is another database', `await db.client.db(OTHER).collection('x').insertOne({ hacked: true });`, { refused: /SHIPGATE_PLAN_ESCAPE.*client\.db\('esc\w+'\).*target database/ }],
  ['migrate-mongo client argument: client.db().collection()', `await client.db().collection('items').updateMany({}, { $set: { v: 2 } });`, { writes: [['items', 'updateMany', 3]] }],
  ['ctx.client.db(other)', `await client.client.db(OTHER).dropDatabase();`, { refused: /SHIPGATE_PLAN_ESCAPE.*client\.db\(/ }],
  ['collection.db.collection()', `await db.collection('items').db.collection('items').deleteOne({ n: 2 });`, { writes: [['items', 'deleteOne', 1]] }],
  ['collection.client.db(other)', `await db.collection('items').client.db(OTHER).collection('x').deleteMany({});`, { refused: /SHIPGATE_PLAN_ESCAPE/ }],
  ['db.admin() read, then a write command', `const dbs = await db.admin().listDatabases(); if (!dbs.databases.length) throw new Error('no dbs'); await db.admin().command({ renameCollection: db.databaseName + '.items', to: db.databaseName + '.moved' });`, { refused: /SHIPGATE_PLAN_UNSUPPORTED_OP.*db\.admin\(\)\.command\(\{ renameCollection \}\)/ }],
  ['a session with withTransaction (migrate-mongo README)', `const session = client.startSession(); try { await session.withTransaction(async () => { await db.collection('items').updateOne({ n: 1 }, { $set: { s: 1 } }, { session }); await db.collection('items').updateOne({ n: 3 }, { $set: { s: 3 } }, { session }); }); } finally { await session.endSession(); }`, { writes: [['items', 'updateOne', 2]] }],
  ['client.withSession', `await client.withSession(async (s) => { await db.collection('items').deleteMany({ n: { $gt: 1 } }, { session: s }); });`, { writes: [['items', 'deleteMany', 2]] }],
  ['abortTransaction cannot take back recorded writes', `const s = db.client.startSession(); s.startTransaction(); await db.collection('items').insertOne({ n: 9 }, { session: s }); await s.abortTransaction();`, { refused: /SHIPGATE_PLAN_UNSUPPORTED_OP.*abortTransaction/ }],
  ['cursors: forEach, toArray, next, stream, for await', `const ns = []; await db.collection('items').find({}, { sort: { n: 1 } }).forEach((d) => { ns.push(d.n); }); const all = await db.collection('items').find().sort({ n: -1 }).limit(2).toArray(); const c = db.collection('items').find(); const first = await c.next(); await c.close(); const streamed = []; for await (const d of db.collection('items').find().stream()) streamed.push(d.n); for await (const d of db.collection('items').find()) streamed.push(d.n); if (ns.join() !== '1,2,3' || all.length !== 2 || !first || streamed.length !== 6) throw new Error('bad reads ' + ns + ' ' + all.length + ' ' + streamed.length); await db.collection('items').updateMany({ n: { $in: ns } }, { $inc: { n: 10 } });`, { writes: [['items', 'updateMany', 3]] }],
  ['a cursor\'s client', `const c = db.collection('items').find(); await c.client.db(db.databaseName).collection('items').deleteMany({});`, { refused: /SHIPGATE_PLAN_ESCAPE.*find\(\)\.client/ }],
  ['a stream\'s cursor', `const s = db.collection('items').find().stream(); const inner = s._cursor ?? s.cursor; if (inner) await inner.client.db(db.databaseName).collection('items').deleteMany({}); s.destroy();`, { writes: [] }],
  ['bulkWrite', `await db.collection('items').bulkWrite([{ insertOne: { document: { n: 4 } } }, { updateMany: { filter: { n: { $lte: 2 } }, update: { $set: { b: 1 } } } }, { deleteOne: { filter: { n: 3 } } }]);`, { writes: [['items', 'insertOne', 1], ['items', 'updateMany', 2], ['items', 'deleteOne', 1]] }],
  ['aggregate with $out', `await db.collection('items').aggregate([{ $match: {} }, { $out: 'copied' }]).toArray();`, { refused: /SHIPGATE_PLAN_UNSUPPORTED_OP.*aggregate\(\) with \$out\/\$merge/ }],
  ['aggregate with $merge inside $facet', `await db.collection('items').aggregate([{ $facet: { a: [{ $merge: { into: 'copied' } }] } }]).toArray();`, { refused: /SHIPGATE_PLAN_UNSUPPORTED_OP.*\$out\/\$merge/ }],
  ['aggregate stage hidden behind toBSON', `await db.collection('items').aggregate([{ $match: {} }, { toBSON() { return { $out: 'copied' }; } }]).toArray();`, { refused: /SHIPGATE_PLAN_UNSUPPORTED_OP.*\$out\/\$merge/ }],
  ['aggregate cursor addStage($out)', `await db.collection('items').aggregate([]).addStage({ $out: 'copied' }).toArray();`, { refused: /SHIPGATE_PLAN_UNSUPPORTED_OP.*addStage\(\) with \$out\/\$merge/ }],
  ['db.aggregate with $out', `await db.aggregate([{ $documents: [{ a: 1 }] }, { $out: 'copied' }]).toArray();`, { refused: /SHIPGATE_PLAN_UNSUPPORTED_OP.*db\.aggregate\(\) with \$out/ }],
  ['runCommand writes are recorded', `await db.command({ insert: 'items', documents: [{ n: 7 }, { n: 8 }] }); await db.command({ update: 'items', updates: [{ q: { n: 1 }, u: { $set: { c: 1 } } }, { q: {}, u: { $set: { d: 1 } }, multi: true }] }); await db.command({ delete: 'items', deletes: [{ q: { n: 2 }, limit: 1 }] }); await db.command({ createIndexes: 'items', indexes: [{ key: { c: 1 }, name: 'c_1' }] }); await db.command({ dropIndexes: 'items', index: 'n_1' }); await db.command({ create: 'fresh' }); await db.command({ drop: 'items' });`, { writes: [['items', 'insertMany', 2], ['items', 'updateOne', 1], ['items', 'updateMany', 3], ['items', 'deleteOne', 1], ['items', 'createIndex', null], ['items', 'dropIndex', null], ['fresh', 'createCollection', null], ['items', 'drop', 3]] }],
  ['runCommand reads pass through', `const r = await db.command({ count: 'items' }); const l = await db.command({ listCollections: 1, nameOnly: true }); if (r.n !== 3 || !l.cursor) throw new Error('bad read ' + JSON.stringify(r));`, { writes: [] }],
  ['a read command that serializes to a write (toBSON)', `await db.command({ count: 'items', toBSON() { return { delete: 'items', deletes: [{ q: {}, limit: 0 }] }; } });`, { writes: [['items', 'deleteMany', 3]] }],
  ['a command given as a Map', `await db.command(new Map([['drop', 'items']]));`, { writes: [['items', 'drop', 3]] }],
  ['an unknown command', `await db.command({ collMod: 'items', validator: {} });`, { refused: /SHIPGATE_PLAN_UNSUPPORTED_OP.*db\.command\(\{ collMod \}\)/ }],
  ['db.runCursorCommand', `await db.runCursorCommand({ find: 'items' }).toArray();`, { refused: /SHIPGATE_PLAN_UNSUPPORTED_OP.*runCursorCommand/ }],
  ['watch()', `const cs = db.collection('items').watch(); await cs.next();`, { refused: /SHIPGATE_PLAN_UNSUPPORTED_OP.*watch/ }],
  ['client.watch()', `db.client.watch();`, { refused: /SHIPGATE_PLAN_UNSUPPORTED_OP.*client\.watch/ }],
  ['raw collection.s internals', `await db.collection('items').s.db.collection('items').deleteMany({});`, { refused: /SHIPGATE_PLAN_ESCAPE.*db\.collection\('items'\)\.s\b/ }],
  ['raw db.s and the topology', `const top = db.client.topology; await top.s;`, { refused: /SHIPGATE_PLAN_ESCAPE.*client\.topology/ }],
  ['db.constructor', `const Db = db.constructor; await new Db(db.client, db.databaseName).collection('items').deleteMany({});`, { refused: /SHIPGATE_PLAN_ESCAPE.*db\.constructor/ }],
  ['Object.getPrototypeOf(db) and Reflect', `const proto = Object.getPrototypeOf(db); if (proto) await proto.collection.call(db, 'items').deleteMany({}); if (Reflect.ownKeys(db).length || Object.getOwnPropertyDescriptor(db, 'client')) throw new Error('leaks keys'); await Reflect.get(db, 's');`, { refused: /SHIPGATE_PLAN_ESCAPE.*db\.s\b/ }],
  ['assigning to the handle', `db.collection = () => null;`, { refused: /SHIPGATE_PLAN_ESCAPE.*assignment/ }],
  ['a refusal the migration catches still refuses the plan', `try { await db.client.s; } catch { /* swallowed */ } await db.collection('items').find().toArray();`, { refused: /SHIPGATE_PLAN_ESCAPE.*client\.s\b/ }],
  ['closing the pipeline\'s client', `await db.client.close();`, { refused: /SHIPGATE_PLAN_ESCAPE.*client\.close/ }],
  ['initializeUnorderedBulkOp', `const b = db.collection('items').initializeUnorderedBulkOp(); b.insert({}); await b.execute();`, { refused: /SHIPGATE_PLAN_UNSUPPORTED_OP.*initializeUnorderedBulkOp/ }],
  ['collection writes and renames', `await db.collection('items').findOneAndUpdate({ n: 1 }, { $set: { f: 1 } }); await db.createCollection('made'); await db.collection('items').rename('renamed'); await db.dropDatabase();`, { writes: [['items', 'findOneAndUpdate', 1], ['made', 'createCollection', null], ['items', 'rename', 3], ['items', 'drop', 3], ['other', 'drop', 1]] }],
];

async function plan(body: string, style: 'esm' | 'cjs'): Promise<Plan | Error> {
  const src = style === 'cjs'
    ? `const OTHER = ${JSON.stringify(otherName)};\nmodule.exports = {\n  async up(db, client) {\n    ${body}\n  },\n};\n`
    : `const OTHER = ${JSON.stringify(otherName)};\nexport async function up(db, client) {\n  ${body}\n}\n`;
  const dir = await migrationDir({ '0001-escape.js': src });
  return planMigrations(openMigrationTarget({ client: t.client, dbName, dir })).catch((e: unknown) => e as Error);
}

async function expectUntouched(): Promise<void> {
  expect(await snapshotDb(t.client.db(dbName))).toBe(before);
  expect(await snapshotDb(t.client.db(otherName))).toBe(otherBefore);
}

describe('the plan sandbox: every way out is recorded or refused, the target stays byte-identical', () => {
  beforeAll(async () => {
    dbName = t.freshName('esc');
    otherName = t.freshName('esc');
    const db: Db = t.client.db(dbName);
    await db.collection('items').insertMany([{ n: 1 }, { n: 2 }, { n: 3 }]);
    await db.collection('items').createIndex({ n: 1 }, { name: 'n_1' });
    await db.collection('other').insertOne({ keep: true });
    await t.client.db(otherName).collection('x').insertOne({ keep: true });
    before = await snapshotDb(db);
    otherBefore = await snapshotDb(t.client.db(otherName));
  });

  for (const style of ['cjs', 'esm'] as const) {
    describe(style === 'cjs' ? 'module.exports = { async up(db, client) }' : 'export async function up(db, ctx)', () => {
      it.each(CASES)('%s', async (_name, body, outcome) => {
        const r = await plan(body, style);
        if ('refused' in outcome) {
          expect(r).toBeInstanceOf(Error);
          expect(isShipgateError(r)).toBe(true);
          expect(`${(r as Error & { code: string }).code}: ${(r as Error).message}`).toMatch(outcome.refused);
          expect((r as Error).message).toContain('0001-escape');
        } else {
          if (r instanceof Error) throw r;
          expect(r.pending[0]?.writes.map((w) => [w.collection, w.op, w.matched])).toEqual(outcome.writes);
        }
        await expectUntouched();
      });
    });
  }

  it('a .cjs migration (CommonJS in an ESM folder) plans through the sandbox', async () => {
    const dir = await migrationDir({ 'package.json': '{ "type": "module" }\n', '0001-mm.cjs': "module.exports = { async up(db, client) { await db.client.db(db.databaseName).collection('items').deleteMany({ n: 1 }); } };\n" });
    const p = await planMigrations(openMigrationTarget({ client: t.client, dbName, dir }));
    expect(p.pending.map((m) => [m.id, m.writes.map((w) => [w.op, w.matched])])).toEqual([['0001-mm', [['deleteMany', 1]]]]);
    await expectUntouched();
  });

  it('a rehearsal runs writes on the scratch copy, and no handle leads back to the target', async () => {
    const rehearse = async (body: string) => {
      const dir = await migrationDir({ '0001-r.js': `const TARGET = ${JSON.stringify(dbName)};\nconst OTHER = ${JSON.stringify(otherName)};\nmodule.exports = { async up(db, client) { ${body} } };\n` });
      return rehearseMigrations(openMigrationTarget({ client: t.client, dbName, dir }));
    };
    // The target's name, through db.client and through the migrate-mongo client: the scratch copy.
    const r1 = await rehearse(`await db.client.db(TARGET).collection('items').deleteMany({}); await client.db(TARGET).collection('other').insertOne({ n: 1 }); await db.collection('items').db.client.db().collection('made').insertOne({});`);
    expect(r1.error).toBeUndefined();
    expect(r1.ok).toBe(true);
    expect(r1.collections.map((c) => [c.name, c.before?.documents ?? null, c.after?.documents ?? null])).toEqual([['items', 3, 0], ['made', null, 1], ['other', 1, 2]]);
    await expectUntouched();
    // Another database, driver internals, a cursor's client: refused, the rehearsal fails.
    for (const [body, refused] of [
      [`await client.db(OTHER).collection('x').deleteMany({});`, /SHIPGATE_PLAN_ESCAPE.*client\.db\('esc\w+'\), which a rehearsal cannot follow/],
      [`await db.collection('items').s.db.client.db(TARGET).collection('items').deleteMany({});`, /SHIPGATE_PLAN_ESCAPE.*\.s\b/],
      [`await db.collection('items').find().client.db(TARGET).dropDatabase();`, /SHIPGATE_PLAN_ESCAPE.*find\(\)\.client/],
      [`await db.collection('items').aggregate([{ $out: { db: TARGET, coll: 'items' } }]).toArray();`, /SHIPGATE_PLAN_UNSUPPORTED_OP.*\$out\/\$merge/],
    ] as const) {
      const r = await rehearse(body);
      expect(r.ok, body).toBe(false);
      expect(`${(r.error as Error & { code: string }).code}: ${r.error?.message ?? ''}`).toMatch(refused);
      expect(r.scratchDropped).toBe(true);
      await expectUntouched();
    }
  });

  it('a handle kept past the end of the plan refuses', async () => {
    const dir = await migrationDir({ '0001-leak.js': `export async function up(db) { globalThis.__shipgateLeak = db; }\n` });
    const p = await planMigrations(openMigrationTarget({ client: t.client, dbName, dir }));
    expect(p.pending[0]?.writes).toEqual([]);
    const leaked = (globalThis as unknown as { __shipgateLeak: Db }).__shipgateLeak;
    expect(() => leaked.collection('items')).toThrow(/SHIPGATE|plan of this migration has ended/);
    await expectUntouched();
  });

  it('the same migrate-mongo style migration applies for real through ctx (client.db())', async () => {
    const name = t.freshName('escap');
    await t.client.db(name).collection('items').insertMany([{ n: 1 }, { n: 2 }]);
    const dir = await migrationDir({ '0001-mm.js': `module.exports = { async up(db, client) { await client.db().collection('items').updateMany({}, { $set: { v: 2 } }); await db.client.db(db.databaseName).collection('items').deleteOne({ n: 1 }); } };\n` });
    const target = openMigrationTarget({ client: t.client, dbName: name, dir });
    const p = await planMigrations(target);
    expect(p.pending[0]?.writes.map((w) => [w.op, w.matched])).toEqual([['updateMany', 2], ['deleteOne', 1]]);
    const r = await applyMigrations(target, { actor: 'tester' });
    expect(r.ok).toBe(true);
    expect(await t.client.db(name).collection('items').find({}, { projection: { _id: 0 } }).toArray()).toEqual([{ n: 2, v: 2 }]);
  });
});
