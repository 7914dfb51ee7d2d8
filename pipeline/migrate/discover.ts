/**
 * Finds migration files (NNNN-name.ts|js, or migrate-mongo's YYYYMMDDHHMMSS-name.js), checksums
 * them and loads them. Discovery collects every problem (bad names, duplicate numbers) and fails
 * once, naming each file. A file's number orders it: a migrate-mongo timestamp is a 14-digit number.
 */
import { createHash } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { redactText } from '../secrets/redact.ts';
import { importUserModule } from '../user-code.ts';
import { migrateErrors, type MigrationProblem } from './errors.ts';
import type { LoadedMigration, MigrationFile, MigrationModule } from './types.ts';

export const MIGRATION_FILE = /^(\d{4}|\d{14})-([a-z0-9][a-z0-9_-]*)\.(ts|js|mjs|cjs)$/i;

/** A migration's number from its id or file name ("0003-x" → 3, "20240101120000-x" → 20240101120000), NaN if none. */
export function migrationNumber(idOrName: string): number {
  const m = /^(\d{4}|\d{14})-/.exec(idOrName);
  return m ? Number(m[1]) : NaN;
}

/** A number as it appears in file names: four digits, or the 14 digits of a timestamp. */
export function showNumber(n: number): string {
  return String(n).padStart(4, '0');
}

export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function discoverMigrations(dir: string): Promise<MigrationFile[]> {
  const abs = resolve(dir);
  const isDir = await stat(abs).then((s) => s.isDirectory(), () => false);
  if (!isDir) throw migrateErrors.SHIPGATE_MIGRATION_DIR_MISSING({ dir });
  const names = (await readdir(abs)).sort();
  const problems: MigrationProblem[] = [];
  const files: MigrationFile[] = [];
  for (const name of names) {
    if (name.endsWith('.d.ts') || /\.(test|spec)\.[jt]s$/.test(name)) continue;
    const m = MIGRATION_FILE.exec(name);
    if (!m) {
      if (/^\d/.test(name)) problems.push({ file: name, problem: 'name does not match NNNN-name.ts|js (four digits — or a 14-digit migrate-mongo timestamp — a dash, letters/digits/dashes/underscores)' });
      continue;
    }
    const path = join(abs, name);
    const bytes = await readFile(path);
    files.push({ id: name.replace(/\.(ts|js|mjs|cjs)$/i, ''), number: Number(m[1]), path, checksum: sha256(bytes) });
  }
  files.sort((a, b) => a.number - b.number || a.id.localeCompare(b.id));
  for (let i = 1; i < files.length; i++) {
    const prev = files[i - 1] as MigrationFile;
    const cur = files[i] as MigrationFile;
    if (prev.number === cur.number) {
      problems.push({ file: basename(cur.path), problem: `duplicate number ${showNumber(cur.number)} (also ${basename(prev.path)})` });
    }
  }
  if (problems.length) throw migrateErrors.SHIPGATE_MIGRATIONS_INVALID({ dir, problems });
  return files;
}

/** Imports a migration (cache-busted by checksum, so an edited file is loaded afresh) and checks its exports. */
export async function loadMigration(file: MigrationFile): Promise<LoadedMigration> {
  let mod: Record<string, unknown>;
  try {
    mod = await importUserModule(file.path, { cacheKey: file.checksum.slice(0, 16) });
  } catch (err) {
    const e = err as Error;
    throw migrateErrors.SHIPGATE_MIGRATION_LOAD_FAILED({ file: file.path, reason: redactText(e?.stack ?? String(err)) }, err);
  }
  const candidate = (mod.up ? mod : (mod.default as Record<string, unknown> | undefined)) ?? mod;
  if (typeof candidate.up !== 'function') {
    throw migrateErrors.SHIPGATE_MIGRATIONS_INVALID({
      dir: file.path,
      problems: [{ file: basename(file.path), problem: 'does not export an up(db, ctx) function' }],
    });
  }
  for (const fn of ['down', 'verify'] as const) {
    if (candidate[fn] !== undefined && typeof candidate[fn] !== 'function') {
      throw migrateErrors.SHIPGATE_MIGRATIONS_INVALID({ dir: file.path, problems: [{ file: basename(file.path), problem: `exports ${fn} but it is not a function` }] });
    }
  }
  return { ...file, module: candidate as unknown as MigrationModule };
}
