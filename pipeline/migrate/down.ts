/**
 * `migrate down --to N`: runs down() of every applied migration numbered above N, newest first,
 * and removes each from the changelog after its down() succeeded. Refuses up front unless every
 * one of them has a down() and is not irreversible.
 */
import { sha256, loadMigration } from './discover.ts';
import { migrateErrors } from './errors.ts';
import { acquireMigrationLock } from './lock.ts';
import { checkApproval } from './apply.ts';
import { migrationContext } from './context.ts';
import { migrationFailed } from './run-step.ts';
import { runnableStatus } from './status.ts';
import type { MigrationTarget } from './target.ts';
import type { ApprovalCheck, LoadedMigration, MigrationFile, MigrationProgress } from './types.ts';
import type { ShipgateError } from '../errors.ts';

export interface DownOptions {
  to: number;
  actor: string;
  protected?: boolean;
  protectedBecause?: string;
  protectedEnv?: string;
  approval?: ApprovalCheck;
  signal?: AbortSignal;
  progress?: MigrationProgress;
}

export interface DownReport {
  reverted: string[];
  failed?: { id: string; error: ShipgateError };
  notReverted: string[];
  ok: boolean;
}

export function downDigest(target: MigrationTarget, files: MigrationFile[]): string {
  return sha256(JSON.stringify({ target: { label: target.label, db: target.dbName }, down: files.map((f) => [f.id, f.checksum]) }));
}

export async function migrateDown(target: MigrationTarget, opts: DownOptions): Promise<DownReport> {
  const status = await runnableStatus(target, opts.progress);
  const files = status.entries.filter((e) => e.state === 'applied' && e.number > opts.to).map((e) => e.file as MigrationFile).reverse();
  const loaded: LoadedMigration[] = [];
  for (const f of files) loaded.push(await loadMigration(f));
  const blocking = loaded.filter((m) => !m.module.down || m.module.irreversible).map((m) => m.id);
  if (blocking.length) throw migrateErrors.SHIPGATE_MIGRATION_NO_DOWN({ to: opts.to, blocking });
  await checkApproval(target, downDigest(target, files), opts);
  const report: DownReport = { reverted: [], notReverted: loaded.map((m) => m.id), ok: false };
  const lock = await acquireMigrationLock(target, { owner: `${opts.actor} (down to ${opts.to})` });
  try {
    for (const m of loaded) {
      if (opts.signal?.aborted || lock.lost) break;
      opts.progress?.(`reverting ${m.id}`);
      try {
        await m.module.down!(target.db, migrationContext({ id: m.id, mode: 'down', log: (msg) => opts.progress?.(`${m.id}: ${msg}`), signal: opts.signal }, target.client, (name) => (name === undefined ? target.db : target.client.db(name))));
      } catch (err) {
        report.failed = { id: m.id, error: migrationFailed(m, 'down', err) };
        break;
      }
      await target.changelog().deleteOne({ _id: m.id });
      report.reverted.push(m.id);
      report.notReverted = report.notReverted.filter((id) => id !== m.id);
    }
    report.ok = report.notReverted.length === 0;
    return report;
  } finally {
    await lock.release().catch(() => undefined);
  }
}
