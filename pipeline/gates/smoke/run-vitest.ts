/**
 * Runs smoke suites in a child process: `vitest run` with smoke/vitest.smoke.config.ts, the JSON
 * reporter writing to a temp file, BASE_URL set. The child leads its own process group so an
 * overall timeout (or abort) kills vitest and every worker it started.
 *
 * vitest and the smoke config come with Shipgate (shipgateHome); the suites and the vitest root are
 * the user's repository (`cwd`), never Shipgate's own checkout.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import type { ProgressSink } from '../types.ts';
import { findWorkspace, shipgateHome } from '../../repo.ts';
import { redactText } from '../../secrets/redact.ts';
import { waitForChildGroup } from '../../local/process-group.ts';

export interface VitestRunOptions {
  url: string;
  /** Files or folders, relative to `cwd` or absolute (default ["smoke/suites"]). */
  suites?: string[];
  retries?: number;
  /** Overall deadline; the process group is killed past it. */
  timeoutMs?: number;
  /** Per-test timeout inside vitest (default 30s). */
  testTimeoutMs?: number;
  /** Extra env for the suites (auth: SMOKE_TOKEN, SMOKE_AUTH_HEADER, EXPECT_VERSION…). */
  env?: Record<string, string>;
  /** The user's repository: the suites are relative to it and vitest runs in it (default: the repository around process.cwd()). */
  cwd?: string;
  signal?: AbortSignal;
  progress?: ProgressSink;
}

export interface VitestRun {
  exitCode: number | null;
  timedOut: boolean;
  aborted: boolean;
  /** Parsed JSON report; undefined when vitest wrote none (crash, killed). */
  report?: unknown;
  outputTail: string;
  include: string[];
}

/** The test files a suite folder holds: vitest's own pattern (`.test`/`.spec`, JavaScript or TypeScript, ESM or CommonJS). */
export const SUITE_FILE_GLOB = '**/*.{test,spec}.?(c|m)[jt]s?(x)';

/** A folder becomes `<folder>/` + SUITE_FILE_GLOB; a file stays as it is. Paths relative to `cwd`. */
export async function includeGlobs(suites: readonly string[], cwd: string): Promise<string[]> {
  const out: string[] = [];
  for (const s of suites) {
    const clean = relative(cwd, resolve(cwd, s)) || '.';
    const isDir = await stat(resolve(cwd, clean)).then((st) => st.isDirectory(), () => false);
    out.push(isDir ? `${clean === '.' ? '' : `${clean}/`}${SUITE_FILE_GLOB}` : clean);
  }
  return out;
}

/**
 * Where vitest and the smoke config come from: Shipgate's own package when its dependencies are
 * installed (the checkout, or node_modules/shipgate); else — the published action's checkout on a
 * runner, which has no node_modules — the shipgate package the user's repository installed
 * (`npm ci` with shipgate as a devDependency).
 */
function smokeHome(cwd: string): { home: string; vitest: string } {
  for (const home of [shipgateHome, join(cwd, 'node_modules/shipgate')]) {
    try {
      return { home, vitest: join(dirname(createRequire(join(home, 'package.json')).resolve('vitest/package.json')), 'vitest.mjs') };
    } catch {
      /* not there: the next candidate */
    }
  }
  return { home: shipgateHome, vitest: join(shipgateHome, 'node_modules/vitest/vitest.mjs') };
}

export async function runVitest(opts: VitestRunOptions): Promise<VitestRun> {
  const cwd = opts.cwd ?? findWorkspace().root;
  const include = await includeGlobs(opts.suites?.length ? opts.suites : ['smoke/suites'], cwd);
  const dir = await mkdtemp(join(tmpdir(), 'shipgate-smoke-'));
  const reportFile = join(dir, 'report.json');
  // vitest and the smoke config come with Shipgate; the suites live in `cwd` (the app's repository).
  const { home, vitest } = smokeHome(cwd);
  const args = [
    vitest, 'run',
    '--config', join(home, 'smoke/vitest.smoke.config.ts'), '--root', cwd,
    '--reporter=json', '--outputFile', reportFile, '--reporter=default',
    '--retry', String(Math.max(0, opts.retries ?? 0)),
  ];
  // The child must not inherit a surrounding vitest's worker state.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(VITEST|TINYPOOL|NODE_OPTIONS$)/.test(k)));
  const env = {
    ...inherited, ...(opts.env ?? {}),
    BASE_URL: opts.url, SHIPGATE_BASE_URL: opts.url, SHIPGATE_SMOKE_INCLUDE: JSON.stringify(include), FORCE_COLOR: '0', NO_COLOR: '1', CI: '1',
    ...(opts.testTimeoutMs ? { SHIPGATE_SMOKE_TEST_TIMEOUT_MS: String(opts.testTimeoutMs) } : {}),
  };
  try {
    const child = spawn(process.execPath, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const t0 = Date.now();
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output = (output + text).slice(-8000);
      for (const line of text.split('\n')) {
        const l = line.trim();
        if (/^(✓|×|❯|↓|FAIL)/.test(l)) opts.progress?.({ gate: 'smoke', message: `${((Date.now() - t0) / 1000).toFixed(0)}s · ${l.slice(0, 140)}` });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const { exitCode, timedOut, aborted } = await waitForChildGroup(child, { timeoutMs: opts.timeoutMs ?? 5 * 60_000, signal: opts.signal });
    let report: unknown;
    if (!timedOut && !aborted) {
      report = await readFile(reportFile, 'utf8').then((t) => JSON.parse(t) as unknown, () => undefined);
    }
    const outputTail = redactText(output.trim().split('\n').slice(-25).join('\n'));
    return { exitCode, timedOut, aborted, ...(report !== undefined ? { report } : {}), outputTail, include };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
