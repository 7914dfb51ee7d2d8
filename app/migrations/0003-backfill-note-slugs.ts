/**
 * Gives every note without a slug one (slugify(title) + "-" + the last 6 hex of its _id; the
 * whole _id instead if that slug is taken), in bulkWrite batches of at most 50, then adds a
 * unique index on `slug`. Breaking: the previous app version inserts notes without a slug,
 * which the unique index refuses after the first one. `down` drops the index and removes the
 * slugs this migration wrote (they are marked `slugBackfilled: true`).
 *
 * Self-contained on purpose (own slugify): a migration must not change when app code changes.
 */
import type { AnyBulkWriteOperation, Db, Document, Filter, ObjectId } from 'mongodb';
import type { MigrationContext } from '../../pipeline/migrate/types.ts';

export const description = 'Backfill a slug on every note, then add a unique index on notes.slug';
export const breaking = true;

const BATCH = 50;
const INDEX_NAME = 'notes_slug_unique';
const WITHOUT_SLUG: Filter<Document> = { $or: [{ slug: { $exists: false } }, { slug: null }, { slug: '' }] };

function slugify(text: string, max: number): string {
  const slug = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, max)
    .replace(/-+$/, '');
  return slug || 'note';
}

function idHex(id: unknown): string {
  const hex = typeof id === 'object' && id !== null && 'toHexString' in id ? (id as ObjectId).toHexString() : String(id);
  return hex.toLowerCase().replace(/[^a-z0-9]/g, '').slice(-24) || '0';
}

async function backfillBatch(db: Db, notes: Document[], taken: Set<string>): Promise<number> {
  const title = (n: Document) => (typeof n.title === 'string' ? n.title : '');
  const short = notes.map((n) => `${slugify(title(n), 60)}-${idHex(n._id).slice(-6)}`);
  const clash = await db
    .collection('notes')
    .find({ slug: { $in: short } }, { projection: { slug: 1 } })
    .toArray();
  for (const c of clash) taken.add(String(c.slug));
  const ops: AnyBulkWriteOperation[] = notes.map((note, i) => {
    let slug = short[i] ?? '';
    if (taken.has(slug)) slug = `${slugify(title(note), 55)}-${idHex(note._id)}`;
    taken.add(slug);
    return { updateOne: { filter: { _id: note._id }, update: { $set: { slug, slugBackfilled: true } } } };
  });
  await db.collection('notes').bulkWrite(ops, { ordered: true });
  return ops.length;
}

export async function up(db: Db, ctx: MigrationContext): Promise<void> {
  const notes = db.collection('notes');
  const taken = new Set<string>();
  let done = 0;
  // Keyset pages by _id (not one long cursor): each page is a fresh query, so it neither skips
  // nor repeats notes whether or not our own updates are visible to it (plan mode hides them).
  let after: ObjectId | undefined;
  for (;;) {
    if (ctx.signal?.aborted) throw new Error('0003-backfill-note-slugs: aborted');
    const filter: Filter<Document> = after === undefined ? WITHOUT_SLUG : { $and: [WITHOUT_SLUG, { _id: { $gt: after } }] };
    const page = await notes.find(filter, { projection: { _id: 1, title: 1 }, sort: { _id: 1 }, limit: BATCH }).toArray();
    if (!page.length) break;
    done += await backfillBatch(db, page, taken);
    after = page[page.length - 1]?._id as ObjectId | undefined;
    ctx.log(`slugs backfilled: ${done}`);
  }
  ctx.log(`slugs backfilled: ${done} note(s)`);
  await notes.createIndex({ slug: 1 }, { unique: true, name: INDEX_NAME });
  ctx.log(`created unique index ${INDEX_NAME} on notes`);
}

export async function down(db: Db, ctx: MigrationContext): Promise<void> {
  const notes = db.collection('notes');
  const indexes = await notes.listIndexes().toArray();
  if (indexes.some((i) => i.name === INDEX_NAME)) {
    await notes.dropIndex(INDEX_NAME);
    ctx.log(`dropped index ${INDEX_NAME}`);
  }
  // One statement: updateMany is a single update statement, however many documents it touches.
  const { modifiedCount } = await notes.updateMany({ slugBackfilled: true }, { $unset: { slug: '', slugBackfilled: '' } });
  ctx.log(`removed backfilled slugs from ${modifiedCount} note(s)`);
}

export async function verify(db: Db): Promise<void> {
  const notes = db.collection('notes');
  const missing = await notes.countDocuments(WITHOUT_SLUG);
  if (missing > 0) throw new Error(`${missing} note(s) have no slug: run 0003 up again`);
  const indexes = await notes.listIndexes().toArray();
  const index = indexes.find((i) => i.name === INDEX_NAME);
  if (!index?.unique) throw new Error(`notes has no unique index ${INDEX_NAME} on slug`);
}
