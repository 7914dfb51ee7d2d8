/**
 * Compares the migration files with the changelog: applied, pending, drifted (file changed since
 * applied), missing (applied but the file is gone); and pending files numbered before an applied one.
 */
import { basename } from 'node:path';
import { discoverMigrations } from './discover.ts';
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
}

export async function readChangelog(target: MigrationTarget): Promise<ChangelogEntry[]> {
  return target.changelog().find({}).sort({ _id: 1 }).toArray();
}

export async function migrationStatus(target: MigrationTarget): Promise<MigrationStatus> {
  const files = await discoverMigrations(target.dir);
  const applied = await readChangelog(target);
  const byId = new Map(applied.map((e) => [e._id, e]));
  const fileIds = new Set(files.map((f) => f.id));
  const maxApplied = Math.max(0, ...files.filter((f) => byId.has(f.id)).map((f) => f.number), ...applied.map((e) => Number(e._id.slice(0, 4)) || 0));
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
      entries.push({ id: e._id, number: Number(e._id.slice(0, 4)) || 0, state: 'missing', appliedChecksum: e.checksum, appliedAt: e.appliedAt, durationMs: e.durationMs, releaseId: e.releaseId, appliedBy: e.appliedBy });
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
export async function runnableStatus(target: MigrationTarget): Promise<MigrationStatus> {
  const s = await migrationStatus(target);
  assertRunnable(s);
  return s;
}
