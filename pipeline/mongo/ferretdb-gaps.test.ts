/**
 * What FerretDB v1.24.2 lacks compared with MongoDB, checked by trying it (docs/ferretdb.md is
 * written from this file). Against FerretDB each gap must still be a gap — if an upgrade closes
 * one, this test fails and the doc must change. Against a real MongoDB (MONGODB_URI) the same
 * operations must work, so the suite also proves our workarounds are only workarounds.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { MongoClient } from 'mongodb';
import { useTestDatabase } from '../testing/mongo.ts';

const t = useTestDatabase('gaps');

async function outcome(f: () => Promise<unknown>): Promise<{ ok: boolean; message: string }> {
  try {
    await f();
    return { ok: true, message: '' };
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
}

describe('MongoDB features and FerretDB v1 gaps', () => {
  const ferret = () => t.kind === 'ferretdb';

  beforeAll(async () => {
    await t.db.collection('a').insertMany([
      { k: 1, g: 'x', v: 2 },
      { k: 2, g: 'x', v: 3 },
      { k: 3, g: 'y', v: 5 },
    ]);
    await t.db.collection('b').insertOne({ k: 1, name: 'one' });
  });

  it('multi-document transactions: writes inside a transaction are refused on FerretDB', async () => {
    const session = t.client.startSession();
    const r = await outcome(() => session.withTransaction(async () => {
      await t.db.collection('a').insertOne({ tx: 1 }, { session });
    }));
    await session.endSession();
    if (ferret()) {
      expect(r.ok).toBe(false);
      expect(await t.db.collection('a').countDocuments({ tx: 1 })).toBe(0);
    } else expect(r.ok).toBe(true);
  });

  it.each([
    ['$lookup', { $lookup: { from: 'b', localField: 'k', foreignField: 'k', as: 'j' } }],
    ['$out', { $out: 'outcopy' }],
    ['$merge', { $merge: { into: 'mergecopy' } }],
    ['$facet', { $facet: { all: [{ $match: {} }] } }],
    ['$replaceRoot', { $replaceRoot: { newRoot: { x: '$k' } } }],
  ])('aggregation stage %s is not implemented on FerretDB', async (_name, stage) => {
    const r = await outcome(() => t.db.collection('a').aggregate([stage]).toArray());
    expect(r.ok).toBe(!ferret());
    if (ferret()) expect(r.message).toMatch(/not implemented/);
  });

  it('$group computes only its first accumulator correctly on FerretDB; $max is missing', async () => {
    const rows = await t.db
      .collection('a')
      .aggregate([{ $match: { k: { $lte: 3 } } }, { $group: { _id: '$g', s: { $sum: '$v' }, n: { $sum: 1 } } }, { $sort: { _id: 1 } }])
      .toArray();
    const x = rows.find((r) => r._id === 'x');
    expect(x?.s).toBe(5);
    // MongoDB: n = 2. FerretDB v1 silently returns 0 for the second accumulator.
    expect(x?.n).toBe(ferret() ? 0 : 2);
    const max = await outcome(() => t.db.collection('a').aggregate([{ $group: { _id: '$g', m: { $max: '$v' } } }]).toArray());
    expect(max.ok).toBe(!ferret());
  });

  it("'$field' references in $project are taken as literal strings on FerretDB", async () => {
    const rows = await t.db.collection('a').aggregate([{ $match: { k: 1 } }, { $project: { x: '$v' } }]).toArray();
    expect(rows[0]?.x).toBe(ferret() ? '$v' : 2);
  });

  it.each([
    ['TTL index', { at: 1 }, { expireAfterSeconds: 60 }],
    ['partial index', { v: 1 }, { partialFilterExpression: { v: { $gt: 2 } } }],
  ])('%s is not implemented on FerretDB', async (_name, keys, options) => {
    const r = await outcome(() => t.db.collection('a').createIndex(keys, options));
    expect(r.ok).toBe(!ferret());
  });

  it('collation and collMod are not implemented; cross-database rename is refused', async () => {
    const collation = await outcome(() => t.db.collection('a').find({}, { collation: { locale: 'en', strength: 2 } }).toArray());
    const collMod = await outcome(() => t.db.command({ collMod: 'a', validator: {} }));
    await t.db.collection('renamefrom').insertOne({ a: 1 });
    const other = t.freshName('gapsother');
    const cross = await outcome(() => t.client.db('admin').command({ renameCollection: `${t.dbName}.renamefrom`, to: `${other}.renamed` }));
    expect([collation.ok, collMod.ok, cross.ok]).toEqual(ferret() ? [false, false, false] : [true, true, true]);
  });

  it('works on both: unique indexes, findOneAndUpdate upsert, same-database rename, distinct, dbStats', async () => {
    const col = t.db.collection('works');
    await col.createIndex({ k: 1 }, { unique: true });
    await col.insertOne({ k: 1 });
    await expect(col.insertOne({ k: 1 })).rejects.toMatchObject({ code: 11000 });
    const up = await col.findOneAndUpdate({ k: 9 }, { $set: { v: 1 } }, { upsert: true, returnDocument: 'after' });
    expect(up).toMatchObject({ k: 9, v: 1 });
    await col.rename('works2');
    expect(await t.db.collection('works2').distinct('k')).toEqual([1, 9]);
    expect((await t.db.stats()).collections).toBeGreaterThan(0);
  });

  it('data rules: no arrays directly in arrays, no dotted keys on FerretDB; NaN drops the connection', async () => {
    const nested = await outcome(() => t.db.collection('rules').insertOne({ aa: [[1]] }));
    const dotted = await outcome(() => t.db.collection('rules').insertOne({ 'a.b': 1 }));
    expect([nested.ok, dotted.ok]).toEqual(ferret() ? [false, false] : [true, true]);
    const own = new MongoClient(t.uri, { serverSelectionTimeoutMS: 3000 });
    const nan = await outcome(() => own.db(t.dbName).collection('rules').insertOne({ n: NaN }));
    await own.close();
    expect(nan.ok).toBe(!ferret());
  });
});
