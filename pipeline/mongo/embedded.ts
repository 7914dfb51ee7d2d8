/**
 * Starts the pinned FerretDB (tools/bin/ferretdb-embedded, built by tools/setup.sh) with the
 * SQLite backend on a free loopback port. Used by the test run (one server per run) and by the
 * local release. The child reads a pipe on stdin and exits when it closes, so a parent that
 * dies (even by SIGKILL) takes its server with it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { closeSync, existsSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { createServer } from 'node:net';
import { portAccepts } from '../local/process-group.ts';
import { fileURLToPath } from 'node:url';
import { coreErrors } from '../errors.ts';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const ferretdbBinary = join(repoRoot, 'tools/bin/ferretdb-embedded');

export interface EmbeddedMongo {
  uri: string;
  port: number;
  dataDir: string;
  /** Seconds from spawn to the first accepted connection. */
  startupSeconds: number;
  pid: number;
  stop(): Promise<void>;
}

export interface StartEmbeddedMongoOptions {
  /** Keep data here (created if missing); default: a fresh temp folder removed on stop. */
  dataDir?: string;
  port?: number;
  /** Stop the server when this process's end of the pipe closes (default true). */
  tieToParent?: boolean;
  binary?: string;
  readyTimeoutMs?: number;
  /** With tieToParent: false, the server's output goes here (it outlives our pipes). */
  logFile?: string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolvePort(addr.port) : reject(new Error('no port'))));
    });
  });
}

export async function startEmbeddedMongo(opts: StartEmbeddedMongoOptions = {}): Promise<EmbeddedMongo> {
  const binary = opts.binary ?? ferretdbBinary;
  if (!existsSync(binary)) {
    throw coreErrors.SHIPGATE_FERRETDB_MISSING({ binary });
  }
  const ownDir = !opts.dataDir;
  const dataDir = opts.dataDir ? resolve(opts.dataDir) : await mkdtemp(join(tmpdir(), 'shipgate-ferretdb-'));
  await mkdir(dataDir, { recursive: true });
  const port = opts.port ?? (await freePort());
  const started = performance.now();
  const detached = opts.tieToParent === false;
  // A detached server must not write to our pipes: once we exit, a write to them would kill it.
  const logFd = detached ? openSync(opts.logFile ?? join(dataDir, 'ferretdb.log'), 'a') : undefined;
  const child: ChildProcess = spawn(
    binary,
    [`--listen-addr=127.0.0.1:${port}`, `--sqlite-url=file:${dataDir}/`, ...(detached ? [] : ['--exit-on-stdin-eof'])],
    { stdio: detached ? ['ignore', logFd, logFd] : ['pipe', 'pipe', 'pipe'], detached },
  );
  if (logFd !== undefined) closeSync(logFd);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(
      () => fail(coreErrors.SHIPGATE_FERRETDB_START({ port, reason: `not ready after ${opts.readyTimeoutMs ?? 20000} ms`, stderr })),
      opts.readyTimeoutMs ?? 20000,
    );
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready ')) {
        clearTimeout(timer);
        ready();
      }
    });
    if (detached) {
      const poll = async () => {
        while (child.exitCode === null && !(await portAccepts(port))) await new Promise((r) => setTimeout(r, 50));
        if (child.exitCode === null) {
          clearTimeout(timer);
          ready();
        }
      };
      void poll();
    }
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(coreErrors.SHIPGATE_FERRETDB_START({ port, reason: `exited with code ${code}`, stderr }));
    });
  });
  const startupSeconds = (performance.now() - started) / 1000;
  if (opts.tieToParent === false) child.unref();
  let stopped = false;
  return {
    uri: `mongodb://127.0.0.1:${port}/`,
    port,
    dataDir,
    startupSeconds,
    pid: child.pid ?? -1,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
      if (ownDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
