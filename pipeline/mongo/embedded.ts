/**
 * Starts the pinned FerretDB (built by tools/setup.sh) with the SQLite backend on a free loopback
 * port. Used by the test run (one server per run) and by the local release. The child reads a
 * pipe on stdin and exits when it closes, so a parent that dies (even by SIGKILL) takes its
 * server with it.
 *
 * Which binary (findFerretdb): $SHIPGATE_FERRETDB_BIN, else <Shipgate>/tools/bin/ferretdb-embedded
 * (a checkout after `npm run setup`), else the per-user cache `shipgate setup` builds into
 * ($XDG_CACHE_HOME or ~/.cache, then shipgate/ferretdb-v1.24.2/) — an installed package never
 * needs to write into node_modules.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { closeSync, existsSync, openSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { portAccepts } from '../local/process-group.ts';
import { freePort } from '../local/ports.ts';
import { coreErrors } from '../errors.ts';
import { shipgateHome } from '../repo.ts';

/**
 * Where Shipgate itself is (the checkout, or node_modules/shipgate): kept under its old name for
 * the code that still imports it. User paths resolve against findWorkspace().root (pipeline/repo.ts).
 */
export const repoRoot = shipgateHome;

export const FERRETDB_VERSION = 'v1.24.2';
const BINARY_NAME = 'ferretdb-embedded';

type Env = Record<string, string | undefined>;

/** The per-user folder `shipgate setup` builds FerretDB into. */
export function ferretdbCacheDir(env: Env = process.env): string {
  const base = env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : join(env.HOME || homedir(), '.cache');
  return join(base, 'shipgate', `ferretdb-${FERRETDB_VERSION}`);
}

/** Every place a FerretDB binary is looked for, in order. */
export function ferretdbCandidates(env: Env = process.env): string[] {
  return [
    ...(env.SHIPGATE_FERRETDB_BIN ? [resolve(env.SHIPGATE_FERRETDB_BIN)] : []),
    join(shipgateHome, 'tools/bin', BINARY_NAME),
    join(ferretdbCacheDir(env), BINARY_NAME),
  ];
}

/**
 * The FerretDB binary to run, or undefined when none is built. $SHIPGATE_FERRETDB_BIN, when set,
 * is the only candidate that counts: a wrong path is an error, not a silent fallback.
 */
export function findFerretdb(env: Env = process.env): string | undefined {
  if (env.SHIPGATE_FERRETDB_BIN) {
    const named = resolve(env.SHIPGATE_FERRETDB_BIN);
    return existsSync(named) ? named : undefined;
  }
  return ferretdbCandidates(env).find((p) => existsSync(p));
}

/** The binary found when this module loaded (or where a checkout's build would go). */
export const ferretdbBinary = findFerretdb() ?? join(shipgateHome, 'tools/bin', BINARY_NAME);

function missingFerretdb(env: Env, binary?: string): Error {
  const where = binary ?? (env.SHIPGATE_FERRETDB_BIN ? `SHIPGATE_FERRETDB_BIN=${env.SHIPGATE_FERRETDB_BIN}` : ferretdbCandidates(env).join(', '));
  return coreErrors.SHIPGATE_FERRETDB_MISSING({ binary: where });
}

/**
 * Builds FerretDB with tools/setup.sh (needs Go) into `out` (default: the per-user cache) and
 * returns the binary. Progress goes to stderr.
 */
export async function buildFerretdb(opts: { out?: string; env?: Env } = {}): Promise<string> {
  const env = opts.env ?? process.env;
  const out = opts.out ?? ferretdbCacheDir(env);
  await mkdir(out, { recursive: true });
  const code = await new Promise<number | null>((done, fail) => {
    const child = spawn('bash', [join(shipgateHome, 'tools/setup.sh'), '--out', out], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env } });
    child.once('error', fail);
    child.once('exit', (c) => done(c));
  });
  const binary = join(out, BINARY_NAME);
  if (code !== 0 || !existsSync(binary)) throw missingFerretdb(env, binary);
  return binary;
}

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

/** A free loopback port below the ephemeral range (pipeline/local/ports.ts). */
export { freePort };

export async function startEmbeddedMongo(opts: StartEmbeddedMongoOptions = {}): Promise<EmbeddedMongo> {
  const binary = opts.binary ?? findFerretdb();
  if (binary === undefined || !existsSync(binary)) throw missingFerretdb(process.env, binary);
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
