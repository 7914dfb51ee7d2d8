/**
 * Building blocks of the config schema. Zod only carries a message string per issue, so a hint is
 * appended after HINT_SEPARATOR and split off again by problems.ts; strict objects record their
 * allowed keys in the message so an unknown key can get a "did you mean" suggestion.
 */
import { z } from 'zod';
import { parseDuration } from './duration.ts';

export const HINT_SEPARATOR = '\u0000hint:';
export const KNOWN_KEYS_PREFIX = '\u0000known:';

/** A message with a hint, in the one string zod keeps. */
export function withHint(message: string, hint: string): string {
  return `${message}${HINT_SEPARATOR}${hint}`;
}

/** An object that rejects unknown keys, remembering its allowed keys for suggestions. */
export function strict<T extends z.core.$ZodLooseShape>(shape: T) {
  const known = Object.keys(shape).join(',');
  return z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? `${KNOWN_KEYS_PREFIX}${known}` : undefined),
  });
}

/** A duration written as `90s`, `5m`, `4h`, `1h30m`; parsed to milliseconds. */
export function duration() {
  return z
    .string({ error: withHint('expected a duration string', 'write e.g. 90s, 5m, 4h') })
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined) {
        ctx.issues.push({
          code: 'custom',
          input: text,
          message: withHint(`"${text}" is not a duration; write e.g. 90s, 5m, 4h`, 'units are ms, s, m, h, d; combine them as 1h30m'),
        });
        return z.NEVER;
      }
      return ms;
    });
}

/** A duration with a default, written the way a person would write it. */
export function durationOr(defaultText: string) {
  return duration().prefault(defaultText);
}

const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;

/** The NAME of an environment variable (never its value): UPPER_SNAKE_CASE. */
export function envVarName() {
  return z
    .string({ error: withHint('expected the name of an environment variable', 'write e.g. STAGING_MONGODB_URI') })
    .regex(ENV_NAME, {
      error: withHint('must name an environment variable in UPPER_SNAKE_CASE', 'write the variable name, e.g. STAGING_MONGODB_URI, and put the value in that variable'),
    });
}

export function isEnvVarName(text: string): boolean {
  return ENV_NAME.test(text);
}

/** A non-empty string, with a hint saying what goes there. */
export function text(hint: string) {
  return z.string({ error: withHint('expected a string', hint) }).min(1, { error: withHint('must not be empty', hint) });
}

export function port() {
  return z
    .number({ error: withHint('expected a port number', 'use a number between 1024 and 65535') })
    .int()
    .min(1024, { error: withHint('must be at least 1024', 'pick an unprivileged port, 1024–65535') })
    .max(65535, { error: withHint('must be at most 65535', 'pick an unprivileged port, 1024–65535') });
}

/** Two distinct slot names, e.g. [blue, green]. */
export function slots() {
  return z
    .array(z.string().regex(/^[a-z][a-z0-9-]*$/, { error: withHint('slot names are lowercase words', 'e.g. blue, green') }), {
      error: withHint('expected a list of two slot names', 'write slots: [blue, green]'),
    })
    .length(2, { error: withHint('needs exactly 2 slot names', 'write slots: [blue, green]') })
    .refine((s) => s[0] !== s[1], { error: withHint('the 2 slot names must differ', 'write slots: [blue, green]') });
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] as number;
      const cost = a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1;
      row[j] = Math.min((row[j] as number) + 1, (row[j - 1] as number) + 1, prev + cost);
      prev = tmp;
    }
  }
  return row[b.length] as number;
}

/** The closest known word, if it is close enough to be a likely typo. */
export function closest(word: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(word, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}
