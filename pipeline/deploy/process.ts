/**
 * The `process` deploy provider: the local release's app runs as a child process on a fixed
 * loopback port per env/slot. Apps are spawned detached, in their own process group, so they keep
 * running after the CLI exits (the local demo leaves them up; `npm stop` stops them). Every app is
 * recorded in the local state file the moment it is spawned, so an interrupted release never
 * leaves a process nobody knows about.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { redactText } from '../secrets/redact.ts';
import { isPidAlive, portAccepts, stopProcessGroup, type StopGroupResult } from '../local/process-group.ts';
import { appKey, readLocalState, updateLocalState, type LocalAppRecord } from '../local/state.ts';
import { processDeployErrors } from './process-errors.ts';
import type { DeployProvider, DeployRequest, Deployment, DeploymentState, LogTail } from './types.ts';

const optionsSchema = z
  .object({
    command: z.string().trim().min(1, 'command must be the shell command that starts the app'),
    cwd: z.string().min(1, 'cwd must be the folder to start the app in'),
    stateDir: z.string().min(1, 'stateDir must be a folder such as .shipgate/local'),
    ports: z.record(z.string(), z.number().int().min(1).max(65535)).optional(),
    basePort: z.number().int().min(1).max(65000).optional(),
    host: z.string().default('127.0.0.1'),
    startTimeoutMs: z.number().int().positive().default(30_000),
    stopGraceMs: z.number().int().positive().default(10_000),
    /** Names of extra parent env variables the app may see (PATH and HOME always pass). */
    inheritEnv: z.array(z.string()).default([]),
  })
  .refine((o) => o.ports !== undefined || o.basePort !== undefined, { message: 'give ports (env or env/slot → port) or basePort' });

export type ProcessProviderOptions = z.input<typeof optionsSchema>;

const LOG_TAIL_LINES = 20;
const EVIDENCE_TAIL_LINES = 100;

export function createProcessProvider(input: ProcessProviderOptions): DeployProvider {
  const parsed = optionsSchema.safeParse(input);
  if (!parsed.success) {
    throw processDeployErrors.SHIPGATE_PROCESS_OPTIONS_INVALID({
      problems: parsed.error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`),
    });
  }
  const opts = { ...parsed.data, cwd: resolve(parsed.data.cwd), stateDir: resolve(parsed.data.stateDir) };

  async function portFor(key: string): Promise<number> {
    const fixed = opts.ports?.[key];
    if (fixed !== undefined) return fixed;
    const base = opts.basePort;
    if (base === undefined) {
      throw processDeployErrors.SHIPGATE_PROCESS_OPTIONS_INVALID({ problems: [`ports: no port for "${key}" and no basePort to pick one from`] });
    }
    // First come, first served from basePort, then kept in the state file: stable across runs.
    return updateLocalState(opts.stateDir, (state) => {
      const known = state.ports[key];
      if (known !== undefined) return known;
      const taken = new Set([...Object.values(state.ports), ...Object.values(opts.ports ?? {})]);
      let port = base;
      while (taken.has(port)) port++;
      state.ports[key] = port;
      return port;
    });
  }

  async function deploy(req: DeployRequest): Promise<Deployment> {
    const key = appKey(req.env, req.slot);
    const port = await portFor(key);
    const say = req.progress ?? (() => undefined);

    const previous = (await readLocalState(opts.stateDir)).apps[key];
    if (previous) {
      if (isPidAlive(previous.pid)) say(`stopping the previous ${key} app (pid ${previous.pid}, version ${previous.version})`);
      await stopProcessGroup(previous.pid, opts.stopGraceMs);
      await forget(key, previous.pid);
    }
    if (await portAccepts(port, opts.host)) throw processDeployErrors.SHIPGATE_PROCESS_PORT_BUSY({ key, port });

    const logFile = join(opts.stateDir, 'logs', `${key.replaceAll('/', '-')}.log`);
    await mkdir(join(opts.stateDir, 'logs'), { recursive: true });
    const logStart = await stat(logFile).then((s) => s.size, () => 0);
    const fd = openSync(logFile, 'a');
    writeSync(fd, `--- shipgate: starting ${key} version ${req.version} (${req.sha}) on port ${port} at ${new Date().toISOString()} ---\n`);
    let child;
    try {
      child = spawn(opts.command, {
        shell: true,
        detached: true,
        cwd: opts.cwd,
        env: appEnvironment(req, port, opts.inheritEnv),
        stdio: ['ignore', fd, fd],
      });
    } finally {
      closeSync(fd);
    }
    const pid = child.pid;
    let exited: { code: number | null; signal: string | null } | null = null;
    let spawnError: Error | null = null;
    child.once('exit', (code, signal) => (exited = { code, signal }));
    child.once('error', (err) => (spawnError = err));
    child.unref();
    if (pid === undefined) {
      await sleep(10);
      throw processDeployErrors.SHIPGATE_PROCESS_EXITED({ key, command: opts.command, exitCode: null, signal: null, logFile, logTail: redactText(String(spawnError ?? 'spawn failed')) });
    }
    const record: LocalAppRecord = {
      key, env: req.env, ...(req.slot ? { slot: req.slot } : {}), pid, port, logFile,
      version: req.version, sha: req.sha, command: opts.command, startedAt: new Date().toISOString(),
    };
    await updateLocalState(opts.stateDir, (state) => void (state.apps[key] = record));
    say(`started ${key} (pid ${pid}), waiting for 127.0.0.1:${port}`);

    const tail = () => logTail(logFile, logStart, req.appEnv);
    // For evidence (pipeline/release/evidence.ts): the last 100 lines of this start, masked alike.
    const lines = async () => (await logTail(logFile, logStart, req.appEnv, EVIDENCE_TAIL_LINES)).split('\n').filter(Boolean);
    const deadline = Date.now() + opts.startTimeoutMs;
    for (;;) {
      const ended = exited as { code: number | null; signal: string | null } | null;
      if (ended) {
        await forget(key, pid);
        throw processDeployErrors.SHIPGATE_PROCESS_EXITED({ key, command: opts.command, exitCode: ended.code, signal: ended.signal, logFile, logTail: await tail(), logLines: await lines() });
      }
      if (await portAccepts(port, opts.host)) break;
      if (req.signal?.aborted || Date.now() > deadline) {
        await stopProcessGroup(pid, opts.stopGraceMs);
        await forget(key, pid);
        if (req.signal?.aborted) throw req.signal.reason instanceof Error ? req.signal.reason : new Error('deploy aborted');
        throw processDeployErrors.SHIPGATE_PROCESS_START_TIMEOUT({ key, port, timeoutMs: opts.startTimeoutMs, logFile, logTail: await tail(), logLines: await lines() });
      }
      await sleep(100);
    }
    say(`${key} answers on http://${opts.host}:${port}`);
    return {
      provider: 'process', env: req.env, ...(req.slot ? { slot: req.slot } : {}), version: req.version,
      id: String(pid), url: `http://${opts.host}:${port}`, startedAt: record.startedAt,
      data: { pid, port, logFile, logFrom: logStart },
    };
  }

  async function forget(key: string, pid: number): Promise<void> {
    await updateLocalState(opts.stateDir, (state) => {
      if (state.apps[key]?.pid === pid) delete state.apps[key];
    });
  }

  async function status(d: Deployment): Promise<{ state: DeploymentState; detail?: string }> {
    const pid = Number(d.data.pid);
    const port = Number(d.data.port);
    const recorded = (await readLocalState(opts.stateDir)).apps[appKey(d.env, d.slot)];
    if (!isPidAlive(pid)) {
      return recorded?.pid === pid
        ? { state: 'failed', detail: `pid ${pid} exited on its own; see ${String(d.data.logFile)}` }
        : { state: 'stopped' };
    }
    if (await portAccepts(port, opts.host)) return { state: 'running' };
    return { state: 'failed', detail: `pid ${pid} is alive but 127.0.0.1:${port} does not accept connections` };
  }

  async function stop(d: Deployment): Promise<void> {
    const pid = Number(d.data.pid);
    await stopProcessGroup(pid, opts.stopGraceMs);
    await forget(appKey(d.env, d.slot), pid);
  }

  /** The last lines this deployment's start wrote to its log file (not an earlier start's), masked. */
  async function logs(d: Deployment, o: { lines: number }): Promise<LogTail> {
    const logFile = String(d.data.logFile);
    const text = await logTail(logFile, Number(d.data.logFrom ?? 0), {}, o.lines);
    return { source: `log file ${logFile}`, lines: text.split('\n').filter(Boolean) };
  }

  return { name: 'process', deploy, status, url: (d) => d.url, stop, logs };
}

/** What the app sees: what it is given, PATH and HOME, and the variables Shipgate sets. Nothing else. */
function appEnvironment(req: DeployRequest, port: number, inherit: string[]): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of ['PATH', 'HOME', ...inherit]) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return { ...env, ...req.appEnv, PORT: String(port), APP_VERSION: req.version, APP_COMMIT: req.sha };
}

/** The last lines this start wrote to the log, with secrets (and the app's secret-looking env values) masked. */
async function logTail(logFile: string, from: number, appEnv: Record<string, string>, lines = LOG_TAIL_LINES): Promise<string> {
  const text = await readFile(logFile).then((b) => b.subarray(from).toString('utf8'), () => '');
  // Only this start's lines: a later start of the same app appends after its own marker.
  const all = text.split('\n');
  const next = all.findIndex((l, i) => i > 0 && l.startsWith('--- shipgate: starting'));
  let tail = (next > 0 ? all.slice(0, next) : all).filter((l) => l.length > 0 && !l.startsWith('--- shipgate:')).slice(-lines).join('\n');
  for (const [name, value] of Object.entries(appEnv)) {
    if (value.length >= 6 && /secret|token|pass|key|uri|url|dsn|auth/i.test(name)) tail = tail.split(value).join('***');
  }
  return redactText(tail);
}

export interface StoppedLocalProcess {
  what: string;
  pid: number;
  outcome: StopGroupResult['outcome'];
}

/** Stops every app and the router recorded in `stateDir` (what `npm stop` runs). Returns what it stopped. */
export async function stopAllLocal(stateDir: string, graceMs = 10_000): Promise<StoppedLocalProcess[]> {
  const state = await readLocalState(stateDir);
  const targets = [
    ...Object.values(state.apps).map((a) => ({ what: `app ${a.key}`, pid: a.pid })),
    ...(state.router ? [{ what: 'router', pid: state.router.pid }] : []),
  ];
  const stopped = await Promise.all(targets.map(async (t) => ({ ...t, outcome: (await stopProcessGroup(t.pid, graceMs)).outcome })));
  await updateLocalState(stateDir, (s) => {
    for (const [key, app] of Object.entries(s.apps)) if (stopped.some((t) => t.pid === app.pid)) delete s.apps[key];
    if (s.router && stopped.some((t) => t.pid === s.router?.pid)) s.router = null;
  });
  return stopped;
}
