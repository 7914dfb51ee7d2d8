/** The Node version the app asks for (package.json `engines.node`) against the one it will run on. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import semver from 'semver';
import { environmentByName } from '../config/lookup.ts';
import { inRepo } from '../repo.ts';
import { failed, passed, skipped, type Finding, type PreflightCheck } from './types.ts';

export interface EnginesFacts {
  /** package.json that was read, relative to the repository; undefined when the app has none. */
  file?: string;
  range?: string;
  /** The Node that will run the app, when known (the process provider runs it here). */
  runtime?: string;
  platform: string;
}

/** Pure. */
export function evaluateEngines(f: EnginesFacts): Finding {
  if (!f.file) return skipped('the app has no package.json: not a Node app');
  if (!f.range) return skipped(`${f.file} has no engines.node: ${f.platform === 'process' ? 'any Node runs it' : 'the platform picks its default Node'}`, 'pin the Node version: "engines": { "node": ">=20" }');
  if (!semver.validRange(f.range)) return failed(`${f.file} engines.node "${f.range}" is not a version range`, 'write a semver range, e.g. ">=20" or "20.x"');
  if (f.runtime === undefined) return passed(`${f.file} asks for Node ${f.range}; ${f.platform} builds with it`);
  if (!semver.satisfies(f.runtime, f.range)) return failed(`${f.file} asks for Node ${f.range}, but Node ${f.runtime} would run it`, `install a Node that satisfies ${f.range} (e.g. with nvm), or change engines.node`);
  return passed(`Node ${f.runtime} satisfies ${f.file} engines.node ${f.range}`);
}

export const nodeEnginesCheck: PreflightCheck = {
  id: 'node-engines',
  title: (env) => `Node version for ${env}`,
  async run(ctx) {
    const e = environmentByName(ctx.config, ctx.env);
    const candidates = [...(ctx.config.app.cwd ? [join(ctx.config.app.cwd, 'package.json')] : []), 'package.json'];
    for (const rel of candidates) {
      const text = await readFile(inRepo({ root: ctx.repoRoot }, rel), 'utf8').catch(() => undefined);
      if (text === undefined) continue;
      let pkg: { engines?: { node?: unknown } };
      try {
        pkg = JSON.parse(text) as typeof pkg;
      } catch (err) {
        return failed(`${rel} is not valid JSON: ${(err as Error).message}`, `fix ${rel}`);
      }
      const range = typeof pkg.engines?.node === 'string' ? pkg.engines.node : undefined;
      return evaluateEngines({ file: rel, ...(range ? { range } : {}), ...(e.deploy.provider === 'process' ? { runtime: process.versions.node } : {}), platform: e.deploy.provider });
    }
    return evaluateEngines({ platform: e.deploy.provider });
  },
};
