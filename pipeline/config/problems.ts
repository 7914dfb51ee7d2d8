/**
 * Config problems: what went wrong, where (YAML path and line) and how to fix it. Turns zod issues
 * into problems with plain-English messages, and finds the line of a path in the YAML document.
 */
import type { z } from 'zod';
import { isMap, isScalar, isSeq, type Document, type LineCounter } from 'yaml';
import { redactText } from '../secrets/redact.ts';
import { closest, HINT_SEPARATOR, KNOWN_KEYS_PREFIX } from './schema-kit.ts';

export type PathSegment = string | number;

/** One problem as shown to people: `file:line  path: message (hint)`. */
export interface ConfigProblem {
  readonly path: string;
  readonly line: number | undefined;
  readonly message: string;
  readonly hint: string | undefined;
}

/** A problem before it has been located in the file. */
export interface RawProblem {
  path: PathSegment[];
  message: string;
  hint?: string | undefined;
}

export function formatPath(path: readonly PathSegment[]): string {
  return path.reduce<string>((acc, seg) => (typeof seg === 'number' ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}

export function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  let node = data;
  for (const seg of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[seg as string];
  }
  return node;
}

/** A value as a person would name it, never long and never a secret. */
export function describeValue(value: unknown): string {
  if (value === null) return 'nothing (an empty value)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') {
    const shown = redactText(value);
    return `"${shown.length > 40 ? `${shown.slice(0, 37)}…` : shown}"`;
  }
  return `${typeof value} ${String(value)}`;
}

const WRITE: Record<string, string> = {
  string: 'write text here, quoted if it contains ": " or starts with # or @',
  number: 'write a plain number, e.g. 3 (no quotes)',
  boolean: 'write true or false (no quotes)',
  array: 'write a list, e.g. [a, b]',
  object: 'write a map: indented keys or { key: value }',
  record: 'write a map: indented keys or { key: value }',
};

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a map (key: value)',
  record: 'a map (key: value)',
};

function splitHint(message: string): [string, string | undefined] {
  const i = message.indexOf(HINT_SEPARATOR);
  return i < 0 ? [message, undefined] : [message.slice(0, i), message.slice(i + HINT_SEPARATOR.length)];
}

/** Turns one zod issue into problems (an unknown-keys issue becomes one problem per key). */
export function problemsFromIssue(issue: z.core.$ZodIssue, data: unknown): RawProblem[] {
  const path = issue.path.filter((s): s is PathSegment => typeof s !== 'symbol');
  const [message, hint] = splitHint(issue.message);
  const value = valueAt(data, path);
  const last = path[path.length - 1];
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = message.startsWith(KNOWN_KEYS_PREFIX) ? message.slice(KNOWN_KEYS_PREFIX.length).split(',') : [];
      return issue.keys.map((key) => {
        const guess = closest(key, known);
        return {
          path: [...path, key],
          message: guess ? `unknown key; did you mean "${guess}"?` : 'unknown key',
          hint: known.length ? `allowed here: ${known.join(', ')}` : 'remove it',
        };
      });
    }
    case 'invalid_union': {
      if (!('discriminator' in issue) || !issue.discriminator) break;
      const options = (('options' in issue ? issue.options : []) as unknown[]).map(String).join('|');
      return [
        {
          path,
          message: value === undefined ? `is required: one of ${options}` : `expected one of ${options}, got ${describeValue(value)}`,
          hint: 'each provider takes its own keys; see the provider tables in docs/configuration.md',
        },
      ];
    }
    case 'invalid_type':
      if (value === undefined) {
        const parent = formatPath(path.slice(0, -1)) || 'the top level';
        return [{ path, message: 'is required', hint: hint ?? `add ${String(last)}: under ${parent}` }];
      }
      return [{ path, message: `expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${describeValue(value)}`, hint: hint ?? WRITE[issue.expected] }];
    case 'invalid_value':
      return [{ path, message: `expected one of ${issue.values.map(String).join('|')}, got ${describeValue(value)}`, hint: hint ?? 'use one of the values listed' }];
    case 'too_small':
    case 'too_big': {
      if (hint) return [{ path, message, hint }];
      const bound = issue.code === 'too_small' ? `at least ${issue.minimum}` : `at most ${issue.maximum}`;
      const what = issue.origin === 'array' ? `needs ${bound} item(s)` : `must be ${bound}`;
      return [{ path, message: `${what}, got ${describeValue(value)}`, hint: 'see docs/configuration.md for the allowed range' }];
    }
    case 'invalid_key': {
      const [inner, innerHint] = splitHint(issue.issues[0]?.message ?? 'invalid key');
      return [{ path, message: `${inner} (got "${String(last)}")`, hint: innerHint }];
    }
    default:
      break;
  }
  return [{ path, message: hint ? message : message.replace(/^Invalid input: /, ''), hint }];
}

/** The 1-based line of the deepest part of `path` that exists in the document. */
export function lineOf(doc: Document, counter: LineCounter, path: readonly PathSegment[]): number | undefined {
  const start = (n: unknown): number | undefined => {
    const range = (n as { range?: [number, number, number] } | null)?.range;
    return range ? counter.linePos(range[0]).line : undefined;
  };
  let node: unknown = doc.contents;
  let line = start(node) ?? 1;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => String(isScalar(p.key) ? p.key.value : p.key) === String(seg));
      if (!pair) return line;
      line = start(pair.key) ?? line;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
      node = node.items[seg];
      line = start(node) ?? line;
    } else {
      return line;
    }
  }
  return isScalar(node) ? (start(node) ?? line) : line;
}
