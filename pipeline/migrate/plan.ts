/**
 * `migrate plan`: the pending migrations in order and, for each write they would make, what it
 * would touch — computed by running up() in the plan sandbox (recording-db.ts: reads pass
 * through, writes are counted, anything else refuses the plan). Read-only against the target.
 * The digest binds approvals to exactly (target, pending ids, checksums).
 */
import { loadMigration } from './discover.ts';
import { planDigest } from './digest.ts';
import { createRecordingDb, type PlannedWrite } from './recording-db.ts';
import { runnableStatus } from './status.ts';
import type { MigrationTarget } from './target.ts';
import type { MigrationProgress } from './types.ts';
import { migrationFailed } from './run-step.ts';
import { migrationContext } from './context.ts';

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

export { planDigest };

export interface PlanOptions {
  progress?: MigrationProgress;
  signal?: AbortSignal;
}

export async function planMigrations(target: MigrationTarget, opts: PlanOptions = {}): Promise<Plan> {
  const status = await runnableStatus(target, opts.progress);
  const session = createRecordingDb(target.db);
  const pending: PlannedMigration[] = [];
  const risks: string[] = [];
  try {
    for (const file of status.pending) {
      opts.signal?.throwIfAborted();
      const m = await loadMigration(file);
      opts.progress?.(`planning ${m.id}`);
      session.begin(m.id);
      try {
        const ctx = migrationContext({ id: m.id, mode: 'plan', log: (msg) => opts.progress?.(`${m.id} [plan, nothing written]: ${msg}`), signal: opts.signal }, session.client);
        await m.module.up(session.db, ctx);
        // A refusal the migration caught (try/catch around an escape) still refuses its plan.
        session.assertNoRefusal();
      } catch (err) {
        session.assertNoRefusal();
        throw migrationFailed(m, 'up (plan)', err);
      }
      const writes = mergeWrites(session.writes);
      const mod = m.module;
      pending.push({
        id: m.id, checksum: m.checksum, description: mod.description ?? '', irreversible: mod.irreversible === true,
        breaking: mod.breaking === true, hasDown: typeof mod.down === 'function', writes,
      });
      for (const w of writes.filter((x) => x.risky)) risks.push(`${m.id}: ${w.op} on ${w.collection} — ${w.detail}`);
      if (mod.irreversible) risks.push(`${m.id} is irreversible: no way back except the backup`);
      if (mod.breaking) risks.push(`${m.id} is breaking: the previous app version cannot run on the new schema`);
    }
  } finally {
    session.close();
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

const COUNTED = /^would (insert|modify up to|delete) (\d+) documents?$/;

/** Consecutive document writes of one kind on one collection become one line (e.g. a bulkWrite of 300 updateOne). */
export function mergeWrites(writes: readonly PlannedWrite[]): PlannedWrite[] {
  const out: Array<PlannedWrite & { calls?: number }> = [];
  for (const w of writes) {
    const prev = out.at(-1);
    const a = prev ? COUNTED.exec(prev.detail.replace(/ \(\d+ calls\)$/, '')) : null;
    const b = COUNTED.exec(w.detail);
    if (prev && a && b && a[1] === b[1] && prev.collection === w.collection && prev.op === w.op && !prev.risky && !w.risky) {
      const calls = (prev.calls ?? 1) + 1;
      const matched = (prev.matched ?? 0) + (w.matched ?? 0);
      Object.assign(prev, { matched, calls, detail: `would ${b[1]} ${matched} document${matched === 1 ? '' : 's'} (${calls} calls)` });
    } else out.push({ ...w });
  }
  return out.map(({ calls: _calls, ...w }) => w);
}
