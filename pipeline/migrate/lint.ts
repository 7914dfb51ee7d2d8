/**
 * `migrate lint --base <ref>` for PR checks: compares the migrations folder with the same folder
 * at the base ref. Errors: a base migration edited or removed, a new one not numbered after the
 * highest on base, duplicate or malformed names, a file without an exported up. Risks (reported,
 * not errors): destructive operations and irreversible migrations in new or changed files.
 */
import { execFile } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { join, relative, resolve, posix, sep } from 'node:path';
import { promisify } from 'node:util';
import { MIGRATION_FILE, sha256, showNumber } from './discover.ts';
import { migrateErrors } from './errors.ts';

const run = promisify(execFile);

export interface LintFinding {
  file: string;
  severity: 'error' | 'risk';
  rule: 'edited' | 'removed' | 'order' | 'duplicate' | 'name' | 'no-up' | 'destructive' | 'irreversible' | 'connection';
  message: string;
}

export interface LintResult {
  baseRef: string;
  baseHighest: number;
  newMigrations: string[];
  findings: LintFinding[];
  ok: boolean;
}

export interface LintOptions {
  dir: string;
  baseRef: string;
  /** The git work tree (default: the folder's own repository). */
  repoDir?: string;
}

const DESTRUCTIVE: Array<[RegExp, string]> = [
  [/\.drop\(\s*\)/, 'drops a collection (drop())'],
  [/\bdropCollection\(/, 'drops a collection (dropCollection)'],
  [/\bdropDatabase\(/, 'drops the database'],
  [/\bdeleteMany\(\s*(\{\s*\})?\s*\)/, 'deleteMany without a filter deletes every document'],
  [/\.rename\(|\brenameCollection\(/, 'renames a collection'],
  [/\$rename\b/, 'renames fields ($rename)'],
  [/\$unset\b/, 'removes fields ($unset)'],
  [/\bdropIndex(es)?\(/, 'drops an index'],
];
const EXPORTS_UP = new RegExp([
  /export\s+(async\s+)?function\s+up\b|export\s+(const|let|var)\s+up\b|export\s*\{[^}]*\bup\b[^}]*\}|export\s+default\s*\{[^}]*\bup\b/.source,
  // CommonJS, as migrate-mongo writes them: module.exports = { async up(db, client) {…} }, exports.up = …
  /module\.exports\s*=\s*\{[^}]*\bup\b|(module\.)?exports\.up\s*=/.source,
].join('|'));
/** Code that opens its own connection: neither the plan sandbox nor a rehearsal can confine it. */
const OWN_CONNECTION: Array<[RegExp, string]> = [
  [/\bnew\s+MongoClient\b|\bMongoClient\.connect\(/, 'opens its own MongoClient: plan and rehearse cannot confine it (use the db and ctx it is given)'],
  [/\bprocess\.env\b/, 'reads process.env: a migration should use only the db and ctx it is given'],
];
const IRREVERSIBLE = /export\s+const\s+irreversible\s*=\s*true/;

async function git(repoDir: string, args: string[], baseRef: string): Promise<Buffer> {
  try {
    const { stdout } = await run('git', args, { cwd: repoDir, encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    throw migrateErrors.SHIPGATE_LINT_GIT({ baseRef, reason: (e.stderr?.toString() || e.message).trim().split('\n')[0] ?? 'git failed' }, err);
  }
}

const numberOf = (name: string) => Number(MIGRATION_FILE.exec(name)?.[1] ?? NaN);

export async function lintMigrations(opts: LintOptions): Promise<LintResult> {
  const dir = resolve(opts.dir);
  const repoDir = opts.repoDir ? resolve(opts.repoDir) : (await git(dir, ['rev-parse', '--show-toplevel'], opts.baseRef)).toString().trim();
  const rel = relative(repoDir, dir).split(sep).join(posix.sep);
  await git(repoDir, ['rev-parse', '--verify', '--quiet', `${opts.baseRef}^{commit}`], opts.baseRef);
  const listed = (await git(repoDir, ['ls-tree', '--name-only', `${opts.baseRef}:${rel || '.'}`], opts.baseRef).catch(() => Buffer.from('')))
    .toString().split('\n').filter((n) => MIGRATION_FILE.test(n));
  const base = new Map<string, { checksum: string; source: string }>();
  for (const name of listed) {
    const bytes = await git(repoDir, ['show', `${opts.baseRef}:${rel ? `${rel}/` : ''}${name}`], opts.baseRef);
    base.set(name, { checksum: sha256(bytes), source: bytes.toString() });
  }
  const baseHighest = Math.max(0, ...listed.map(numberOf));
  const current = new Map<string, { checksum: string; source: string }>();
  const findings: LintFinding[] = [];
  for (const name of (await readdir(dir).catch(() => [] as string[])).sort()) {
    if (name.endsWith('.d.ts') || /\.(test|spec)\.[jt]s$/.test(name)) continue;
    if (!MIGRATION_FILE.test(name)) {
      if (/^\d/.test(name)) findings.push({ file: name, severity: 'error', rule: 'name', message: 'name does not match NNNN-name.ts|js (or a 14-digit migrate-mongo timestamp-name)' });
      continue;
    }
    const bytes = await readFile(join(dir, name));
    current.set(name, { checksum: sha256(bytes), source: bytes.toString() });
  }
  const byChecksum = new Map([...current].map(([n, f]) => [f.checksum, n]));
  for (const [name, b] of base) {
    const now = current.get(name);
    if (!now) {
      const moved = byChecksum.get(b.checksum);
      findings.push({ file: name, severity: 'error', rule: 'removed', message: moved ? `exists on ${opts.baseRef} (applied there) and was renumbered to ${moved}` : `exists on ${opts.baseRef} (applied there) and was removed` });
    } else if (now.checksum !== b.checksum) {
      findings.push({ file: name, severity: 'error', rule: 'edited', message: `exists on ${opts.baseRef} (applied there) and was edited: put the change in a new migration` });
    }
  }
  const seen = new Map<number, string>();
  const newMigrations: string[] = [];
  for (const [name, f] of current) {
    const n = numberOf(name);
    const other = seen.get(n);
    if (other) findings.push({ file: name, severity: 'error', rule: 'duplicate', message: `duplicate number ${showNumber(n)} (also ${other})` });
    seen.set(n, name);
    if (!base.has(name)) {
      newMigrations.push(name);
      if (n <= baseHighest) findings.push({ file: name, severity: 'error', rule: 'order', message: `new migration numbered ${showNumber(n)}, not after the highest on ${opts.baseRef} (${showNumber(baseHighest)})` });
    }
    if (!EXPORTS_UP.test(f.source)) findings.push({ file: name, severity: 'error', rule: 'no-up', message: 'does not export an up(db, ctx) function' });
    if (base.get(name)?.checksum === f.checksum) continue;
    for (const [re, what] of DESTRUCTIVE) if (re.test(f.source)) findings.push({ file: name, severity: 'risk', rule: 'destructive', message: what });
    for (const [re, what] of OWN_CONNECTION) if (re.test(f.source)) findings.push({ file: name, severity: 'risk', rule: 'connection', message: what });
    if (IRREVERSIBLE.test(f.source)) findings.push({ file: name, severity: 'risk', rule: 'irreversible', message: 'marked irreversible: only a backup restores the data' });
  }
  return { baseRef: opts.baseRef, baseHighest, newMigrations, findings, ok: !findings.some((f) => f.severity === 'error') };
}

export function renderLintText(r: LintResult): string {
  const head = `${r.ok ? '✓' : '✗'} migrations lint against ${r.baseRef}: ${r.newMigrations.length} new, ${r.findings.filter((f) => f.severity === 'error').length} error(s), ${r.findings.filter((f) => f.severity === 'risk').length} risk(s)`;
  return [head, ...r.findings.map((f) => `  ${f.severity === 'error' ? 'error' : 'risk '} ${f.file}: ${f.message} [${f.rule}]`)].join('\n');
}

export function renderLintMarkdown(r: LintResult): string {
  const lines = [`### Migrations lint ${r.ok ? ':white_check_mark:' : ':x:'}`, '', `Against \`${r.baseRef}\`: ${r.newMigrations.length ? r.newMigrations.map((n) => `\`${n}\``).join(', ') : 'no new migrations'}.`];
  if (r.findings.length) {
    lines.push('', '| | file | finding |', '|---|---|---|');
    for (const f of r.findings) lines.push(`| ${f.severity === 'error' ? ':x: error' : ':warning: risk'} | \`${f.file}\` | ${f.message.replace(/\|/g, '\\|')} |`);
  }
  return lines.join('\n');
}
