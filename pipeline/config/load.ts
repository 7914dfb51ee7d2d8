/**
 * Loads `.github/shipgate.yml`: YAML (keeping node positions) → secret scan + schema + cross-field
 * rules, all problems collected → one SHIPGATE_CONFIG_INVALID error listing each with its YAML
 * path and line, or a deeply frozen, typed config.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Pair } from 'yaml';
import { redactText } from '../secrets/redact.ts';
import { configErrors } from './errors.ts';
import { formatPath, lineOf, problemsFromIssue, type ConfigProblem, type PathSegment, type RawProblem } from './problems.ts';
import { crossFieldProblems } from './rules.ts';
import { configSchema, type ShipgateConfig } from './schema.ts';
import { scanForSecrets } from './secret-scan.ts';

export const DEFAULT_CONFIG_FILE = '.github/shipgate.yml';

export type ValidationResult = { ok: true; config: ShipgateConfig } | { ok: false; problems: ConfigProblem[] };

/** Validates config text, collecting every problem; never throws for a problem in the file. */
export function validateConfigText(text: string): ValidationResult {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => {
        const pos = e.linePos?.[0] ?? counter.linePos(e.pos[0]);
        const what = (e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, '');
        return { path: '', line: pos.line, message: `YAML syntax error at line ${pos.line}, column ${pos.col}: ${redactText(what)}`, hint: yamlHint(e.code) };
      }),
    };
  }
  const reserved: RawProblem[] = [];
  visit(doc, {
    Pair(_key, pair, path) {
      if (isScalar(pair.key) && RESERVED_KEYS.has(String(pair.key.value))) reserved.push({ path: yamlPath(path, pair), message: 'is a reserved name', hint: 'rename this key' });
    },
  });
  if (reserved.length > 0) return { ok: false, problems: reserved.map((p) => ({ path: formatPath(p.path), line: lineOf(doc, counter, p.path), message: p.message, hint: p.hint })) };
  const data: unknown = doc.toJS({ maxAliasCount: 100 }) ?? {};
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return { ok: false, problems: [{ path: '', line: 1, message: 'the file must be a map of settings (app:, environments:, …)', hint: 'start from the example in docs/configuration.md' }] };
  }
  const raw: RawProblem[] = [...scanForSecrets(data)];
  const parsed = configSchema.safeParse(data);
  if (!parsed.success) for (const issue of parsed.error.issues) raw.push(...problemsFromIssue(issue, data));
  raw.push(...crossFieldProblems(data));

  const seen = new Set<string>();
  const problems: ConfigProblem[] = [];
  for (const p of raw) {
    const path = formatPath(p.path);
    if (seen.has(path)) continue; // one problem per path: the first (most specific) wins
    seen.add(path);
    problems.push({ path, line: lineOf(doc, counter, p.path), message: redactText(p.message), hint: p.hint === undefined ? undefined : redactText(p.hint) });
  }
  if (problems.length > 0 || !parsed.success) {
    problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    return { ok: false, problems };
  }
  return { ok: true, config: deepFreeze(parsed.data) as ShipgateConfig };
}

/** Parses config text; throws SHIPGATE_CONFIG_INVALID listing every problem. */
export function parseConfigText(text: string, fileName: string): ShipgateConfig {
  const result = validateConfigText(text);
  if (!result.ok) throw configErrors.SHIPGATE_CONFIG_INVALID({ file: fileName, problems: result.problems });
  return result.config;
}

/** Reads and parses a config file (default .github/shipgate.yml, relative to cwd). */
export async function loadConfig(opts: { file?: string; cwd?: string } = {}): Promise<ShipgateConfig> {
  const cwd = opts.cwd ?? process.cwd();
  const file = opts.file ?? DEFAULT_CONFIG_FILE;
  const absolute = isAbsolute(file) ? file : resolve(cwd, file);
  const shown = isAbsolute(file) ? file : relative(cwd, absolute) || file;
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw configErrors.SHIPGATE_CONFIG_NOT_FOUND({ file: shown }, err);
    throw err;
  }
  return parseConfigText(text, shown);
}

/** Keys that would change an object's prototype when the YAML becomes JavaScript. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** The path of a pair found by yaml's visit(), from its ancestors. */
function yamlPath(ancestors: readonly unknown[], pair: Pair): PathSegment[] {
  const path: PathSegment[] = [];
  for (let i = 0; i < ancestors.length; i++) {
    const node = ancestors[i];
    const child = ancestors[i + 1] ?? pair;
    if (isMap(node) && child && (child as Pair).key !== undefined) path.push(String(isScalar((child as Pair).key) ? ((child as Pair).key as { value: unknown }).value : (child as Pair).key));
    else if (isSeq(node)) path.push(node.items.indexOf(child as never));
  }
  return path;
}

function yamlHint(code: string): string {
  switch (code) {
    case 'DUPLICATE_KEY':
      return 'each key may appear once in a map; merge the two entries';
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
      return 'check the indentation (spaces, not tabs) and the colons on this line';
    case 'TAB_AS_INDENT':
      return 'indent with spaces, not tabs';
    default:
      return 'fix the YAML on this line (quote values that contain ": " or start with # or @)';
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
