/**
 * The one compare-and-set that holds on FerretDB and MongoDB alike: a unique insert. Whoever
 * inserts a document with a given `_id` first has claimed it; every later insert of that `_id`
 * fails with a duplicate-key error (code 11000), which `insertOnce` turns into `false`. Any other
 * failure is thrown (a store that cannot answer never counts as "claimed by someone else").
 */
import type { Collection, Document, OptionalUnlessRequiredId } from 'mongodb';

export function isDuplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}

/** True when this call inserted `doc`; false when a document with its `_id` was there already. */
export async function insertOnce<T extends Document>(collection: Collection<T>, doc: OptionalUnlessRequiredId<T>): Promise<boolean> {
  try {
    await collection.insertOne(doc);
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}
