/**
 * Action inputs, read once at the edge (INPUT_<NAME> through @actions/core) and validated with
 * zod; a bad input fails the step with the accepted values named.
 */
import * as core from '@actions/core';
import type { z } from 'zod';
import { coreErrors } from '../../../pipeline/errors.ts';

export function readInputs<T extends z.ZodType>(schema: T, names: readonly string[]): z.infer<T> {
  const raw: Record<string, string | undefined> = {};
  for (const n of names) {
    const v = core.getInput(n);
    if (v !== '') raw[n] = v;
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    throw coreErrors.SHIPGATE_USAGE({ problem: r.error.issues.map((i) => `input ${i.path.join('.') || '(inputs)'}: ${i.message}`).join('; '), usage: `inputs: ${names.join(', ')} (see action.yml)` });
  }
  return r.data;
}

export const list = (s: string) => s.split(/[\s,]+/).map((x) => x.trim()).filter(Boolean);
