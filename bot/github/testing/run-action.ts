/**
 * Runs a bundled action the way the Actions runner does: `node dist/index.js` with each input as
 * INPUT_<NAME> (upper-cased, spaces → _), GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, and the
 * workflow's env. Returns the exit code, parsed outputs, the job summary and the log.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../../../pipeline/mongo/embedded.ts';

const exec = promisify(execFile);

/** Builds every action bundle into a fresh folder inside the checkout (so node_modules resolve). */
export async function buildActions(): Promise<string> {
  await mkdir(join(repoRoot, '.shipgate'), { recursive: true });
  const out = await mkdtemp(join(repoRoot, '.shipgate/actions-'));
  await exec(process.execPath, [join(repoRoot, 'tools/build-actions.mjs'), '--out', out], { cwd: repoRoot, timeout: 180_000 });
  return out;
}

export interface ActionRun {
  code: number;
  outputs: Record<string, string>;
  summary: string;
  log: string;
}

export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i] ?? '');
    if (m) {
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== m[2]; i++) value.push(lines[i] ?? '');
      out[m[1]!] = value.join('\n');
    } else if (lines[i]?.includes('=')) {
      const [k, ...v] = (lines[i] as string).split('=');
      out[k!] = v.join('=');
    }
  }
  return out;
}

export async function runActionProcess(bundles: string, name: string, opts: { inputs: Record<string, string>; env: Record<string, string>; cwd?: string; timeoutMs?: number }): Promise<ActionRun> {
  const dir = await mkdtemp(join(bundles, `run-${name}-`));
  const outputFile = join(dir, 'output');
  const summaryFile = join(dir, 'summary');
  await writeFile(outputFile, '');
  await writeFile(summaryFile, '');
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...opts.env, GITHUB_ACTIONS: 'true', GITHUB_OUTPUT: outputFile, GITHUB_STEP_SUMMARY: summaryFile };
  for (const [k, v] of Object.entries(opts.inputs)) env[`INPUT_${k.replace(/ /g, '_').toUpperCase()}`] = v;
  let code = 0;
  let log = '';
  try {
    const r = await exec(process.execPath, [join(bundles, name, 'dist/index.js')], { cwd: opts.cwd ?? repoRoot, env, timeout: opts.timeoutMs ?? 300_000, maxBuffer: 32 * 1024 * 1024 });
    log = r.stdout + r.stderr;
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    code = typeof e.code === 'number' ? e.code : 1;
    log = (e.stdout ?? '') + (e.stderr ?? '');
  }
  return { code, outputs: parseOutputFile(await readFile(outputFile, 'utf8')), summary: await readFile(summaryFile, 'utf8'), log };
}
