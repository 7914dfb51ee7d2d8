/**
 * More escapes from the plan sandbox (issue 10, finding 8): migrations that reach the real driver
 * without asking the sandbox for it — by changing the built-in prototypes the driver's own code
 * walks, so that a driver constructor hands its `this` (or the real Db / client) to the migration.
 * Each one must refuse the plan, and the target must stay byte-identical.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { MongoClient, type Db } from 'mongodb';
import { useTestDatabase } from '../testing/mongo.ts';
import { isShipgateError } from '../errors.ts';
import { planMigrations, type Plan } from './plan.ts';
import { openMigrationTarget } from './target.ts';
import { migrationDir, snapshotDb } from './test-helpers.ts';

const t = useTestDatabase('escm');
let dbName = '';
let before = '';

/** Catches driver objects: a setter on Object.prototype runs when a driver constructor assigns `this.<prop> = …`. */
const trap = (prop: string) => `const caught = []; Object.defineProperty(Object.prototype, '${prop}', { configurable: true, set(v) { Object.defineProperty(this, '${prop}', { value: v, writable: true, configurable: true, enumerable: true }); caught.push(this, v); } });`;
/** Uses whatever was caught to write to the target for real. */
const use = `for (const x of caught) { const realDb = x && typeof x.collection === 'function' && typeof x.command === 'function' ? x : x && x.db && typeof x.db.collection === 'function' ? x.db : null; if (realDb) { await realDb.collection('items').deleteMany({}); break; } }`;
const untrap = (prop: string) => `delete Object.prototype['${prop}'];`;

const CASES: Array<[string, string]> = [
  ['Object.prototype.db setter catches the real Db when a collection is made', `${trap('db')} try { db.collection('fresh'); } catch { /* a refusal, swallowed */ } finally { ${untrap('db')} } ${use}`],
  ['Object.prototype setter left in place past a refusal catches a cursor', `${trap('s')} try { await db.collection('items').find().toArray(); } catch { /* swallowed */ } ${untrap('s')} ${use} for (const x of caught) { const c = x && x.client; if (c && typeof c.db === 'function') { await c.db(db.databaseName).collection('items').deleteMany({}); break; } }`],
  ['Object.prototype setter kept after up() returns catches the pipeline’s next driver call', `Object.defineProperty(Object.prototype, 'db', { configurable: true, set(v) { Object.defineProperty(this, 'db', { value: v, writable: true, configurable: true, enumerable: true }); if (v && typeof v.collection === 'function' && typeof v.command === 'function') { delete Object.prototype.db; void v.collection('items').deleteMany({}); } } });`],
  ['net.Socket.prototype.write swapped (an ESM migration imports node:net) catches the pipeline’s socket: a raw OP_MSG delete', `const { Socket } = await import('node:net'); const orig = Socket.prototype.write; let sock; Socket.prototype.write = function (...a) { sock ??= this; return orig.apply(this, a); }; try { await db.collection('items').findOne({}); } catch { /* refused */ } finally { Socket.prototype.write = orig; } const enc = (doc) => { const parts = []; for (const [k, v] of Object.entries(doc)) { const key = Buffer.concat([Buffer.from(k), Buffer.from([0])]); if (typeof v === 'string') { const s = Buffer.from(v + '\\0'); const l = Buffer.alloc(4); l.writeInt32LE(s.length); parts.push(Buffer.from([2]), key, l, s); } else if (typeof v === 'number') { const n = Buffer.alloc(4); n.writeInt32LE(v); parts.push(Buffer.from([0x10]), key, n); } else if (Array.isArray(v)) { parts.push(Buffer.from([4]), key, enc(Object.fromEntries(v.map((x, i) => [String(i), x])))); } else { parts.push(Buffer.from([3]), key, enc(v)); } } const body = Buffer.concat([...parts, Buffer.from([0])]); const l = Buffer.alloc(4); l.writeInt32LE(body.length + 4); return Buffer.concat([l, body]); }; if (sock) {   const doc = enc({ delete: 'items', deletes: [{ q: {}, limit: 0 }], $db: db.databaseName });   const head = Buffer.alloc(21); head.writeInt32LE(21 + doc.length, 0); head.writeInt32LE(0x7fff0001, 4); head.writeInt32LE(0, 8); head.writeInt32LE(2013, 12); head.writeUInt32LE(0, 16); head[20] = 0;   orig.call(sock, Buffer.concat([head, doc]));   await new Promise((r) => setTimeout(r, 200));    }`],
];

async function plan(body: string): Promise<Plan | Error> {
  const src = `export async function up(db, ctx) {\n  ${body}\n}\n`;
  const dir = await migrationDir({ '0001-escape.js': src });
  return planMigrations(openMigrationTarget({ client: t.client, dbName, dir })).catch((e: unknown) => e as Error);
}

beforeAll(async () => {
  dbName = t.freshName('escm');
  const db: Db = t.client.db(dbName);
  await db.collection('items').insertMany([{ n: 1 }, { n: 2 }, { n: 3 }]);
  before = await snapshotDb(db);
});

describe('the plan sandbox: a migration that changes the built-in prototypes cannot reach the driver', () => {
  it.each(CASES)('%s', async (_name, body) => {
    const r = await plan(body);
    // The pipeline goes on using the driver (a release backs up, then applies after approval)… (after a
    // raw write on the pipeline's socket, the stray reply may confuse this call: the target is what counts)
    await t.client.db(dbName).collection('items').findOne({}).catch(() => null);
    // …and late callbacks of the migration run before we look at the target, through a connection of our own.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const fresh = new MongoClient(t.uri, { serverSelectionTimeoutMS: 5000 });
    try {
      expect(await snapshotDb(fresh.db(dbName))).toBe(before);
    } finally {
      await fresh.close();
    }
    expect(Object.getOwnPropertyDescriptor(Object.prototype, 'db')).toBeUndefined();
    expect(r).toBeInstanceOf(Error);
    expect(isShipgateError(r)).toBe(true);
    expect(`${(r as Error & { code: string }).code}: ${(r as Error).message}`).toMatch(/SHIPGATE_PLAN_ESCAPE.*prototype/);
  });
});

/**
 * Options the driver itself turns into a write: `aggregate(pipeline, { out })` appends `{ $out }`
 * to the pipeline the sandbox checked (and countDocuments and listSearchIndexes run an aggregate with
 * their options).
 * FerretDB has no $out, so there the server refuses it; real MongoDB writes the collection.
 */
const OPTION_CASES: Array<[string, string]> = [
  ['collection.aggregate(pipeline, { out })', `await db.collection('items').aggregate([{ $match: {} }], { out: 'copied' }).toArray();`],
  ['countDocuments(filter, { out })', `await db.collection('items').countDocuments({}, { out: 'copied' });`],
  ['db.aggregate(pipeline, { out })', `await db.aggregate([{ $documents: [{ a: 1 }] }], { out: 'copied' }).toArray();`],
  ['listSearchIndexes({ out }) (an aggregate underneath)', `await db.collection('items').listSearchIndexes({ out: 'copied' }).toArray();`],
  ['listSearchIndexes(name, { out })', `await db.collection('items').listSearchIndexes('x', { out: 'copied' }).toArray();`],
  ['a swallowed server error still refuses', `try { await db.collection('items').aggregate([], { out: 'copied' }).toArray(); } catch { /* FerretDB: $out is not implemented */ }`],
];

describe('the plan sandbox: options the driver turns into $out', () => {
  it.each(OPTION_CASES)('%s', async (_name, body) => {
    const r = await plan(body);
    expect(await snapshotDb(t.client.db(dbName))).toBe(before);
    expect(isShipgateError(r)).toBe(true);
    expect(`${(r as Error & { code: string }).code}: ${(r as Error).message}`).toMatch(/SHIPGATE_PLAN_UNSUPPORTED_OP.*options\.out \(\$out\)/);
  });
});

/**
 * KNOWN ESCAPE, NOT FIXED (issue 10, finding 8): the same setter put on Object.prototype while a
 * read is in flight. The driver assigns `operation.server = server` in a later event-loop turn; the
 * setter runs there, inside the driver, and writes through server.topology.client before the sandbox
 * runs again. The sandbox sees the change afterwards and refuses the plan, but the write is done.
 * Migration code and the driver share one realm: closing this needs the plan's migration code out of
 * the pipeline's realm (a worker or child process talking to the sandbox), or frozen intrinsics
 * (`node --frozen-intrinsics`) in the process that plans. `it.fails`: when this starts passing,
 * the escape is closed — make it a plain `it`.
 */
describe('the plan sandbox: known escape (not fixed)', () => {
  it.fails('an Object.prototype setter put there while a read is in flight catches the real Server', async () => {
    const name = t.freshName('escm');
    await t.client.db(name).collection('items').insertMany([{ n: 1 }, { n: 2 }]);
    const was = await snapshotDb(t.client.db(name));
    const body = `const p = db.collection('items').find().toArray(); const caught = []; Object.defineProperty(Object.prototype, 'server', { configurable: true, set(v) { Object.defineProperty(this, 'server', { value: v, writable: true, configurable: true, enumerable: true }); caught.push(v); } }); try { await p; } catch { /* the sandbox noticed, too late */ } delete Object.prototype.server; const c = caught.map((s) => s && s.topology && s.topology.client).find((x) => x && typeof x.db === 'function'); if (c) await c.db(db.databaseName).collection('items').deleteMany({});`;
    const dir = await migrationDir({ '0001-inflight.js': `export async function up(db, ctx) {\n  ${body}\n}\n` });
    const r = await planMigrations(openMigrationTarget({ client: t.client, dbName: name, dir })).catch((e: unknown) => e as Error);
    expect(r).toBeInstanceOf(Error);
    expect(await snapshotDb(t.client.db(name))).toBe(was);
  });
});
