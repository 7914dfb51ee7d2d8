/**
 * `shipgate health | smoke | load`: run one verification gate against a URL by hand or in CI.
 * Thin shell: parse flags (clear usage errors), run the gate with a progress printer (one live line
 * in a TTY, plain lines otherwise), print the verdict. Exit 0 passed, 1 failed or error.
 */
import type { Command } from 'commander';
import { coreErrors } from '../../errors.ts';
import { parseDuration } from '../../config/duration.ts';
import type { GateResult } from '../../gates/types.ts';
import { progressPrinter, toJobSummary } from '../../gates/render.ts';
import { runHealthGate } from '../../gates/health/gate.ts';
import { runSmokeGate } from '../../gates/smoke/gate.ts';
import { prepareLoad, runLoadGate, type EngineChoice } from '../../gates/load/gate.ts';
import { thresholdsFromFlags } from '../../gates/load/thresholds.ts';
import { loadErrors } from '../../gates/load/errors.ts';
import type { CommandModule } from './index.ts';

interface OutputFlags { markdown?: boolean; json?: boolean }

function url(value: string, usage: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw coreErrors.SHIPGATE_USAGE({ problem: `--url "${value}" is not a URL (write it with its scheme, e.g. http://127.0.0.1:3000)`, usage });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw coreErrors.SHIPGATE_USAGE({ problem: `--url must be http or https, got ${u.protocol}`, usage });
  return value.replace(/\/+$/, '');
}

function duration(flag: string, value: string | undefined, usage: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) throw coreErrors.SHIPGATE_USAGE({ problem: `${flag} "${value}" is not a duration (write 500ms, 30s, 5m)`, usage });
  return ms;
}

function int(flag: string, value: string | undefined, usage: string, min = 0): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min) throw coreErrors.SHIPGATE_USAGE({ problem: `${flag} "${value}" must be a whole number ≥ ${min}`, usage });
  return Number(value);
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function abortOnSigint(): { signal: AbortSignal; dispose(): void } {
  const ac = new AbortController();
  const onInt = () => ac.abort(new Error('interrupted'));
  process.once('SIGINT', onInt);
  return { signal: ac.signal, dispose: () => process.removeListener('SIGINT', onInt) };
}

function finish(out: { result: GateResult; terminal: string[] }, flags: OutputFlags): void {
  if (flags.json) console.log(JSON.stringify(out.result, null, 2));
  else if (flags.markdown) console.log(toJobSummary(out.result));
  else console.log(out.terminal.join('\n'));
  process.exitCode = out.result.status === 'passed' || out.result.status === 'skipped' ? 0 : 1;
}

async function withProgress<T>(fn: (p: ReturnType<typeof progressPrinter>, signal: AbortSignal) => Promise<T>): Promise<T> {
  const progress = progressPrinter(process.stderr);
  const sig = abortOnSigint();
  try {
    return await fn(progress, sig.signal);
  } finally {
    progress.done();
    sig.dispose();
  }
}

const HEALTH_USAGE = 'shipgate health --url <url> [--version <v>] [--path /health] [--consecutive 3] [--interval 1s] [--timeout 120s]';
const SMOKE_USAGE = 'shipgate smoke --url <url> [--suite smoke/suites ...] [--retries N] [--timeout 5m]';
const LOAD_USAGE = "shipgate load --url <url> [--profile load/notes.profile.json] [--engine builtin|k6|auto] [--script load/notes.k6.js] [--threshold 'http_req_duration=p(95)<300' ...] [--duration 10s] [--connections N]";

export const gatesCommands: CommandModule = {
  register(program: Command) {
    // `--version <v>` after a gate command is the release version, not the program's -V/--version.
    program.enablePositionalOptions();
    program
      .command('health')
      .description('poll a health endpoint until it answers healthy (2xx, JSON, db up, expected version) N times in a row')
      .requiredOption('--url <url>', 'base URL of the deployment')
      .option('--version <version>', 'version being released: the endpoint must report exactly this')
      .option('--path <path>', 'health path', '/health')
      .option('--version-field <path>', 'JSON path of the version in the body', 'version')
      .option('--db-field <path>', 'JSON path of the db status ("none" to skip)', 'db')
      .option('--consecutive <n>', 'healthy answers in a row needed', '3')
      .option('--interval <duration>', 'wait between tries (backoff grows to 4x after failures)', '1s')
      .option('--timeout <duration>', 'overall deadline', '120s')
      .option('--request-timeout <duration>', 'per-request timeout', '5s')
      .option('--markdown', 'print the markdown summary (GitHub job summary)')
      .option('--json', 'print the GateResult as JSON')
      .action(async (o: Record<string, string | undefined> & OutputFlags) => {
        const out = await withProgress((progress, signal) =>
          runHealthGate({
            url: url(o.url as string, HEALTH_USAGE),
            path: o.path ?? '/health',
            expectVersion: o.version,
            versionField: o.versionField ?? 'version',
            dbField: o.dbField === 'none' ? null : (o.dbField ?? 'db'),
            consecutive: int('--consecutive', o.consecutive, HEALTH_USAGE, 1) ?? 3,
            intervalMs: duration('--interval', o.interval, HEALTH_USAGE) ?? 1000,
            timeoutMs: duration('--timeout', o.timeout, HEALTH_USAGE) ?? 120_000,
            requestTimeoutMs: duration('--request-timeout', o.requestTimeout, HEALTH_USAGE) ?? 5000,
            progress, signal,
          }),
        );
        finish(out, o);
      });

    program
      .command('smoke')
      .description('run smoke suites (vitest files) against a deployment; every test listed with status and duration')
      .requiredOption('--url <url>', 'base URL of the deployment (BASE_URL for the suites)')
      .option('--suite <path>', 'suite file or folder (repeatable)', collect, [])
      .option('--retries <n>', 'retries for a failing test (passing on retry = flaky)', '0')
      .option('--timeout <duration>', 'overall deadline (the run is killed past it)', '5m')
      .option('--version <version>', 'expected version, passed to suites as EXPECT_VERSION')
      .option('--markdown', 'print the markdown summary (GitHub job summary)')
      .option('--json', 'print the GateResult as JSON')
      .action(async (o: { url: string; suite: string[]; retries?: string; timeout?: string; version?: string } & OutputFlags) => {
        const target = url(o.url, SMOKE_USAGE);
        const retries = int('--retries', o.retries, SMOKE_USAGE) ?? 0;
        const timeoutMs = duration('--timeout', o.timeout, SMOKE_USAGE) ?? 300_000;
        const out = await withProgress((progress, signal) =>
          runSmokeGate({ url: target, suites: o.suite.length ? o.suite : ['smoke/suites'], retries, timeoutMs, ...(o.version ? { env: { EXPECT_VERSION: o.version } } : {}), progress, signal }),
        );
        finish(out, o);
      });

    program
      .command('load')
      .description('load-test a deployment (built-in engine or k6) and check k6-syntax thresholds')
      .requiredOption('--url <url>', 'base URL of the deployment')
      .option('--engine <engine>', 'builtin | k6 | auto (k6 when on PATH and a script is given)', 'auto')
      .option('--profile <file>', 'built-in engine profile (JSON)', 'load/notes.profile.json')
      .option('--script <file>', 'k6 script (writes its summary via handleSummary)')
      .option('--threshold <metric=expr>', "threshold in k6 syntax, e.g. 'http_req_duration=p(95)<300' (repeatable; replaces the profile's for that metric)", collect, [])
      .option('--duration <duration>', 'run length (overrides the profile/script)')
      .option('--connections <n>', 'connections (k6: VUs)')
      .option('--markdown', 'print the markdown summary (GitHub job summary)')
      .option('--json', 'print the GateResult as JSON')
      .action(async (o: { url: string; engine: string; profile?: string; script?: string; threshold: string[]; duration?: string; connections?: string } & OutputFlags) => {
        const target = url(o.url, LOAD_USAGE);
        if (!['builtin', 'k6', 'auto'].includes(o.engine)) throw coreErrors.SHIPGATE_USAGE({ problem: `--engine "${o.engine}" is not one of builtin, k6, auto`, usage: LOAD_USAGE });
        const th = thresholdsFromFlags(o.threshold);
        if (!th.ok) throw loadErrors.SHIPGATE_LOAD_THRESHOLDS_INVALID({ source: '--threshold', error: th.error });
        const durationMs = duration('--duration', o.duration, LOAD_USAGE);
        const connections = int('--connections', o.connections, LOAD_USAGE, 1);
        const k6Env = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => /^(K6_|SMOKE_)/.test(e[0]) && e[1] !== undefined));
        const opts = {
          url: target, engine: o.engine as EngineChoice,
          ...(o.profile ? { profile: o.profile } : {}), ...(o.script ? { script: o.script } : {}),
          ...(Object.keys(th.value).length ? { thresholds: th.value } : {}),
          ...(durationMs !== undefined ? { durationMs } : {}), ...(connections !== undefined ? { connections } : {}),
          env: k6Env,
        };
        const prepared = await prepareLoad(opts); // bad profile/thresholds: exit 3 with every problem listed
        const out = await withProgress((progress, signal) => runLoadGate({ ...opts, progress, signal }, prepared));
        finish(out, o);
      });
  },
};
