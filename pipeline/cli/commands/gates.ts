/**
 * `shipgate health | smoke | load`: run one verification gate against a URL by hand or in CI.
 * Thin shell: parse flags (clear usage errors), run the gate with a progress printer (one live line
 * in a TTY, plain lines otherwise), print the verdict. Exit 0 passed, 1 failed or error.
 *
 * Config-driven: the gate's settings come from `gates.<gate>` of the config (-f/--config, default
 * .github/shipgate.yml of the repository), flags override them, and `--env <name>` takes the URL
 * from `environments.<name>.url`. Without a config file the commands run on flags alone. Suites,
 * profiles and scripts resolve against the user's repository root, never Shipgate's own files.
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
import { environmentFlag, repoPath, withConfigFlag, workspaceConfig, type WorkspaceConfig } from '../workspace.ts';

interface OutputFlags { markdown?: boolean; json?: boolean }

interface TargetFlags { url?: string; env?: string; config?: string }

/** The URL to check: --url, else the config's environments.<--env>.url. */
function targetUrl(o: TargetFlags, wc: WorkspaceConfig, usage: string): string {
  if (o.url !== undefined) return url(o.url, usage);
  if (o.env === undefined) throw coreErrors.SHIPGATE_USAGE({ problem: 'give the deployment to check: --url <url>, or --env <name> (an environment of the config with url:)', usage });
  const e = environmentFlag(wc, o.env, usage);
  if (!e.url) throw coreErrors.SHIPGATE_USAGE({ problem: `--env ${o.env}: environments.${o.env}.url is not set in ${wc.workspace.configShown}`, usage: `${usage} (pass --url, or add url: to the environment)` });
  return url(e.url, usage);
}

const targetOptions = (c: Command) =>
  withConfigFlag(
    c.option('--url <url>', 'base URL of the deployment')
      .option('--env <name>', 'the environment to check: its url (environments.<name>.url) unless --url is given'),
  );

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

const HEALTH_USAGE = 'shipgate health (--url <url> | --env <name>) [-f <config>] [--version <v>] [--path /health] [--consecutive 3] [--interval 1s] [--timeout 120s]';
const SMOKE_USAGE = 'shipgate smoke (--url <url> | --env <name>) [-f <config>] [--suite smoke/suites ...] [--retries N] [--timeout 5m]';
const LOAD_USAGE = "shipgate load (--url <url> | --env <name>) [-f <config>] [--profile load/<name>.profile.json] [--engine builtin|k6|auto] [--script load/<name>.k6.js] [--threshold 'http_req_duration=p(95)<300' ...] [--duration 10s] [--connections N]";

export const gatesCommands: CommandModule = {
  register(program: Command) {
    // `--version <v>` after a gate command is the release version, not the program's -V/--version.
    program.enablePositionalOptions();
    targetOptions(program.command('health'))
      .description('poll a health endpoint until it answers healthy (2xx, JSON, db up, expected version) N times in a row')
      .option('--version <version>', 'version being released: the endpoint must report exactly this')
      .option('--path <path>', 'health path (default: gates.health.path, else /health)')
      .option('--version-field <path>', 'JSON path of the version in the body (default: gates.health.versionField, else version)')
      .option('--db-field <path>', 'JSON path of the db status, "none" to skip (default: gates.health.dbField, else db)')
      .option('--consecutive <n>', 'healthy answers in a row needed (default: gates.health.consecutive, else 3)')
      .option('--interval <duration>', 'wait between tries; backoff grows to 4x after failures (default: gates.health.interval, else 1s)')
      .option('--timeout <duration>', 'overall deadline (default: gates.health.timeout, else 120s)')
      .option('--request-timeout <duration>', 'per-request timeout (default: gates.health.requestTimeout, else 5s)')
      .option('--markdown', 'print the markdown summary (GitHub job summary)')
      .option('--json', 'print the GateResult as JSON')
      .action(async (o: Record<string, string | undefined> & TargetFlags & OutputFlags) => {
        const wc = await workspaceConfig({ ...(o.config !== undefined ? { config: o.config } : {}), optional: true });
        const target = targetUrl(o, wc, HEALTH_USAGE);
        const h = wc.config?.gates.health;
        const dbField = o.dbField ?? h?.dbField ?? 'db';
        const out = await withProgress((progress, signal) =>
          runHealthGate({
            url: target,
            path: o.path ?? h?.path ?? '/health',
            expectVersion: o.version,
            versionField: o.versionField ?? h?.versionField ?? 'version',
            dbField: dbField === 'none' ? null : dbField,
            consecutive: int('--consecutive', o.consecutive, HEALTH_USAGE, 1) ?? h?.consecutive ?? 3,
            intervalMs: duration('--interval', o.interval, HEALTH_USAGE) ?? h?.interval ?? 1000,
            timeoutMs: duration('--timeout', o.timeout, HEALTH_USAGE) ?? h?.timeout ?? 120_000,
            requestTimeoutMs: duration('--request-timeout', o.requestTimeout, HEALTH_USAGE) ?? h?.requestTimeout ?? 5000,
            progress, signal,
          }),
        );
        finish(out, o);
      });

    targetOptions(program.command('smoke'))
      .description('run smoke suites (vitest files) against a deployment; every test listed with status and duration')
      .option('--suite <path>', 'suite file or folder, relative to the repository root (repeatable; default: gates.smoke.suites, else smoke/suites)', collect, [])
      .option('--retries <n>', 'retries for a failing test; passing on retry = flaky (default: gates.smoke.retries, else 0)')
      .option('--timeout <duration>', 'overall deadline; the run is killed past it (default: gates.smoke.timeout, else 5m)')
      .option('--version <version>', 'expected version, passed to suites as EXPECT_VERSION')
      .option('--markdown', 'print the markdown summary (GitHub job summary)')
      .option('--json', 'print the GateResult as JSON')
      .action(async (o: TargetFlags & { suite: string[]; retries?: string; timeout?: string; version?: string } & OutputFlags) => {
        const wc = await workspaceConfig({ ...(o.config !== undefined ? { config: o.config } : {}), optional: true });
        const target = targetUrl(o, wc, SMOKE_USAGE);
        const s = wc.config?.gates.smoke;
        const retries = int('--retries', o.retries, SMOKE_USAGE) ?? s?.retries ?? 0;
        const timeoutMs = duration('--timeout', o.timeout, SMOKE_USAGE) ?? s?.timeout ?? 300_000;
        const suites = o.suite.length ? o.suite : s ? [...s.suites] : ['smoke/suites'];
        const out = await withProgress((progress, signal) =>
          runSmokeGate({
            url: target, cwd: wc.workspace.root, suites: suites.map((p) => repoPath(wc, p)), retries, timeoutMs,
            ...(o.version ? { env: { EXPECT_VERSION: o.version } } : {}), progress, signal,
          }),
        );
        finish(out, o);
      });

    targetOptions(program.command('load'))
      .description('load-test a deployment (built-in engine or k6) and check k6-syntax thresholds')
      .option('--engine <engine>', 'builtin | k6 | auto: k6 when on PATH and a script is given (default: gates.load.engine, else auto)')
      .option('--profile <file>', 'built-in engine profile (JSON), relative to the repository root (default: gates.load.profile)')
      .option('--script <file>', 'k6 script (writes its summary via handleSummary), relative to the repository root (default: gates.load.script)')
      .option('--threshold <metric=expr>', "threshold in k6 syntax, e.g. 'http_req_duration=p(95)<300' (repeatable; replaces the config's and the profile's for that metric)", collect, [])
      .option('--duration <duration>', 'run length (overrides the profile/script)')
      .option('--connections <n>', 'connections (k6: VUs)')
      .option('--markdown', 'print the markdown summary (GitHub job summary)')
      .option('--json', 'print the GateResult as JSON')
      .action(async (o: TargetFlags & { engine?: string; profile?: string; script?: string; threshold: string[]; duration?: string; connections?: string } & OutputFlags) => {
        const wc = await workspaceConfig({ ...(o.config !== undefined ? { config: o.config } : {}), optional: true });
        const target = targetUrl(o, wc, LOAD_USAGE);
        const l = wc.config?.gates.load;
        const engine = o.engine ?? l?.engine ?? 'auto';
        if (!['builtin', 'k6', 'auto'].includes(engine)) throw coreErrors.SHIPGATE_USAGE({ problem: `--engine "${engine}" is not one of builtin, k6, auto`, usage: LOAD_USAGE });
        const th = thresholdsFromFlags(o.threshold);
        if (!th.ok) throw loadErrors.SHIPGATE_LOAD_THRESHOLDS_INVALID({ source: '--threshold', error: th.error });
        const durationMs = duration('--duration', o.duration, LOAD_USAGE);
        const connections = int('--connections', o.connections, LOAD_USAGE, 1);
        const profile = o.profile ?? l?.profile;
        const script = o.script ?? l?.script;
        const thresholds = { ...Object.fromEntries(Object.entries(l?.thresholds ?? {}).map(([k, v]) => [k, [...v]])), ...th.value };
        const k6Env = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => /^(K6_|SMOKE_)/.test(e[0]) && e[1] !== undefined));
        const opts = {
          url: target, engine: engine as EngineChoice,
          ...(profile ? { profile: repoPath(wc, profile) } : {}), ...(script ? { script: repoPath(wc, script) } : {}),
          ...(Object.keys(thresholds).length ? { thresholds } : {}),
          ...(durationMs !== undefined ? { durationMs } : {}), ...(connections !== undefined ? { connections } : {}),
          env: k6Env,
        };
        const prepared = await prepareLoad(opts); // no profile/script: exit 2 naming --profile and gates.load.profile; bad profile/thresholds: exit 3
        const out = await withProgress((progress, signal) => runLoadGate({ ...opts, progress, signal }, prepared));
        finish(out, o);
      });
  },
};
