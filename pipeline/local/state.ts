/**
 * The local release's state file (`<stateDir>/state.json`, e.g. `.shipgate/local/state.json`):
 * which app processes and which router the local demo left running, so a later command (the next
 * release, `npm stop`) can find and stop them.
 *
 * Writes are atomic (a temp file with a unique name in the same folder, then rename) and
 * serialised: within the process by one promise chain per file, across processes (the CLI and the
 * router both write it) by a lock file `state.json.lock` holding the writer's pid. Readers never
 * see half a file and two writers never lose each other's change.
 */
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isPidAlive } from './process-group.ts';

export interface LocalAppRecord {
  /** `staging`, `production/blue` … */
  key: string;
  env: string;
  slot?: string;
  pid: number;
  port: number;
  logFile: string;
  version: string;
  sha: string;
  command: string;
  startedAt: string;
}

export interface LocalRouterRecord {
  pid: number;
  listenPort: number;
  controlPort: number;
  target: string | null;
  logFile: string;
  startedAt: string;
}

export interface LocalState {
  apps: Record<string, LocalAppRecord>;
  router: LocalRouterRecord | null;
  /** Ports handed out from a basePort, kept so an env/slot gets the same port every run. */
  ports: Record<string, number>;
}

export const STATE_FILE = 'state.json';

export function statePath(stateDir: string): string {
  return join(resolve(stateDir), STATE_FILE);
}

function emptyState(): LocalState {
  return { apps: {}, router: null, ports: {} };
}

/** Reads the state file; a missing file is an empty state. A corrupt file is an error naming it. */
export async function readLocalState(stateDir: string): Promise<LocalState> {
  const file = statePath(stateDir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
    throw err;
  }
  let parsed: Partial<LocalState>;
  try {
    parsed = JSON.parse(text) as Partial<LocalState>;
  } catch (err) {
    throw new Error(`the local state file ${file} is not valid JSON (${(err as Error).message}); stop what runs with \`npm stop\` or delete the file`);
  }
  return { apps: parsed.apps ?? {}, router: parsed.router ?? null, ports: parsed.ports ?? {} };
}

const chains = new Map<string, Promise<unknown>>();

/**
 * Read-modify-write of the state file, serialised per file within this process. `change` gets
 * the current state (mutable copy) and returns the value to hand back to the caller.
 */
export function updateLocalState<T>(stateDir: string, change: (state: LocalState) => T | Promise<T>): Promise<T> {
  const file = statePath(stateDir);
  const previous = chains.get(file) ?? Promise.resolve();
  const next = previous.then(async () => {
    const release = await lockFile(file);
    try {
      const state = await readLocalState(stateDir);
      const result = await change(state);
      await writeAtomically(file, `${JSON.stringify(state, null, 2)}\n`);
      return result;
    } finally {
      await release();
    }
  });
  // Keep the chain alive after a failure; the caller still sees the rejection.
  const settled = next.catch(() => undefined);
  chains.set(file, settled);
  void settled.then(() => {
    if (chains.get(file) === settled) chains.delete(file);
  });
  return next;
}

const LOCK_STALE_MS = 10_000;
const LOCK_WAIT_MS = 15_000;

/** Cross-process lock: create `<file>.lock` exclusively; a lock whose holder died (or that is older than 10 s) is broken. */
async function lockFile(file: string): Promise<() => Promise<void>> {
  const lock = `${file}.lock`;
  await mkdir(resolve(file, '..'), { recursive: true });
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const handle = await open(lock, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(lock, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number(await readFile(lock, 'utf8').catch(() => ''));
    const age = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
    if ((holder > 0 && holder !== process.pid && !isPidAlive(holder)) || age > LOCK_STALE_MS) {
      await rm(lock, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`the local state file ${file} stays locked by pid ${holder || '?'}; if no Shipgate command runs, delete ${lock}`);
    await sleep(10 + Math.random() * 20);
  }
}

async function writeAtomically(file: string, content: string): Promise<void> {
  const dir = resolve(file, '..');
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `.${STATE_FILE}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temp, content, { mode: 0o600 });
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

export function appKey(env: string, slot?: string): string {
  return slot ? `${env}/${slot}` : env;
}
