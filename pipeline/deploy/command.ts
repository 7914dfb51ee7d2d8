/**
 * `command` deploy provider: runs the user's own deploy command (`fly deploy --image …`,
 * `./scripts/deploy.sh`) through /bin/sh in `cwd`, with SHIPGATE_ENV, SHIPGATE_SLOT,
 * SHIPGATE_VERSION, SHIPGATE_SHA and the app's env on top of the base environment. Output is
 * streamed as progress lines (redacted: the app's env values and known secret shapes are
 * masked). Non-zero exit → error with the exit code and last lines. The deployment's URL is the
 * last line printed by `urlCommand`, or the configured `url`. A timeout kills the process group.
 */
import { z } from 'zod';
import { formatDuration } from '../config/duration.ts';
import { redactText } from '../secrets/redact.ts';
import { deployErrors } from './errors.ts';
import { maskingRedactor, runShell, type ShellResult } from './shell.ts';
import type { DeployProvider, DeployRequest, Deployment } from './types.ts';

const optionsSchema = z
  .object({
    run: z.string().trim().min(1, 'run is empty: give the shell command that deploys'),
    urlCommand: z.string().trim().min(1).optional(),
    url: z.string().url().optional(),
    cwd: z.string().min(1),
    timeoutMs: z.number().int().positive().default(20 * 60_000),
    killGraceMs: z.number().int().positive().default(5000),
  })
  .refine((o) => o.url !== undefined || o.urlCommand !== undefined, { message: 'set url or urlCommand (where the deployment answers)', path: ['url'] });

export type CommandProviderOptions = z.input<typeof optionsSchema> & {
  /** Environment the commands start from (default: this process's env, so PATH and CLI tokens reach them). */
  baseEnv?: NodeJS.ProcessEnv;
};

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

export function createCommandProvider(options: CommandProviderOptions): DeployProvider {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    throw deployErrors.SHIPGATE_COMMAND_OPTIONS_INVALID({ problems: parsed.error.issues.map((i) => `${i.path.join('.') || '(options)'}: ${i.message}`) });
  }
  const o = parsed.data;
  const baseEnv = options.baseEnv ?? process.env;

  function envFor(req: DeployRequest): NodeJS.ProcessEnv {
    return {
      ...baseEnv,
      ...req.appEnv,
      SHIPGATE_ENV: req.env,
      SHIPGATE_SLOT: req.slot ?? '',
      SHIPGATE_VERSION: req.version,
      SHIPGATE_SHA: req.sha,
    };
  }

  function check(which: string, r: ShellResult): void {
    if (r.aborted) throw deployErrors.SHIPGATE_REMOTE_DEPLOY_ABORTED({ provider: 'command', what: `running the ${which}` });
    if (r.timedOut) throw deployErrors.SHIPGATE_COMMAND_TIMEOUT({ which, timeout: formatDuration(o.timeoutMs), lastLines: r.lastLines });
    if (r.exitCode !== 0) throw deployErrors.SHIPGATE_COMMAND_FAILED({ which, exitCode: r.exitCode, signal: r.signal, lastLines: r.lastLines });
  }

  return {
    name: 'command',

    async deploy(req) {
      const startedAt = new Date().toISOString();
      const redact = maskingRedactor(Object.values(req.appEnv), redactText);
      const env = envFor(req);
      const common = { cwd: o.cwd, env, timeoutMs: o.timeoutMs, killGraceMs: o.killGraceMs, signal: req.signal, redact };
      req.progress?.(`command: running deploy command for ${req.env}${req.slot ? ` (slot ${req.slot})` : ''}, version ${req.version}`);
      const ran = await runShell({ ...common, command: o.run, onLine: (line) => req.progress?.(`command: ${line}`) });
      check('deploy command', ran);

      let url = o.url;
      if (o.urlCommand !== undefined) {
        const got = await runShell({ ...common, command: o.urlCommand });
        check('urlCommand', got);
        const last = got.stdout.split('\n').map((l) => l.trim()).filter(Boolean).at(-1) ?? '';
        if (!isHttpUrl(last)) throw deployErrors.SHIPGATE_COMMAND_NO_URL({ output: last });
        url = last;
      }
      const base = (url ?? '').replace(/\/+$/, '');
      req.progress?.(`command: deployed; the app answers at ${base}`);
      return {
        provider: 'command',
        env: req.env,
        ...(req.slot === undefined ? {} : { slot: req.slot }),
        version: req.version,
        id: `${req.env}${req.slot ? `-${req.slot}` : ''}-${req.sha.slice(0, 12)}`,
        url: base,
        startedAt,
        data: { sha: req.sha },
      } satisfies Deployment;
    },

    status: async () => ({ state: 'unknown', detail: 'the command provider cannot observe the platform; the health gate checks the deployment' }),

    url: (d) => d.url,

    // A deploy command has no generic inverse: stopping is left to the platform (documented).
    stop: async () => undefined,
  };
}
