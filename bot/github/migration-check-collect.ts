/**
 * Gathers what the migrations PR check shows: `migrate lint` against the base ref, then — only
 * when lint found no errors and a staging target is given — `migrate plan` against staging
 * (read-only: writes are recorded, never made). Used by the migrate action (`step: check`).
 */
import { readFile } from 'node:fs/promises';
import { join, relative, resolve, sep, posix } from 'node:path';
import { lintMigrations } from '../../pipeline/migrate/lint.ts';
import { planMigrations } from '../../pipeline/migrate/plan.ts';
import type { MigrationTarget } from '../../pipeline/migrate/target.ts';
import { redactText } from '../../pipeline/secrets/redact.ts';
import { buildMigrationCheck, type MigrationCheck } from './migration-check.ts';

export interface CollectOptions {
  repoDir: string;
  /** The migrations folder (absolute or relative to repoDir). */
  dir: string;
  baseRef: string;
  staging?: MigrationTarget;
  /** Shown when there is no staging target, e.g. "STAGING_MONGODB_URI is not set". */
  noStagingReason?: string;
}

export async function collectMigrationCheck(opts: CollectOptions): Promise<MigrationCheck> {
  const dir = resolve(opts.repoDir, opts.dir);
  const lint = await lintMigrations({ dir, baseRef: opts.baseRef, repoDir: opts.repoDir });
  const sources: Record<string, string> = {};
  for (const f of lint.findings) sources[f.file] ??= await readFile(join(dir, f.file), 'utf8').catch(() => '');
  const relDir = relative(resolve(opts.repoDir), dir).split(sep).join(posix.sep);
  if (!lint.ok) return buildMigrationCheck({ lint, dir: relDir, sources, planNote: 'Not run: fix the lint errors first.' });
  if (!opts.staging) return buildMigrationCheck({ lint, dir: relDir, sources, planNote: `Not run against staging: ${opts.noStagingReason ?? 'no staging database configured'}.` });
  try {
    const plan = await planMigrations(opts.staging);
    return buildMigrationCheck({ lint, dir: relDir, sources, plan });
  } catch (err) {
    const reason = redactText((err as Error).message.split('\n')[0] ?? String(err));
    return buildMigrationCheck({ lint, dir: relDir, sources, planNote: `Failed against staging: ${reason}`, planFailed: true });
  }
}
