/**
 * `shipgate migrate adopt --from migrate-mongo`: take over a database migrated by migrate-mongo.
 * Reads migrate-mongo's changelog (documents `{ fileName, appliedAt, fileHash?, migrationBlock? }`,
 * collection `changelog` unless its config says otherwise) and records each migration it applied
 * in Shipgate's changelog — with the checksum of the file as it is now and migrate-mongo's
 * appliedAt — WITHOUT running anything. Idempotent: entries already in Shipgate's changelog are
 * left as they are. Not recorded (reported instead): an entry whose file is not in the folder, and
 * one whose migrate-mongo fileHash differs from the file now (it was edited after it ran).
 * Runs under the migration lock, so it cannot interleave with an apply.
 */
import type { Document } from 'mongodb';
import { discoverMigrations } from './discover.ts';
import { migrateErrors } from './errors.ts';
import { acquireMigrationLock } from './lock.ts';
import type { MigrationTarget } from './target.ts';
import type { ChangelogEntry, MigrationProgress } from './types.ts';

export const MIGRATE_MONGO_CHANGELOG = 'changelog';

export interface AdoptOptions {
  /** migrate-mongo's changelog collection (default "changelog"). */
  sourceCollection?: string;
  actor: string;
  /** Report what would be recorded; write nothing (no lock either). */
  dryRun?: boolean;
  progress?: MigrationProgress;
}

export interface AdoptReport {
  source: string;
  recorded: Array<{ id: string; appliedAt: Date }>;
  /** Already in Shipgate's changelog (an earlier adopt, or applied by Shipgate). */
  alreadyRecorded: string[];
  /** In the folder, not applied by migrate-mongo: left pending (shipgate migrate apply runs them). */
  pending: string[];
  /** migrate-mongo entries not recorded, and why. */
  skipped: Array<{ fileName: string; problem: string }>;
  dryRun: boolean;
}

export async function adoptMigrateMongo(target: MigrationTarget, opts: AdoptOptions): Promise<AdoptReport> {
  const source = opts.sourceCollection ?? MIGRATE_MONGO_CHANGELOG;
  if (source === target.changelogCollection) {
    throw migrateErrors.SHIPGATE_ADOPT_SOURCE({ problem: `migrate-mongo's changelog (${source}) and Shipgate's changelog (${target.changelogCollection}) are the same collection in ${target.dbName}` });
  }
  const exists = await target.db.listCollections({ name: source }, { nameOnly: true }).hasNext();
  if (!exists) throw migrateErrors.SHIPGATE_ADOPT_SOURCE({ problem: `${target.dbName} has no collection ${source}: nothing shows that migrate-mongo migrated this database` });
  const files = await discoverMigrations(target.dir);
  const byId = new Map(files.map((f) => [f.id, f]));
  // The newest document per fileName (with useFileHash, an edited file may have run twice).
  const latest = new Map<string, Document>();
  const report: AdoptReport = { source, recorded: [], alreadyRecorded: [], pending: [], skipped: [], dryRun: opts.dryRun === true };
  for (const doc of await target.db.collection(source).find({}).toArray()) {
    if (typeof doc.fileName !== 'string' || !(doc.appliedAt instanceof Date)) {
      report.skipped.push({ fileName: String(doc.fileName ?? doc._id), problem: 'not a migrate-mongo changelog entry (needs fileName and appliedAt)' });
      continue;
    }
    const prev = latest.get(doc.fileName);
    if (!prev || (prev.appliedAt as Date) < doc.appliedAt) latest.set(doc.fileName, doc);
  }
  const toRecord: ChangelogEntry[] = [];
  const adopted = new Set<string>();
  for (const [fileName, doc] of [...latest].sort(([a], [b]) => a.localeCompare(b))) {
    const id = fileName.replace(/\.(ts|js|mjs|cjs)$/i, '');
    const file = byId.get(id);
    if (!file) {
      report.skipped.push({ fileName, problem: `applied by migrate-mongo, but ${target.dir} has no such migration file` });
      continue;
    }
    if (typeof doc.fileHash === 'string' && doc.fileHash !== file.checksum) {
      report.skipped.push({ fileName, problem: `the file changed after migrate-mongo applied it (its fileHash ${doc.fileHash.slice(0, 12)}, the file now ${file.checksum.slice(0, 12)})` });
      continue;
    }
    adopted.add(id);
    toRecord.push({ _id: id, checksum: file.checksum, appliedAt: doc.appliedAt as Date, durationMs: 0, releaseId: null, appliedBy: `migrate-mongo (adopted by ${opts.actor})` });
  }
  const changelog = target.changelog();
  const have = new Set((await changelog.find({ _id: { $in: toRecord.map((e) => e._id) } }, { projection: { _id: 1 } }).toArray()).map((d) => d._id));
  report.pending = files.filter((f) => !adopted.has(f.id) && !have.has(f.id)).map((f) => f.id);
  const fresh = toRecord.filter((e) => {
    if (have.has(e._id)) report.alreadyRecorded.push(e._id);
    return !have.has(e._id);
  });
  if (opts.dryRun) {
    report.recorded = fresh.map((e) => ({ id: e._id, appliedAt: e.appliedAt }));
    return report;
  }
  const lock = await acquireMigrationLock(target, { owner: `${opts.actor} (adopt from migrate-mongo)` });
  try {
    for (const entry of fresh) {
      if (lock.lost) throw migrateErrors.SHIPGATE_MIGRATION_LOCK_LOST({ db: target.dbName, owner: lock.owner });
      try {
        await changelog.insertOne(entry);
      } catch (err) {
        if ((err as { code?: number }).code === 11000) {
          report.alreadyRecorded.push(entry._id);
          continue;
        }
        throw err;
      }
      report.recorded.push({ id: entry._id, appliedAt: entry.appliedAt });
      opts.progress?.(`recorded ${entry._id} (applied by migrate-mongo ${entry.appliedAt.toISOString()})`);
    }
  } finally {
    await lock.release().catch(() => undefined);
  }
  return report;
}
