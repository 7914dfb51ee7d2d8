/** Test helpers: migration folders written to temp dirs (fresh paths, so the ESM import cache never serves a stale module). */
import { mkdtemp, writeFile, rm, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Db, Document } from 'mongodb';

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
export async function snapshotDb(db: Db): Promise<string> {
  const { EJSON } = await import('mongodb');
  const out: Document = {};
  for (const c of (await db.listCollections({}, { nameOnly: true }).toArray()).map((x) => x.name).sort()) {
    const docs = await db.collection(c).find({}).sort({ _id: 1 }).toArray();
    const idx = (await db.collection(c).listIndexes().toArray()).sort((a, b) => String(a.name).localeCompare(String(b.name)));
    out[c] = { docs, idx };
  }
  return EJSON.stringify(out, { relaxed: false });
}

/** A simple migration source (plain ESM JS). */
export const js = {
  insert: (coll: string, n: number) => `export async function up(db) { await db.collection('${coll}').insertMany(Array.from({ length: ${n} }, (_, i) => ({ i }))); }\n`,
  setField: (coll: string, field: string) => `export async function up(db) { await db.collection('${coll}').updateMany({}, { $set: { ${field}: true } }); }\nexport async function down(db) { await db.collection('${coll}').updateMany({}, { $unset: { ${field}: '' } }); }\n`,
  throws: (msg: string) => `export async function up(db) {\n  await db.collection('x').findOne({});\n  throw new Error('${msg}');\n}\n`,
};
