/**
 * `shipgate migrate create <name>`: a new migration file, numbered after the highest in the folder,
 * written from a template, never over an existing file.
 *
 * - Number: four digits (max + 1) in a NNNN folder; in a folder of migrate-mongo timestamps
 *   (YYYYMMDDHHMMSS-name) the current UTC time, as migrate-mongo names them.
 * - Template: the folder's own `.template.ts|.js|.mjs|.cjs` if present, else migrate-mongo's
 *   `sample-migration.js|.ts|.mjs|.cjs` if present (its extension is the new file's); `{{name}}`,
 *   `{{id}}` and `{{description}}` in it are replaced. Else a built-in template in the folder's
 *   language: the extension of the newest migration (for .js, CommonJS when that file uses
 *   module.exports, else ESM); in an empty folder, .ts when the repository has a tsconfig.json,
 *   else .js in the module system of the nearest package.json ("type": "module" → ESM).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { coreErrors } from '../errors.ts';
import { MIGRATION_FILE } from './discover.ts';

export const NEW_MIGRATION_NAME = /^[a-z0-9][a-z0-9_-]{0,79}$/i;
export const TEMPLATE_FILES = ['.template.ts', '.template.js', '.template.mjs', '.template.cjs', 'sample-migration.js', 'sample-migration.ts', 'sample-migration.mjs', 'sample-migration.cjs'];

export type MigrationLanguage = 'ts' | 'esm' | 'cjs' | 'mjs' | 'cts';

export interface CreateMigrationOptions {
  /** The migrations folder (absolute, or relative to the cwd). Created when missing. */
  dir: string;
  name: string;
  /** The user's repository (tsconfig.json / package.json decide the language of a first migration). */
  root?: string;
  now?: Date;
}

export interface CreatedMigration {
  path: string;
  id: string;
  /** Where the content came from: the template file's path, or "built-in (<language>)". */
  template: string;
  createdDir: boolean;
}

const USAGE = 'shipgate migrate create <name>   (letters, digits, - and _; e.g. add-index)';

/** YYYYMMDDHHMMSS in UTC (migrate-mongo's file names). */
export function timestampOf(d: Date): string {
  return d.toISOString().replace(/[^0-9]/g, '').slice(0, 14);
}

export async function createMigration(opts: CreateMigrationOptions): Promise<CreatedMigration> {
  const name = opts.name.trim();
  if (!NEW_MIGRATION_NAME.test(name)) {
    throw coreErrors.SHIPGATE_USAGE({
      problem: `<name> "${opts.name}" is not a migration name: use letters, digits, - and _ (starting with a letter or digit, at most 80), e.g. add-index`,
      usage: USAGE,
    });
  }
  const dir = resolve(opts.dir);
  const createdDir = !existsSync(dir);
  if (createdDir) await mkdir(dir, { recursive: true });
  const names = (await readdir(dir)).sort();
  const migrations = names.filter((n) => MIGRATION_FILE.test(n) && !n.endsWith('.d.ts'));
  const numbers = migrations.map((n) => MIGRATION_FILE.exec(n)?.[1] as string);
  const timestamps = numbers.some((n) => n.length === 14);
  let number: string;
  if (timestamps) {
    const highest = Math.max(0, ...numbers.map(Number));
    const now = Number(timestampOf(opts.now ?? new Date()));
    number = String(Math.max(now, highest + 1));
  } else {
    const next = Math.max(0, ...numbers.map(Number)) + 1;
    if (next > 9999) throw coreErrors.SHIPGATE_USAGE({ problem: `the migrations in ${opts.dir} already reach 9999`, usage: USAGE });
    number = String(next).padStart(4, '0');
  }
  const id = `${number}-${name}`;

  const templateName = TEMPLATE_FILES.find((t) => names.includes(t));
  let ext: string;
  let content: string;
  let template: string;
  if (templateName) {
    template = join(dir, templateName);
    ext = templateName.slice(templateName.lastIndexOf('.'));
    content = (await readFile(template, 'utf8')).replaceAll('{{name}}', name).replaceAll('{{id}}', id).replaceAll('{{description}}', name.replace(/[-_]+/g, ' '));
  } else {
    const lang = await languageOf(dir, migrations, opts.root);
    ext = { ts: '.ts', cts: '.cts', esm: '.js', cjs: '.js', mjs: '.mjs' }[lang];
    content = builtInTemplate(lang, { id, name, migrateMongo: timestamps });
    template = `built-in (${lang === 'ts' || lang === 'cts' ? 'TypeScript' : lang === 'cjs' ? 'CommonJS' : 'ES module'})`;
  }
  // migrate-mongo's .cts is not a migration extension here: TypeScript files are .ts.
  if (ext === '.cts') ext = '.ts';
  const path = join(dir, `${id}${ext}`);
  try {
    await writeFile(path, content, { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw coreErrors.SHIPGATE_USAGE({ problem: `${path} already exists; it was left as it is`, usage: USAGE });
    throw err;
  }
  return { path, id, template, createdDir };
}

async function languageOf(dir: string, migrations: string[], root?: string): Promise<MigrationLanguage> {
  const newest = migrations.at(-1);
  if (newest) {
    if (newest.endsWith('.ts')) return 'ts';
    if (newest.endsWith('.mjs')) return 'mjs';
    if (newest.endsWith('.cjs')) return 'cjs';
    const source = await readFile(join(dir, newest), 'utf8');
    return /\bmodule\.exports\b|^\s*exports\.\w+\s*=/m.test(source) ? 'cjs' : 'esm';
  }
  if (root && existsSync(join(root, 'tsconfig.json'))) return 'ts';
  return (await nearestPackageType(dir)) === 'module' ? 'esm' : 'cjs';
}

async function nearestPackageType(from: string): Promise<string | undefined> {
  let d = from;
  for (;;) {
    const pkg = join(d, 'package.json');
    if (existsSync(pkg)) {
      try {
        return (JSON.parse(await readFile(pkg, 'utf8')) as { type?: string }).type ?? 'commonjs';
      } catch {
        return undefined;
      }
    }
    const up = dirname(d);
    if (up === d) return undefined;
    d = up;
  }
}

function builtInTemplate(lang: MigrationLanguage, m: { id: string; name: string; migrateMongo: boolean }): string {
  const description = m.name.replace(/[-_]+/g, ' ');
  const body = (indent: string) => [
    `${indent}// Write the change here, using only the db (and ctx) you are given, e.g.:`,
    `${indent}// await db.collection('notes').createIndex({ createdAt: -1 }, { name: 'notes_createdAt_desc' });`,
    `${indent}ctx.log('${m.id}: nothing to do yet');`,
  ].join('\n');
  const downBody = (indent: string) => [
    `${indent}// Undo up() here (or delete down and export irreversible = true), e.g.:`,
    `${indent}// await db.collection('notes').dropIndex('notes_createdAt_desc');`,
    `${indent}ctx.log('${m.id}: nothing to undo yet');`,
  ].join('\n');
  const header = `/**\n * ${m.id}: ${description}.\n * Runs once per database, in number order (shipgate migrate plan | rehearse | apply); see docs/migrations.md.\n */\n`;
  if (lang === 'ts' || lang === 'cts') {
    return `${header}import type { Migration } from 'shipgate/migrate';

export const description = '${description}';

export const up: Migration['up'] = async (db, ctx) => {
${body('  ')}
};

export const down: Migration['down'] = async (db, ctx) => {
${downBody('  ')}
};
`;
  }
  if (lang === 'esm' || lang === 'mjs') {
    return `${header}/** @typedef {import('shipgate/migrate').Migration} Migration */

export const description = '${description}';

/** @type {Migration['up']} */
export async function up(db, ctx) {
${body('  ')}
}

/** @type {Migration['down']} */
export async function down(db, ctx) {
${downBody('  ')}
}
`;
  }
  // CommonJS, shaped like migrate-mongo's sample (the second argument also answers client.db()).
  return `${header}module.exports = {
  description: '${description}',

  /** @type {import('shipgate/migrate').Migration['up']} */
  async up(db, ctx) {
${body('    ')}
  },

  /** @type {import('shipgate/migrate').Migration['down']} */
  async down(db, ctx) {
${downBody('    ')}
  },
};
`;
}
