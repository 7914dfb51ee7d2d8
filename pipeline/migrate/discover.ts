/**
 * Finds migration files (NNNN-name.ts|js, or migrate-mongo's YYYYMMDDHHMMSS-name.js), checksums
 * them and loads them. Discovery collects every problem (bad names, duplicate numbers) and fails
 * once, naming each file. A file's number orders it: a migrate-mongo timestamp is a 14-digit number.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
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

/** ES module syntax at the start of a line (Node would load such a .js as an ES module: import() it, cache-busted). */
const ESM_SYNTAX = /^\s*(export\s|import\s*[^\s(])/m;
/** For each .js file discovered (by checksum): does it have ES module syntax? (Saves reading it again to load it.) */
const esmSyntaxOf = new Map<string, boolean>();

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
    files.push({ id: name.replace(/\.(ts|js|mjs|cjs)$/i, ''), number: Number(m[1]), path, checksum: '' });
  }
  // Synchronous reads: small files, and 200 of them take ~2 ms this way against ~10 ms in parallel
  // through the thread pool (~40 ms one await after another) — the event loop barely notices.
  for (const f of files) {
    const bytes = readFileSync(f.path);
    f.checksum = sha256(bytes);
    if (/\.js$/i.test(f.path)) esmSyntaxOf.set(f.checksum, ESM_SYNTAX.test(bytes.toString('utf8')));
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

const requireUser = createRequire(import.meta.url);
/** Checksum of what the require cache holds for each CommonJS migration path. */
const requiredChecksum = new Map<string, string>();
const ESM_ONLY = new Set(['ERR_REQUIRE_ESM', 'ERR_REQUIRE_ASYNC_MODULE']);


const packageTypes = new Map<string, string>();
/** The "type" of the nearest package.json ("commonjs" when none says otherwise). */
function packageTypeOf(dir: string): string {
  const known = packageTypes.get(dir);
  if (known !== undefined) return known;
  let type = 'commonjs';
  const pkg = join(dir, 'package.json');
  if (existsSync(pkg)) {
    try {
      type = (JSON.parse(readFileSync(pkg, 'utf8')) as { type?: string }).type ?? 'commonjs';
    } catch {
      type = 'unknown';
    }
  } else if (dirname(dir) !== dir) type = packageTypeOf(dirname(dir));
  packageTypes.set(dir, type);
  return type;
}

/**
 * A CommonJS migration (.cjs, or .js that is CommonJS — migrate-mongo's) is loaded with require:
 * several times faster than import() of CommonJS, which counts with hundreds of migrations. An
 * edited file (another checksum) is evicted from the require cache first. A .js file that is an ES
 * module (its package says "type": "module", or it has import/export statements) is imported.
 */
async function importMigration(file: MigrationFile): Promise<Record<string, unknown>> {
  if (/\.cjs$/i.test(file.path) || (/\.js$/i.test(file.path) && packageTypeOf(dirname(file.path)) !== 'module' && !(esmSyntaxOf.get(file.checksum) ?? ESM_SYNTAX.test(readFileSync(file.path, 'utf8'))))) {
    if (requiredChecksum.get(file.path) !== file.checksum) delete requireUser.cache[file.path];
    try {
      const mod = requireUser(file.path) as Record<string, unknown>;
      requiredChecksum.set(file.path, file.checksum);
      return mod;
    } catch (err) {
      const code = (err as { code?: string }).code;
      const esmSyntax = err instanceof SyntaxError && /\b(import|export)\b|Cannot use import statement|Unexpected token 'export'/.test(err.message);
      if (!(code && ESM_ONLY.has(code)) && !esmSyntax) throw err;
      delete requireUser.cache[file.path];
    }
  }
  return importUserModule(file.path, { cacheKey: file.checksum.slice(0, 16) });
}

/** Loads a migration (a changed file is loaded afresh: cache-busted by checksum) and checks its exports. */
export async function loadMigration(file: MigrationFile): Promise<LoadedMigration> {
  let mod: Record<string, unknown>;
  try {
    mod = await importMigration(file);
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
