/**
 * Rehearsal-copy benchmark: documents per second copying a 100k-document database with the
 * engine's copy (pipeline/migrate/copy.ts: collections in parallel, batched unordered inserts,
 * next batch read while the previous is inserted) against a plain sequential driver copy
 * (find → insertMany per batch, one collection after another) of the same data, measured in the
 * same run on an embedded FerretDB. Both copy the secondary indexes too. Target: ratio ≥ 0.8.
 *
 *   npx tsx bench/rehearse-copy.ts [--docs 100000] [--rounds 3] [--concurrency 4] [--batch 1000]
 */
import { MongoClient, type Db, type Document } from 'mongodb';
import { startEmbeddedMongo } from '../pipeline/mongo/embedded.ts';
import { copyCollections } from '../pipeline/migrate/copy.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const TOTAL = arg('docs', 100_000);
const ROUNDS = arg('rounds', 3);
const CONCURRENCY = arg('concurrency', 4);
const BATCH = arg('batch', 1000);
const SHARES: Array<[string, number]> = [['events', 0.4], ['notes', 0.3], ['users', 0.2], ['invoices', 0.1]];

async function generate(db: Db): Promise<void> {
  for (const [name, share] of SHARES) {
    const n = Math.round(TOTAL * share);
    for (let i = 0; i < n; i += 1000) {
      const docs: Document[] = [];
      for (let j = i; j < Math.min(n, i + 1000); j++) {
        docs.push({ seq: j, owner: `user${j % 997}`, title: `${name} ${j}`, body: 'lorem ipsum dolor sit amet '.repeat(4), tags: [`t${j % 7}`, `t${j % 11}`], at: new Date(1_700_000_000_000 + j * 1000), amount: j % 1000 });
      }
      await db.collection(name).insertMany(docs, { ordered: false });
    }
    await db.collection(name).createIndex({ owner: 1, at: -1 });
  }
}

/** The baseline: what a person would write first. */
async function plainCopy(source: Db, dest: Db): Promise<void> {
  for (const { name } of await source.listCollections({}, { nameOnly: true }).toArray()) {
    const cursor = source.collection(name).find({}, { batchSize: 1000 });
    let batch: Document[] = [];
    for await (const doc of cursor) {
      batch.push(doc);
      if (batch.length === 1000) {
        await dest.collection(name).insertMany(batch);
        batch = [];
      }
    }
    if (batch.length) await dest.collection(name).insertMany(batch);
    for (const idx of await source.collection(name).listIndexes().toArray()) {
      if (idx.name === '_id_') continue;
      const { key, v: _v, ...rest } = idx as Document;
      await dest.collection(name).createIndex(key as Document, rest);
    }
  }
}

async function time(fn: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}

async function main(): Promise<void> {
  const server = await startEmbeddedMongo();
  const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 10_000, maxPoolSize: 20 });
  try {
    await client.connect();
    const source = client.db('benchsource');
    const genSeconds = await time(() => generate(source));
    console.log(`generated ${TOTAL} documents in ${SHARES.length} collections in ${genSeconds.toFixed(1)} s (FerretDB ${server.uri})`);
    const results = { plain: [] as number[], engine: [] as number[] };
    for (let round = 1; round <= ROUNDS; round++) {
      // Alternate the order so neither side always runs on a warmer server.
      const order: Array<'plain' | 'engine'> = round % 2 ? ['plain', 'engine'] : ['engine', 'plain'];
      for (const kind of order) {
        const dest = client.db(`benchdest${kind}${round}`);
        const seconds = await time(() => (kind === 'plain' ? plainCopy(source, dest) : copyCollections({ source, dest, concurrency: CONCURRENCY, batchSize: BATCH }).then(() => undefined)));
        const copied = (await Promise.all(SHARES.map(([n]) => dest.collection(n).countDocuments({})))).reduce((a, b) => a + b, 0);
        if (copied !== TOTAL) throw new Error(`${kind} copy has ${copied} documents, expected ${TOTAL}`);
        results[kind].push(TOTAL / seconds);
        console.log(`round ${round} ${kind.padEnd(6)} ${seconds.toFixed(2)} s  ${Math.round(TOTAL / seconds)} docs/s`);
        await dest.dropDatabase();
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
    const plain = median(results.plain);
    const engine = median(results.engine);
    console.log(`\nplain find → insertMany (sequential): ${Math.round(plain)} docs/s`);
    console.log(`shipgate rehearsal copy (parallel):   ${Math.round(engine)} docs/s`);
    console.log(`ratio: ${(engine / plain).toFixed(2)}× (target ≥ 0.80×) ${engine / plain >= 0.8 ? 'PASS' : 'BELOW TARGET'}`);
  } finally {
    await client.close();
    await server.stop();
  }
}

await main();
