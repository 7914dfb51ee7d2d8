/**
 * Compares the migration files with the changelog: applied, pending, drifted (file changed since
 * applied), missing (applied but the file is gone); and pending files numbered before an applied one.
 */
import { basename } from 'node:path';
import { BSON, type Document } from 'mongodb';
import { redactText } from '../secrets/redact.ts';
import { discoverMigrations, migrationNumber } from './discover.ts';
import { migrateErrors } from './errors.ts';
import type { MigrationTarget } from './target.ts';
import type { ChangelogEntry, MigrationFile } from './types.ts';

export type MigrationState = 'applied' | 'pending' | 'drifted' | 'missing' | 'out-of-order';

export interface MigrationStatusEntry {
  id: string;
  number: number;
  state: MigrationState;
  file?: MigrationFile;
  checksum?: string;
  appliedChecksum?: string;
  appliedAt?: Date;
  durationMs?: number;
  releaseId?: string | null;
  appliedBy?: string;
}

export interface MigrationStatus {
  target: string;
  dbName: string;
  entries: MigrationStatusEntry[];
  /** Runnable, in order (empty when there are problems). */
  pending: MigrationFile[];
  applied: ChangelogEntry[];
  /** Changelog documents that are not Shipgate entries (left alone, reported as warnings). */
  foreign: ForeignChangelogDocument[];
}

export interface ForeignChangelogDocument {
  /** The document's _id as extended JSON (a string _id as itself). */
  id: string;
  problem: string;
}

/** A changelog _id Shipgate writes: a migration file name without extension (NNNN-name, or a migrate-mongo timestamp-name). */
const ENTRY_ID = /^(\d{4}|\d{14})-[a-z0-9][a-z0-9_-]*$/i;

function foreignProblem(doc: Document): string | null {
  const id: unknown = doc._id;
  if (typeof id !== 'string') {
    const kind = id === null ? 'null' : id === undefined ? 'missing' : typeof id === 'object' ? ((id as { _bsontype?: string })._bsontype ?? (Array.isArray(id) ? 'an array' : 'an object')) : `a ${typeof id}`;
    return `_id is ${kind}, not a migration id such as 0001-add-index`;
  }
  if (!ENTRY_ID.test(id)) return '_id is not a migration id (NNNN-name)';
  return null;
}

function showId(id: unknown): string {
  const text = typeof id === 'string' ? id : BSON.EJSON.stringify({ v: id } as Document, { relaxed: true }).slice(5, -1);
  return redactText(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}

/** The changelog, split into Shipgate's entries and foreign documents (never fatal: reported). */
export async function readChangelog(target: MigrationTarget): Promise<{ entries: ChangelogEntry[]; foreign: ForeignChangelogDocument[] }> {
  const docs = await target.changelog().find({}).toArray() as Document[];
  const entries: ChangelogEntry[] = [];
  const foreign: ForeignChangelogDocument[] = [];
  for (const doc of docs) {
    const problem = foreignProblem(doc);
    if (problem) foreign.push({ id: showId(doc._id), problem });
    else entries.push(doc as ChangelogEntry);
  }
  entries.sort((a, b) => (a._id < b._id ? -1 : a._id > b._id ? 1 : 0));
  return { entries, foreign };
}

/** One warning line per foreign changelog document. */
export function foreignWarnings(status: Pick<MigrationStatus, 'foreign'>, collection: string): string[] {
  return status.foreign.map((f) => `warning: ${collection} holds a document that is not a Shipgate migration entry (_id ${f.id}): ${f.problem}; it was ignored`);
}

/** `files`: the folder as already discovered in this run (apply re-reads only the changelog under the lock). */
export async function migrationStatus(target: MigrationTarget, opts: { files?: MigrationFile[] } = {}): Promise<MigrationStatus> {
  const files = opts.files ?? await discoverMigrations(target.dir);
  const { entries: applied, foreign } = await readChangelog(target);
  const byId = new Map(applied.map((e) => [e._id, e]));
  const fileIds = new Set(files.map((f) => f.id));
  const maxApplied = Math.max(0, ...files.filter((f) => byId.has(f.id)).map((f) => f.number), ...applied.map((e) => migrationNumber(e._id) || 0));
  const entries: MigrationStatusEntry[] = [];
  for (const f of files) {
    const e = byId.get(f.id);
    if (e) {
      entries.push({
        id: f.id, number: f.number, file: f, checksum: f.checksum, appliedChecksum: e.checksum,
        state: e.checksum === f.checksum ? 'applied' : 'drifted',
        appliedAt: e.appliedAt, durationMs: e.durationMs, releaseId: e.releaseId, appliedBy: e.appliedBy,
      });
    } else {
      entries.push({ id: f.id, number: f.number, file: f, checksum: f.checksum, state: f.number < maxApplied ? 'out-of-order' : 'pending' });
    }
  }
  for (const e of applied) {
    if (!fileIds.has(e._id)) {
      entries.push({ id: e._id, number: migrationNumber(e._id) || 0, state: 'missing', appliedChecksum: e.checksum, appliedAt: e.appliedAt, durationMs: e.durationMs, releaseId: e.releaseId, appliedBy: e.appliedBy });
    }
  }
  entries.sort((a, b) => a.number - b.number || a.id.localeCompare(b.id));
  const clean = entries.every((e) => e.state === 'applied' || e.state === 'pending');
  return {
    target: target.label,
    dbName: target.dbName,
    entries,
    pending: clean ? entries.filter((e) => e.state === 'pending').map((e) => e.file as MigrationFile) : [],
    applied,
    foreign,
  };
}

/** Throws on drift, out-of-order or missing files: nothing may run until they are fixed. */
export function assertRunnable(status: MigrationStatus): void {
  const pick = (state: MigrationState, why: (e: MigrationStatusEntry) => string) =>
    status.entries.filter((e) => e.state === state).map((e) => ({ file: e.file ? basename(e.file.path) : e.id, problem: why(e) }));
  const drift = pick('drifted', (e) => `applied ${e.appliedAt?.toISOString() ?? '?'} with checksum ${e.appliedChecksum?.slice(0, 12)}, file now ${e.checksum?.slice(0, 12)}`);
  if (drift.length) throw migrateErrors.SHIPGATE_MIGRATION_DRIFT({ problems: drift });
  const order = pick('out-of-order', () => 'pending, but a higher-numbered migration is already applied');
  if (order.length) throw migrateErrors.SHIPGATE_MIGRATION_OUT_OF_ORDER({ problems: order });
  const missing = pick('missing', (e) => `applied ${e.appliedAt?.toISOString() ?? '?'}, file not found in the migrations folder`);
  if (missing.length) throw migrateErrors.SHIPGATE_MIGRATION_FILE_MISSING({ problems: missing });
}

/** Convenience: status that must be runnable. */
export async function runnableStatus(target: MigrationTarget, progress?: (line: string) => void, opts: { files?: MigrationFile[] } = {}): Promise<MigrationStatus> {
  const s = await migrationStatus(target, opts);
  for (const line of foreignWarnings(s, target.changelogCollection)) progress?.(line);
  assertRunnable(s);
  return s;
}
