/**
 * Loads the user's own code by path (migrations; anything a user writes that Shipgate imports).
 * Shipgate itself runs as compiled JavaScript when installed, without a TypeScript loader; a user
 * file written in TypeScript needs one, so tsx is registered the first time such a file is
 * imported — never for .js files, so a JavaScript-only repository never loads tsx. When Shipgate
 * runs from its own TypeScript sources (a checkout, the tests), a loader is already in place.
 */
import { pathToFileURL } from 'node:url';

const TYPESCRIPT_FILE = /\.(ts|mts|cts|tsx)$/i;
const runningFromSources = import.meta.url.endsWith('.ts');
let loader: Promise<void> | undefined;

/** True for a file that needs a TypeScript loader to import. */
export function isTypeScriptFile(path: string): boolean {
  return TYPESCRIPT_FILE.test(path);
}

/** Registers tsx (its ESM and CommonJS hooks) once, for files in ESM or CommonJS folders alike. */
export function ensureTypeScriptLoader(): Promise<void> {
  loader ??= (async () => {
    const esm = await import('tsx/esm/api');
    const cjs = await import('tsx/cjs/api');
    esm.register();
    cjs.register();
  })();
  return loader;
}

/**
 * Imports a user module by absolute path. `cacheKey` (e.g. the file's checksum) makes an edited
 * file load afresh in the same process.
 */
export async function importUserModule(path: string, opts: { cacheKey?: string } = {}): Promise<Record<string, unknown>> {
  if (isTypeScriptFile(path) && !runningFromSources) await ensureTypeScriptLoader();
  const url = pathToFileURL(path).href + (opts.cacheKey ? `?v=${encodeURIComponent(opts.cacheKey)}` : '');
  return (await import(url)) as Record<string, unknown>;
}
