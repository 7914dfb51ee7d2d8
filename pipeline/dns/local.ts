/**
 * The `local` DNS provider: the public host of the local release is a reverse proxy on
 * 127.0.0.1:<listenPort> (router-main.ts, a detached process that outlives the release), and
 * "switching DNS" is a PUT to its control port. `current` reads the router's target (null when no
 * router runs); `switch` starts the router when needed, then points it at the target.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { redactText } from '../secrets/redact.ts';
import { isPidAlive, stopProcessGroup } from '../local/process-group.ts';
import { readLocalState, updateLocalState, type LocalRouterRecord } from '../local/state.ts';
import { localDnsErrors } from './local-errors.ts';
import type { DnsProvider } from './types.ts';

export interface LocalDnsOptions {
  stateDir: string;
  /** The public port: the local release's "production domain" is http://127.0.0.1:<listenPort>. */
  listenPort: number;
  /** Control port of the router; default: a free port picked by the router (recorded in the state file). */
  controlPort?: number;
  startTimeoutMs?: number;
}

// Compiled (an installed package: dist/…/local.js) the router is plain JavaScript; from the
// TypeScript sources it runs through tsx.
const compiled = !import.meta.url.endsWith('.ts');
const routerMain = fileURLToPath(new URL(compiled ? './router-main.js' : './router-main.ts', import.meta.url));
// Resolved when a router starts, not at import: a published action's bundle (no node_modules next
// to it on a runner) imports this module and must still load.
const loaderArgs = (): string[] => (compiled ? [] : ['--import', import.meta.resolve('tsx')]);

async function controlCall(router: LocalRouterRecord, method: 'GET' | 'PUT', path: string, body?: object): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${router.controlPort}${path}`, {
    method,
    ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

export function createLocalDnsProvider(input: LocalDnsOptions): DnsProvider & { readonly host: string } {
  const opts = { ...input, stateDir: resolve(input.stateDir), startTimeoutMs: input.startTimeoutMs ?? 30_000 };
  const host = `http://127.0.0.1:${opts.listenPort}`;
  let starting: Promise<LocalRouterRecord> | null = null;

  function checkHost(given: string): void {
    let url: URL | null = null;
    try {
      url = new URL(given);
    } catch {
      url = null;
    }
    const ok = url !== null && ['127.0.0.1', 'localhost'].includes(url.hostname) && Number(url.port) === opts.listenPort;
    if (!ok) throw localDnsErrors.SHIPGATE_DNS_LOCAL_HOST({ host: given, expected: host });
  }

  /** The recorded router, if its process is alive and its control port answers. */
  async function runningRouter(): Promise<LocalRouterRecord | null> {
    const router = (await readLocalState(opts.stateDir)).router;
    if (!router || !isPidAlive(router.pid)) return null;
    try {
      const { json } = await controlCall(router, 'GET', '/health');
      if (json.pid !== router.pid) return null;
    } catch {
      return null;
    }
    if (router.listenPort !== opts.listenPort) {
      throw localDnsErrors.SHIPGATE_DNS_LOCAL_OTHER_ROUTER({ running: router.listenPort, wanted: opts.listenPort, pid: router.pid });
    }
    return router;
  }

  async function startRouter(): Promise<LocalRouterRecord> {
    const logFile = join(opts.stateDir, 'logs', 'router.log');
    await mkdir(join(opts.stateDir, 'logs'), { recursive: true });
    const logStart = await stat(logFile).then((s) => s.size, () => 0);
    const fd = openSync(logFile, 'a');
    const args = [...loaderArgs(), routerMain, '--listen', String(opts.listenPort), '--control', String(opts.controlPort ?? 0), '--state', opts.stateDir, '--log', logFile];
    const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', fd, fd], env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' } });
    closeSync(fd);
    let exited: string | null = null;
    child.once('exit', (code, signal) => (exited = signal ? `exited on ${signal}` : `exited with code ${code}`));
    child.once('error', (err) => (exited = err.message));
    child.unref();
    const fail = async (reason: string) => {
      const text = await readFile(logFile).then((b) => b.subarray(logStart).toString('utf8'), () => '');
      return localDnsErrors.SHIPGATE_DNS_LOCAL_ROUTER_START({ listenPort: opts.listenPort, reason, logFile, logTail: redactText(text.trim().split('\n').slice(-20).join('\n')) });
    };
    const deadline = Date.now() + opts.startTimeoutMs;
    for (;;) {
      const router = (await readLocalState(opts.stateDir)).router;
      if (router && router.pid === child.pid) {
        const up = await controlCall(router, 'GET', '/health').then(() => true, () => false);
        if (up) return router;
      }
      if (exited) throw await fail(exited as string);
      if (Date.now() > deadline) {
        if (child.pid) await stopProcessGroup(child.pid, 2000);
        throw await fail(`not ready within ${opts.startTimeoutMs} ms`);
      }
      await sleep(100);
    }
  }

  /** A running router, started once even when several switches ask at the same time. */
  async function ensureRouter(): Promise<LocalRouterRecord> {
    const running = await runningRouter();
    if (running) return running;
    starting ??= (async () => {
      await updateLocalState(opts.stateDir, (s) => {
        if (s.router && !isPidAlive(s.router.pid)) s.router = null; // a dead router's record
      });
      return startRouter();
    })().finally(() => (starting = null));
    return starting;
  }

  return {
    name: 'local',
    host,
    async current(given) {
      checkHost(given);
      const router = await runningRouter();
      if (!router) return null;
      const { json } = await controlCall(router, 'GET', '/target');
      return typeof json.target === 'string' ? json.target : null;
    },
    async switch(given, target) {
      checkHost(given);
      const router = await ensureRouter();
      const { status, json } = await controlCall(router, 'PUT', '/target', { target });
      if (status !== 200) throw localDnsErrors.SHIPGATE_DNS_LOCAL_SWITCH_FAILED({ target, reason: String(json.reason ?? `HTTP ${status}`) });
      return { previous: typeof json.previous === 'string' ? json.previous : null };
    },
  };
}
