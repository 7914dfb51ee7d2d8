/**
 * The built-in engine's declarative load profile (JSON, e.g. load/notes.profile.json), validated
 * with zod at the edge. Always bounded: a run has a duration or an amount, never neither.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { parseDuration } from '../../config/duration.ts';
import { loadErrors } from './errors.ts';

const duration = z.union([z.number().int().positive(), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') return v;
  const ms = parseDuration(v);
  if (ms === undefined || ms <= 0) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration; write 10s, 500ms or 1m` });
    return z.NEVER;
  }
  return ms;
});

const requestSchema = z.object({
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']).default('GET'),
  path: z.string().startsWith('/', 'path must start with "/", e.g. "/notes?limit=20"'),
  body: z.union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())]).optional(),
  headers: z.record(z.string(), z.string()).optional(),
});

const MAX_DURATION_MS = 30 * 60_000;

export const profileSchema = z
  .object({
    name: z.string().optional(),
    description: z.string().optional(),
    requests: z.array(requestSchema).min(1, 'requests: list at least one request, e.g. [{ "method": "GET", "path": "/health" }]'),
    connections: z.number().int().min(1).max(10_000).default(10),
    /** Run length (ms or "10s"); ignored when `amount` is set. */
    duration: duration.optional(),
    /** Total number of requests instead of a duration. */
    amount: z.number().int().positive().optional(),
    /** Warm-up before measuring; its requests are not counted. */
    warmup: z.object({ duration: duration.optional(), amount: z.number().int().positive().optional(), connections: z.number().int().min(1).optional() }).optional(),
    /** Per-request timeout. */
    requestTimeout: duration.default(10_000),
    headers: z.record(z.string(), z.string()).optional(),
    thresholds: z.record(z.string(), z.array(z.string())).optional(),
  })
  .strict()
  .refine((p) => p.duration === undefined || p.duration <= MAX_DURATION_MS, { message: 'duration: at most 30m', path: ['duration'] });

export type LoadProfile = z.output<typeof profileSchema>;
export type LoadProfileInput = z.input<typeof profileSchema>;

export function parseProfile(raw: unknown, source = 'profile'): LoadProfile {
  const r = profileSchema.safeParse(raw);
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
    throw loadErrors.SHIPGATE_LOAD_PROFILE_INVALID({ file: source, problems });
  }
  return r.data;
}

export async function readProfile(file: string): Promise<LoadProfile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw loadErrors.SHIPGATE_LOAD_PROFILE_INVALID({ file, problems: [`cannot read it: ${(err as Error).message}`] });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw loadErrors.SHIPGATE_LOAD_PROFILE_INVALID({ file, problems: [`not valid JSON: ${(err as Error).message}`] });
  }
  return parseProfile(raw, file);
}

/** Bounded always: with neither duration nor amount, 10 seconds. */
export function runLength(p: LoadProfile): { durationMs?: number; amount?: number } {
  if (p.amount !== undefined) return { amount: p.amount };
  return { durationMs: p.duration ?? 10_000 };
}
