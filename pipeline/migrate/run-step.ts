/** Runs one phase of a migration (up, verify, down) and turns a throw into SHIPGATE_MIGRATION_FAILED with its stack. */
import { sep } from 'node:path';
import { isShipgateError, type ShipgateError } from '../errors.ts';
import { redactText } from '../secrets/redact.ts';
import { migrateErrors } from './errors.ts';
import type { MigrationFile } from './types.ts';

export function migrationFailed(m: Pick<MigrationFile, 'id' | 'path'>, phase: string, err: unknown): ShipgateError {
  if (isShipgateError(err)) return err;
  const e = err instanceof Error ? err : new Error(String(err));
  // The migration's own frames (file:line), without the engine's frames and the cache-busting query.
  const frames = (e.stack ?? '').split('\n').slice(1).map((l) => l.replace(/\?v=[0-9a-f]+/g, ''));
  const engine = frames.findIndex((l) => l.includes(`${sep}pipeline${sep}migrate${sep}`) && !l.includes(m.path));
  const stack = frames.slice(0, engine === -1 ? 8 : Math.max(engine, 1)).filter((l) => !l.includes('node:internal')).join('\n');
  return migrateErrors.SHIPGATE_MIGRATION_FAILED({ id: m.id, file: m.path, phase, reason: redactText(e.message), stack: redactText(stack) }, err);
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await fn();
  return { value, ms: Math.round(performance.now() - start) };
}
