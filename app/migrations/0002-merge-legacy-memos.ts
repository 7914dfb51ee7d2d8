/**
 * Merges the legacy `memos` collection (`{ _id, subject, text, labels, created }`) into `notes`,
 * then drops `memos`. Each merged note keeps `legacyMemoId` (the memo's _id), so a re-run after a
 * crash skips memos already merged. Writes go in batches of at most 50 documents (FerretDB hangs
 * on commands with 100+ statements). Irreversible: the memos collection is gone afterwards.
 *
 * Self-contained on purpose (own slugify): a migration must not change when app code changes.
 */
import { createHash } from 'node:crypto';
import { ObjectId, type Db, type Document } from 'mongodb';
import type { MigrationContext } from '../../pipeline/migrate/types.ts';

export const description = 'Merge legacy memos into notes (title, body, tags, dates, slug), then drop memos';
export const irreversible = true;

const BATCH = 50;

function slugify(text: string): string {
  const slug = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return slug || 'note';
}

/** 24 hex characters that identify the memo: its ObjectId, else a hash of its _id. */
function idHex(id: unknown): string {
  if (id instanceof ObjectId) return id.toHexString();
  return createHash('sha1').update(JSON.stringify(id)).digest('hex').slice(0, 24);
}

function cleanTags(labels: unknown): string[] {
  if (!Array.isArray(labels)) return [];
  const tags = labels
    .filter((l): l is string => typeof l === 'string')
    .map((l) => l.trim().slice(0, 40))
    .filter((l) => l.length > 0);
  return [...new Set(tags)].slice(0, 20);
}

function memoToNote(memo: Document): Document {
  const subject = typeof memo.subject === 'string' ? memo.subject.trim().slice(0, 200) : '';
  const title = subject || '(untitled memo)';
  const created =
    memo.created instanceof Date ? memo.created : memo._id instanceof ObjectId ? memo._id.getTimestamp() : new Date(0);
  return {
    _id: new ObjectId(),
    title,
    body: typeof memo.text === 'string' ? memo.text : '',
    tags: cleanTags(memo.labels),
    slug: `${slugify(title)}-${idHex(memo._id).slice(-6)}`,
    createdAt: created,
    updatedAt: created,
    legacyMemoId: memo._id,
  };
}

async function memosExist(db: Db): Promise<boolean> {
  return db.listCollections({ name: 'memos' }, { nameOnly: true }).hasNext();
}

async function mergeBatch(db: Db, memos: Document[]): Promise<number> {
  const ids = memos.map((m) => m._id as unknown);
  const already = await db
    .collection('notes')
    .find({ legacyMemoId: { $in: ids } }, { projection: { legacyMemoId: 1 } })
    .toArray();
  const merged = new Set(already.map((n) => JSON.stringify(n.legacyMemoId)));
  const fresh = memos.filter((m) => !merged.has(JSON.stringify(m._id))).map(memoToNote);
  // A slug already used by a note (or earlier in this batch) gets the memo's whole id instead.
  const clash = await db
    .collection('notes')
    .find({ slug: { $in: fresh.map((n) => n.slug as string) } }, { projection: { slug: 1 } })
    .toArray();
  const taken = new Set(clash.map((c) => String(c.slug)));
  for (const note of fresh) {
    if (taken.has(note.slug as string)) note.slug = `${slugify(note.title as string).slice(0, 55).replace(/-+$/, '')}-${idHex(note.legacyMemoId)}`;
    taken.add(note.slug as string);
  }
  if (fresh.length) await db.collection('notes').insertMany(fresh, { ordered: true });
  return fresh.length;
}

export async function up(db: Db, ctx: MigrationContext): Promise<void> {
  if (!(await memosExist(db))) {
    ctx.log('no memos collection: nothing to merge');
    return;
  }
  let seen = 0;
  let inserted = 0;
  let batch: Document[] = [];
  const cursor = db.collection('memos').find({}, { sort: { _id: 1 }, batchSize: BATCH });
  for await (const memo of cursor) {
    batch.push(memo);
    if (batch.length === BATCH) {
      if (ctx.signal?.aborted) throw new Error('0002-merge-legacy-memos: aborted');
      inserted += await mergeBatch(db, batch);
      seen += batch.length;
      batch = [];
      ctx.log(`memos: ${seen} read, ${inserted} merged into notes`);
    }
  }
  if (batch.length) {
    inserted += await mergeBatch(db, batch);
    seen += batch.length;
  }
  ctx.log(`memos: ${seen} read, ${inserted} merged into notes (${seen - inserted} were already merged)`);
  await db.collection('memos').drop();
  ctx.log('dropped collection memos');
}

export async function verify(db: Db): Promise<void> {
  if (await memosExist(db)) throw new Error('collection memos still exists: the merge did not finish (run 0002 up again)');
  const notes = db.collection('notes');
  const untitled = await notes.countDocuments({ $or: [{ title: { $exists: false } }, { title: { $not: { $type: 'string' } } }, { title: '' }] });
  if (untitled > 0) throw new Error(`${untitled} note(s) have no title`);
  const mergedCount = await notes.countDocuments({ legacyMemoId: { $exists: true } });
  const distinctMemos = (await notes.distinct('legacyMemoId')).length;
  if (mergedCount !== distinctMemos) {
    throw new Error(`${mergedCount} notes carry a legacyMemoId but only ${distinctMemos} distinct memos: a memo was merged twice`);
  }
}
