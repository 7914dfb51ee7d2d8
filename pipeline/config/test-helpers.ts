/** Test helpers for the config area: write YAML to a real temp file and collect the problems loading it reports. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isShipgateError, type ShipgateError } from '../errors.ts';
import { loadConfig } from './load.ts';
import type { ConfigProblem } from './problems.ts';

export const tempDir = (): string => mkdtempSync(join(tmpdir(), 'shipgate-config-'));

export function writeConfig(dir: string, text: string, name = 'shipgate.yml'): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** Loads the file and returns the thrown ShipgateError (fails the test if loading succeeds). */
export async function loadError(file: string): Promise<ShipgateError> {
  try {
    await loadConfig({ file });
  } catch (err) {
    if (isShipgateError(err)) return err;
    throw err;
  }
  throw new Error(`expected ${file} to be invalid, but it loaded`);
}

export function problemsOf(err: ShipgateError): ConfigProblem[] {
  return err.details.problems as ConfigProblem[];
}

/** The 1-based line carrying the `# <-` marker in a test YAML text. */
export function markedLine(text: string): number {
  const i = text.split('\n').findIndex((l) => l.includes('# <-'));
  if (i < 0) throw new Error('test YAML has no "# <-" marker');
  return i + 1;
}
