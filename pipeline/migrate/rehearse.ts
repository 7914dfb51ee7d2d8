/**
 * `migrate rehearse`: copy the target (all of it, or a sample per collection) into a scratch
 * database, apply the pending migrations there for real, run verify, report counts and indexes
 * before/after and the time each migration took — then drop the scratch database, also on
 * failure or interruption. Never writes to the target: it only lists and reads it, and migrations
 * see the scratch database through the sandbox (recording-db.ts, executing mode), so no handle
 * they are given leads back to the target.
 */
import { randomBytes } from 'node:crypto';
import type { MongoClient } from 'mongodb';
import { copyCollections, describeCollections } from './copy.ts';
import { createRecordingDb } from './recording-db.ts';
import { loadMigration } from './discover.ts';
import { migrateErrors } from './errors.ts';
import { migrationContext } from './context.ts';
import { migrationFailed, timed } from './run-step.ts';
import { runnableStatus } from './status.ts';
import { SHIPGATE_COLLECTIONS, type MigrationTarget } from './target.ts';
import type { MigrationProgress } from './types.ts';
import type { ShipgateError } from '../errors.ts';

export interface RehearseOptions {
  /** Where the scratch database lives (default: the target's server). */
  scratchClient?: MongoClient;
  /** Copy at most N documents per collection; times are then extrapolated. */
  sample?: number;
  signal?: AbortSignal;
  progress?: MigrationProgress;
  releaseId?: string;
}

export interface RehearsedMigration {
  id: string;
  status: 'applied' | 'failed' | 'not-run';
  durationMs?: number;
  /** durationMs × (documents in target / documents copied), when sampled. */
  extrapolatedMs?: number;
  error?: string;
}

export interface CollectionChange {
  name: string;
  before: { documents: number; indexes: string[] } | null;
  after: { documents: number; indexes: string[] } | null;
}

export interface RehearsalReport {
  target: { label: string; db: string };
  scratchDb: string;
  sampled: { perCollection: number; copiedDocuments: number; targetDocuments: number } | null;
  copyMs: number;
  migrations: RehearsedMigration[];
  collections: CollectionChange[];
  ok: boolean;
  /** Stopped by the abort signal (Ctrl-C). */
  interrupted: boolean;
  error?: ShipgateError | Error;
  scratchDropped: boolean;
}

export function scratchDbName(prefix: string, base: string): string {
  return `${prefix}${base.replace(/[^A-Za-z0-9]/g, '').slice(0, 20)}${randomBytes(4).toString('hex')}`;
}

export async function rehearseMigrations(target: MigrationTarget, opts: RehearseOptions = {}): Promise<RehearsalReport> {
  const status = await runnableStatus(target, opts.progress);
  const client = opts.scratchClient ?? target.client;
  const scratchName = scratchDbName('sgrehearse', target.dbName);
  const scratch = client.db(scratchName);
  const report: RehearsalReport = {
    target: { label: target.label, db: target.dbName }, scratchDb: scratchName, sampled: null, copyMs: 0,
    migrations: status.pending.map((p) => ({ id: p.id, status: 'not-run' })), collections: [], ok: false, interrupted: false, scratchDropped: false,
  };
  const log = opts.progress ?? (() => undefined);
  let closeSandbox = () => undefined as void;
  try {
    log(`copying ${target.dbName} into scratch database ${scratchName}${opts.sample !== undefined ? ` (sample of ${opts.sample} per collection)` : ''}`);
    const copy = await timed(() =>
      copyCollections({
        source: target.db, dest: scratch, exclude: SHIPGATE_COLLECTIONS, progress: log,
        ...(opts.sample !== undefined ? { sample: opts.sample } : {}), ...(opts.signal ? { signal: opts.signal } : {}),
      }),
    );
    report.copyMs = copy.ms;
    const copied = copy.value.reduce((s, c) => s + c.documents, 0);
    const total = copy.value.reduce((s, c) => s + c.sourceDocuments, 0);
    if (opts.sample !== undefined) report.sampled = { perCollection: opts.sample, copiedDocuments: copied, targetDocuments: total };
    const factor = opts.sample !== undefined && copied > 0 ? total / copied : 1;
    const before = await describeCollections(scratch, SHIPGATE_COLLECTIONS);
    // The migration sees the scratch database through the sandbox: writes run there, and no handle
    // leads to another database (client.db() of the target's name is the scratch database).
    const sandbox = createRecordingDb(scratch, { execute: true, aliases: [target.dbName] });
    closeSandbox = () => sandbox.close();
    for (const [i, file] of status.pending.entries()) {
      opts.signal?.throwIfAborted();
      const entry = report.migrations[i] as RehearsedMigration;
      sandbox.begin(file.id);
      const ctx = migrationContext({ id: file.id, mode: 'rehearse', log: (msg: string) => log(`${file.id}: ${msg}`), releaseId: opts.releaseId, signal: opts.signal }, sandbox.client);
      log(`rehearsing ${file.id}`);
      const start = performance.now();
      let phase = 'load';
      try {
        const m = await loadMigration(file);
        phase = 'up';
        await m.module.up(sandbox.db, ctx);
        sandbox.assertNoRefusal();
        phase = 'verify';
        if (m.module.verify) await m.module.verify(sandbox.db, ctx);
        sandbox.assertNoRefusal();
      } catch (err) {
        entry.status = 'failed';
        entry.durationMs = Math.round(performance.now() - start);
        const failure = migrationFailed(file, phase, err);
        entry.error = failure.message;
        report.error = failure;
        break;
      }
      entry.status = 'applied';
      entry.durationMs = Math.round(performance.now() - start);
      if (report.sampled) entry.extrapolatedMs = Math.round(entry.durationMs * factor);
    }
    const after = await describeCollections(scratch, SHIPGATE_COLLECTIONS);
    const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    report.collections = names.map((name) => ({ name, before: before[name] ?? null, after: after[name] ?? null }));
    report.ok = !report.error;
  } catch (err) {
    report.ok = false;
    report.interrupted = opts.signal?.aborted === true;
    report.error = report.interrupted ? migrateErrors.SHIPGATE_MIGRATION_INTERRUPTED({ stage: 'the rehearsal' }, err) : (err as Error);
  } finally {
    closeSandbox();
    await client.db(scratchName).dropDatabase().then(() => (report.scratchDropped = true), () => undefined);
    log(report.scratchDropped ? `dropped scratch database ${scratchName}` : `could not drop scratch database ${scratchName}: drop it by hand`);
  }
  return report;
}
