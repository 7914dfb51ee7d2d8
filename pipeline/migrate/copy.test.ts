import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../testing/mongo.ts';
import { copyCollections } from './copy.ts';

const t = useTestDatabase('cpy');

describe('copyCollections: indexes', () => {
  it('copies documents and indexes; an index already there with the same key counts as copied', async () => {
    const source = t.client.db(t.freshName('src'));
    const dest = t.client.db(t.freshName('dst'));
    await source.collection('notes').insertMany([{ a: 1, at: 1 }, { a: 2, at: 2 }]);
    await source.collection('notes').createIndex({ at: -1 }, { name: 'at_-1' });
    await dest.collection('notes').createIndex({ at: -1 }, { name: 'at_-1' });
    const copied = await copyCollections({ source, dest });
    expect(copied).toEqual([{ name: 'notes', documents: 2, sourceDocuments: 2, indexes: ['_id_', 'at_-1'] }]);
    expect((await dest.collection('notes').listIndexes().toArray()).map((i) => i.name).sort()).toEqual(['_id_', 'at_-1']);
  });

  it('refuses a same-named index with another key in the destination instead of calling it copied', async () => {
    const source = t.client.db(t.freshName('src'));
    const dest = t.client.db(t.freshName('dst'));
    await source.collection('notes').insertOne({ a: 1, at: 1 });
    await source.collection('notes').createIndex({ at: -1 }, { name: 'by_time' });
    await dest.collection('notes').createIndex({ a: 1 }, { name: 'by_time' });
    await expect(copyCollections({ source, dest })).rejects.toThrow();
    const kept = (await dest.collection('notes').listIndexes().toArray()).find((i) => i.name === 'by_time');
    expect(kept?.key).toEqual({ a: 1 });
  });
});
