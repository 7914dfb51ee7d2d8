/**
 * Indexes for the two ways the notes API reads lists: newest first (`createdAt: -1`) and by
 * tag (`tags: 1`). Reversible: `down` drops both.
 */
import type { Db } from 'mongodb';
import type { MigrationContext } from '../../pipeline/migrate/types.ts';

export const description = 'Index notes by createdAt (newest first) and by tags';

const INDEXES = [
  { key: { createdAt: -1 }, name: 'notes_createdAt_desc' },
  { key: { tags: 1 }, name: 'notes_tags' },
] as const;

async function existingIndexNames(db: Db): Promise<Set<string>> {
  const exists = await db.listCollections({ name: 'notes' }, { nameOnly: true }).hasNext();
  if (!exists) return new Set();
  const indexes = await db.collection('notes').listIndexes().toArray();
  return new Set(indexes.map((i) => String(i.name)));
}

export async function up(db: Db, ctx: MigrationContext): Promise<void> {
  for (const index of INDEXES) {
    await db.collection('notes').createIndex({ ...index.key }, { name: index.name });
    ctx.log(`created index ${index.name} on notes`);
  }
}

export async function down(db: Db, ctx: MigrationContext): Promise<void> {
  const names = await existingIndexNames(db);
  for (const index of INDEXES) {
    if (!names.has(index.name)) continue;
    await db.collection('notes').dropIndex(index.name);
    ctx.log(`dropped index ${index.name} on notes`);
  }
}

export async function verify(db: Db): Promise<void> {
  const names = await existingIndexNames(db);
  const missing = INDEXES.filter((i) => !names.has(i.name)).map((i) => i.name);
  if (missing.length) throw new Error(`notes is missing index(es) ${missing.join(', ')}: run migration 0001 up`);
}
