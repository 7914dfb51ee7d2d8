/** Test helpers: migration folders written to temp dirs (fresh paths, so the ESM import cache never serves a stale module). */
import { mkdtemp, writeFile, rm, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BSON, type Db, type Document } from 'mongodb';

export async function migrationDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'shipgate-mig-'));
  for (const [name, src] of Object.entries(files)) await writeFile(join(dir, name), src);
  return dir;
}

export async function writeMigration(dir: string, name: string, src: string): Promise<void> {
  await writeFile(join(dir, name), src);
}

export async function removeMigration(dir: string, name: string): Promise<void> {
  await rm(join(dir, name));
}

export async function listDir(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

/** A byte-level snapshot of a database: every collection's documents (sorted by _id, canonical EJSON) and index specs. */
export async function snapshotDb(db: Db, exclude?: RegExp): Promise<string> {
  const out: Document = {};
  for (const c of (await db.listCollections({}, { nameOnly: true }).toArray()).map((x) => x.name).filter((n) => !exclude?.test(n)).sort()) {
    const docs = await db.collection(c).find({}).sort({ _id: 1 }).toArray();
    const idx = (await db.collection(c).listIndexes().toArray()).sort((a, b) => String(a.name).localeCompare(String(b.name)));
    out[c] = { docs, idx };
  }
  return BSON.EJSON.stringify(out, { relaxed: false });
}

/** A simple migration source (plain ESM JS). */
export const js = {
  insert: (coll: string, n: number) => `export async function up(db) { await db.collection('${coll}').insertMany(Array.from({ length: ${n} }, (_, i) => ({ i }))); }\n`,
  setField: (coll: string, field: string) => `export async function up(db) { await db.collection('${coll}').updateMany({}, { $set: { ${field}: true } }); }\nexport async function down(db) { await db.collection('${coll}').updateMany({}, { $unset: { ${field}: '' } }); }\n`,
  throws: (msg: string) => `export async function up(db) {\n  await db.collection('x').findOne({});\n  throw new Error('${msg}');\n}\n`,
};

export interface ObservedWrite {
  collection: string;
  op: string;
  /** What the server reported: inserted, matched (+upserted) or deleted documents; dropped collection size. */
  n: number;
}

/** Wraps a real Db so that each write's server-reported result is recorded (to compare with a plan). */
export function observeWrites(db: Db, sink: ObservedWrite[]): Db {
  const wrap = (name: string) => {
    const raw = db.collection(name);
    return new Proxy(raw, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof prop !== 'string' || typeof value !== 'function') return value;
        const fn = value as (...a: unknown[]) => Promise<Document>;
        const rec = (n: number) => sink.push({ collection: name, op: prop, n });
        switch (prop) {
          case 'insertOne': case 'insertMany': case 'updateOne': case 'updateMany': case 'replaceOne': case 'deleteOne': case 'deleteMany':
            return async (...a: unknown[]) => {
              const r = await fn.apply(target, a);
              rec(prop.startsWith('insert') ? (prop === 'insertOne' ? 1 : (r.insertedCount as number)) : prop.startsWith('delete') ? (r.deletedCount as number) : (r.matchedCount as number) + (r.upsertedCount as number));
              return r;
            };
          case 'bulkWrite':
            return async (...a: unknown[]) => {
              const r = await fn.apply(target, a);
              if (r.insertedCount) sink.push({ collection: name, op: 'insertOne', n: r.insertedCount as number });
              if (r.matchedCount || r.upsertedCount) sink.push({ collection: name, op: 'updateOne', n: (r.matchedCount as number) + (r.upsertedCount as number) });
              if (r.deletedCount) sink.push({ collection: name, op: 'deleteOne', n: r.deletedCount as number });
              return r;
            };
          case 'drop': case 'rename':
            return async (...a: unknown[]) => {
              const n = await target.countDocuments({});
              const r = await fn.apply(target, a);
              rec(n);
              return r;
            };
          case 'createIndex':
            return async (...a: unknown[]) => {
              const r = await fn.apply(target, a);
              sink.push({ collection: name, op: prop, n: -1 });
              return r;
            };
          default:
            return fn.bind(target);
        }
      },
    });
  };
  return new Proxy(db, {
    get(target, prop, receiver) {
      if (prop === 'collection') return wrap;
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

const FAMILY: Record<string, string> = {
  insertOne: 'insert', insertMany: 'insert', updateOne: 'update', updateMany: 'update', replaceOne: 'update', findOneAndUpdate: 'update',
  findOneAndReplace: 'update', deleteOne: 'delete', deleteMany: 'delete', findOneAndDelete: 'delete', drop: 'drop', rename: 'rename',
};

/** Documents per "collection op-family" (insert, update, delete, drop, rename); index operations left out. */
export function documentsByFamily(writes: Array<{ collection: string; op: string; n: number }>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const w of writes) {
    const fam = FAMILY[w.op];
    if (!fam) continue;
    const key = `${w.collection} ${fam}`;
    out[key] = (out[key] ?? 0) + w.n;
  }
  return out;
}
