/**
 * Pre-migration sample data: notes WITHOUT a slug (as the app wrote them before migration 0003)
 * and legacy `memos` (merged by 0002). Content is deterministic (fixed PRNG seed, fixed dates,
 * ObjectIds built from them); a database that already holds notes or memos is left alone.
 *
 *   node --import tsx app/seed.ts <mongodb-uri>      (db name from the URI path, default "notes")
 */
import { pathToFileURL } from 'node:url';
import { MongoClient, ObjectId, type Db } from 'mongodb';
import { dbNameFromUri } from '../pipeline/mongo/connect.ts';
import { redactUri } from '../pipeline/secrets/redact.ts';

export interface SeedOptions {
  notes?: number;
  memos?: number;
}

export interface SeedResult {
  skipped: boolean;
  notes: number;
  memos: number;
}

const BATCH = 50;
const BASE_TIME = Date.UTC(2025, 0, 1);
const WORDS = ['release', 'deploy', 'staging', 'rollback', 'invoice', 'billing', 'customer', 'report', 'weekly', 'plan',
  'incident', 'review', 'budget', 'roadmap', 'meeting', 'café', 'Q3', 'backlog', 'migration', 'health'];
const TAGS = ['work', 'ops', 'ideas', 'todo', 'finance', 'personal', 'urgent', 'later'];

/** mulberry32: a tiny deterministic PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(rand: () => number, list: readonly T[], count: number): T[] {
  const out: T[] = [];
  for (let i = 0; i < count; i++) out.push(list[Math.floor(rand() * list.length)] as T);
  return out;
}

/** An ObjectId from a time, a 2-hex kind and a counter: same input, same id. */
function fixedId(time: Date, kind: string, n: number): ObjectId {
  const ts = Math.floor(time.getTime() / 1000).toString(16).padStart(8, '0');
  return ObjectId.createFromHexString(`${ts}5eed0000${kind}${n.toString(16).padStart(6, '0')}`);
}

export function sampleNotes(count: number): Array<Record<string, unknown>> {
  const rand = prng(1);
  return Array.from({ length: count }, (_, i) => {
    const at = new Date(BASE_TIME + i * 3_600_000);
    // Few distinct titles, so several notes share a title (slugs must still come out unique).
    const title = pick(rand, WORDS.slice(0, 8), 2).join(' ');
    return {
      _id: fixedId(at, '01', i),
      title: title.charAt(0).toUpperCase() + title.slice(1),
      body: `Sample note ${i + 1}: ${pick(rand, WORDS, 12).join(' ')}.`,
      tags: [...new Set(pick(rand, TAGS, Math.floor(rand() * 4)))],
      createdAt: at,
      updatedAt: at,
    };
  });
}

export function sampleMemos(count: number): Array<Record<string, unknown>> {
  const rand = prng(2);
  return Array.from({ length: count }, (_, i) => {
    const at = new Date(BASE_TIME - (i + 1) * 86_400_000);
    return {
      _id: fixedId(at, '02', i),
      subject: `Memo: ${pick(rand, WORDS, 3).join(' ')}`,
      text: `Legacy memo ${i + 1}. ${pick(rand, WORDS, 20).join(' ')}.`,
      labels: [...new Set(pick(rand, TAGS, 1 + Math.floor(rand() * 3)))],
      created: at,
    };
  });
}

async function insertInBatches(db: Db, collection: string, docs: Array<Record<string, unknown>>): Promise<void> {
  for (let i = 0; i < docs.length; i += BATCH) {
    await db.collection(collection).insertMany(docs.slice(i, i + BATCH), { ordered: true });
  }
}

/** Seeds `notes` (no slugs) and legacy `memos`; skips when either already holds documents. */
export async function seedSampleData(db: Db, opts: SeedOptions = {}): Promise<SeedResult> {
  const [notes, memos] = await Promise.all([
    db.collection('notes').countDocuments({}, { limit: 1 }),
    db.collection('memos').countDocuments({}, { limit: 1 }),
  ]);
  if (notes > 0 || memos > 0) return { skipped: true, notes: 0, memos: 0 };
  const noteDocs = sampleNotes(opts.notes ?? 300);
  const memoDocs = sampleMemos(opts.memos ?? 120);
  await insertInBatches(db, 'notes', noteDocs);
  await insertInBatches(db, 'memos', memoDocs);
  return { skipped: false, notes: noteDocs.length, memos: memoDocs.length };
}

async function cli(argv: string[]): Promise<number> {
  const uri = argv[0];
  if (!uri || !/^mongodb(\+srv)?:\/\//.test(uri)) {
    console.error('usage: node --import tsx app/seed.ts <mongodb-uri>   (e.g. mongodb://127.0.0.1:27017/notes)');
    return 2;
  }
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 10_000 });
  try {
    const dbName = dbNameFromUri(uri, 'notes');
    const result = await seedSampleData(client.db(dbName));
    console.log(
      result.skipped
        ? `database ${dbName} already holds notes or memos: nothing seeded`
        : `seeded ${result.notes} notes and ${result.memos} memos into ${dbName} (${redactUri(uri)})`,
    );
    return 0;
  } catch (err) {
    console.error(`seeding failed on ${redactUri(uri)}: ${redactUri((err as Error).message)}`);
    return 1;
  } finally {
    await client.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await cli(process.argv.slice(2));
}
