/**
 * `migrate plan`: the pending migrations in order and, for each write they would make, what it
 * would touch — computed by running up() against a recording database (reads pass through,
 * writes are counted). Read-only against the target. The digest binds approvals to exactly
 * (target, pending ids, checksums).
 */
import { loadMigration, sha256 } from './discover.ts';
import { createRecordingDb, type PlannedWrite } from './recording-db.ts';
import { runnableStatus } from './status.ts';
import type { MigrationTarget } from './target.ts';
import type { MigrationFile, MigrationProgress } from './types.ts';
import { migrationFailed } from './run-step.ts';

export interface PlannedMigration {
  id: string;
  checksum: string;
  description: string;
  irreversible: boolean;
  breaking: boolean;
  hasDown: boolean;
  writes: PlannedWrite[];
}

export interface Plan {
  target: { label: string; db: string };
  pending: PlannedMigration[];
  /** True when some figure may be off (a migration reads back what it wrote); reasons say why. */
  approximate: boolean;
  approximateReasons: string[];
  /** sha-256 over target, pending ids and checksums. */
  digest: string;
  risks: string[];
  createdAt: string;
}

export function planDigest(target: MigrationTarget, pending: ReadonlyArray<Pick<MigrationFile, 'id' | 'checksum'>>): string {
  return sha256(JSON.stringify({ target: { label: target.label, db: target.dbName }, pending: pending.map((p) => [p.id, p.checksum]) }));
}

export interface PlanOptions {
  progress?: MigrationProgress;
  signal?: AbortSignal;
}

export async function planMigrations(target: MigrationTarget, opts: PlanOptions = {}): Promise<Plan> {
  const status = await runnableStatus(target);
  const session = createRecordingDb(target.db);
  const pending: PlannedMigration[] = [];
  const risks: string[] = [];
  for (const file of status.pending) {
    opts.signal?.throwIfAborted();
    const m = await loadMigration(file);
    opts.progress?.(`planning ${m.id}`);
    session.begin(m.id);
    try {
      await m.module.up(session.db, { id: m.id, mode: 'plan', log: (msg) => opts.progress?.(`${m.id}: ${msg}`), ...(opts.signal ? { signal: opts.signal } : {}) });
    } catch (err) {
      throw migrationFailed(m, 'up (plan)', err);
    }
    const writes = [...session.writes];
    const mod = m.module;
    pending.push({
      id: m.id, checksum: m.checksum, description: mod.description ?? '', irreversible: mod.irreversible === true,
      breaking: mod.breaking === true, hasDown: typeof mod.down === 'function', writes,
    });
    for (const w of writes.filter((x) => x.risky)) risks.push(`${m.id}: ${w.op} on ${w.collection} — ${w.detail}`);
    if (mod.irreversible) risks.push(`${m.id} is irreversible: no way back except the backup`);
    if (mod.breaking) risks.push(`${m.id} is breaking: the previous app version cannot run on the new schema`);
  }
  return {
    target: { label: target.label, db: target.dbName },
    pending,
    approximate: session.approximateReasons.length > 0,
    approximateReasons: [...session.approximateReasons],
    digest: planDigest(target, status.pending),
    risks,
    createdAt: new Date().toISOString(),
  };
}

/** Collections a plan would write to (for backups). */
export function collectionsTouched(plan: Plan): string[] {
  const out = new Set<string>();
  for (const m of plan.pending) for (const w of m.writes) out.add(w.collection);
  return [...out].sort();
}
