import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../mongo/embedded.ts';
import { isGroupAlive, isPidAlive } from '../local/process-group.ts';
import { readLocalState, updateLocalState } from '../local/state.ts';
import { isShipgateError } from '../errors.ts';
import { createProcessProvider, stopAllLocal } from './process.ts';
import type { DeployRequest } from './types.ts';

// A tiny app: answers its version, what env it can see, and spawns a grandchild (to check group kill).
const APP = `
const http = require('node:http');
const { spawn } = require('node:child_process');
const helper = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
http.createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ version: process.env.APP_VERSION, commit: process.env.APP_COMMIT,
    secret: process.env.SHIPGATE_TEST_SECRET ?? null, given: process.env.GIVEN ?? null, helperPid: helper.pid, pid: process.pid }));
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

let dir: string;
let stateDir: string;
let ports: Record<string, number>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shipgate-process-'));
  stateDir = join(dir, 'state');
  await writeFile(join(dir, 'app.cjs'), APP);
  await writeFile(join(dir, 'crash.cjs'), `console.log('booting with mongodb://app:hunter2secret@db.example.com/x');\nconsole.error('boom: cannot start');\nprocess.exit(3);\n`);
  ports = { staging: await freePort(), 'production/blue': await freePort(), 'production/green': await freePort() };
  process.env.SHIPGATE_TEST_SECRET = 'parent-only-value';
});

afterAll(async () => {
  delete process.env.SHIPGATE_TEST_SECRET;
  await stopAllLocal(stateDir, 2000);
  await rm(dir, { recursive: true, force: true });
});

const provider = () => createProcessProvider({ command: `"${process.execPath}" app.cjs`, cwd: dir, stateDir, ports });
const request = (over: Partial<DeployRequest> = {}): DeployRequest => ({ env: 'staging', version: '1.0.0', sha: 'abc123', appEnv: { GIVEN: 'yes' }, ...over });

async function get(url: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}/health`);
  return (await res.json()) as Record<string, unknown>;
}

describe('process deploy provider', { timeout: 90_000 }, () => {
  it('starts the app on its port with the version, only the env it is given, and records it', async () => {
    const p = provider();
    const d = await p.deploy(request());
    expect(d.url).toBe(`http://127.0.0.1:${ports.staging}`);
    const body = await get(d.url);
    expect(body).toMatchObject({ version: '1.0.0', commit: 'abc123', given: 'yes', secret: null });
    expect((await p.status(d)).state).toBe('running');
    const state = await readLocalState(stateDir);
    expect(state.apps.staging).toMatchObject({ pid: d.data.pid, port: ports.staging, version: '1.0.0' });
    expect(await readFile(String(d.data.logFile), 'utf8')).toContain('starting staging version 1.0.0');
  });

  it('redeploying a slot replaces the old process; two slots run side by side', async () => {
    const p = provider();
    const blue1 = await p.deploy(request({ env: 'production', slot: 'blue', version: '1.0.0' }));
    const green = await p.deploy(request({ env: 'production', slot: 'green', version: '2.0.0' }));
    const blue2 = await p.deploy(request({ env: 'production', slot: 'blue', version: '3.0.0' }));
    expect(blue2.id).not.toBe(blue1.id);
    expect(isPidAlive(Number(blue1.data.pid))).toBe(false);
    expect((await p.status(blue1)).state).toBe('stopped');
    expect(await get(blue2.url)).toMatchObject({ version: '3.0.0' });
    expect(await get(green.url)).toMatchObject({ version: '2.0.0' });
    expect(blue2.url).not.toBe(green.url);
  });

  it('a command that exits at once fails with its log tail, redacted, and leaves no record', async () => {
    const p = createProcessProvider({ command: `"${process.execPath}" crash.cjs`, cwd: dir, stateDir, ports: { crashy: await freePort() } });
    const err = await p.deploy(request({ env: 'crashy' })).catch((e: unknown) => e);
    expect(isShipgateError(err) && err.code).toBe('SHIPGATE_PROCESS_EXITED');
    const message = (err as Error).message;
    expect(message).toContain('boom: cannot start');
    expect(message).toContain('exit code 3');
    expect(message).not.toContain('hunter2secret');
    expect((await readLocalState(stateDir)).apps.crashy).toBeUndefined();
  });

  it('an app that never listens is stopped after startTimeoutMs, with a clear error', async () => {
    const p = createProcessProvider({ command: `"${process.execPath}" -e "console.log('up but deaf'); setInterval(() => {}, 1000)"`, cwd: dir, stateDir, ports: { deaf: await freePort() }, startTimeoutMs: 5000, stopGraceMs: 2000 });
    const err = await p.deploy(request({ env: 'deaf' })).catch((e: unknown) => e);
    expect(isShipgateError(err) && err.code).toBe('SHIPGATE_PROCESS_START_TIMEOUT');
    expect((err as Error).message).toContain('up but deaf');
    expect((await readLocalState(stateDir)).apps.deaf).toBeUndefined();
  });

  it('stop kills the whole process group and is idempotent', async () => {
    const p = provider();
    const d = await p.deploy(request({ env: 'production', slot: 'green', version: '4.0.0' }));
    const { helperPid } = (await get(d.url)) as { helperPid: number };
    expect(isPidAlive(helperPid)).toBe(true);
    await p.stop(d);
    expect(isGroupAlive(Number(d.data.pid))).toBe(false);
    expect(isPidAlive(helperPid)).toBe(false);
    expect((await p.status(d)).state).toBe('stopped');
    await p.stop(d);
    expect((await readLocalState(stateDir)).apps['production/green']).toBeUndefined();
  });

  it('picks stable ports from basePort when no map is given', async () => {
    const base = await freePort();
    const p = createProcessProvider({ command: `"${process.execPath}" app.cjs`, cwd: dir, stateDir: join(dir, 'state-base'), basePort: base });
    const a = await p.deploy(request({ env: 'preview' }));
    const b = await p.deploy(request({ env: 'preview', version: '1.0.1' }));
    expect(a.url).toBe(b.url);
    expect(Number(b.data.port)).toBeGreaterThanOrEqual(base);
    await stopAllLocal(join(dir, 'state-base'), 2000);
  });

  it('stopAllLocal stops every recorded app', async () => {
    const p = provider();
    const s = await p.deploy(request());
    const b = await p.deploy(request({ env: 'production', slot: 'blue' }));
    const stopped = await stopAllLocal(stateDir);
    expect(stopped.map((x) => x.what).sort()).toEqual(expect.arrayContaining(['app production/blue', 'app staging']));
    expect(isPidAlive(Number(s.data.pid)) || isPidAlive(Number(b.data.pid))).toBe(false);
    expect(Object.keys((await readLocalState(stateDir)).apps)).toEqual([]);
  });

  it('rejects options without ports, naming the field', () => {
    expect(() => createProcessProvider({ command: 'x', cwd: dir, stateDir })).toThrow(/ports/);
  });
});

describe('local state file', () => {
  it('survives 20 parallel writes in one process', async () => {
    const sd = join(dir, 'state-concurrent');
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        updateLocalState(sd, (s) => {
          s.ports[`env${i}`] = 5000 + i;
        }),
      ),
    );
    const text = await readFile(join(sd, 'state.json'), 'utf8');
    const parsed = JSON.parse(text) as { ports: Record<string, number> };
    expect(Object.keys(parsed.ports)).toHaveLength(20);
    expect(parsed.ports.env19).toBe(5019);
  });

  it('keeps every write of two processes writing at the same time', { timeout: 60_000 }, async () => {
    const sd = join(dir, 'state-two-processes');
    const stateModule = new URL('../local/state.ts', import.meta.url).href;
    const writer = (name: string) => `
      const { updateLocalState } = await import(${JSON.stringify(stateModule)});
      await Promise.all(Array.from({ length: 15 }, (_, i) => updateLocalState(${JSON.stringify(sd)}, (s) => { s.ports['${name}' + i] = i; })));`;
    const run = (name: string) =>
      new Promise<number | null>((resolvePromise) => {
        const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), '--input-type=module', '-e', writer(name)], { stdio: 'inherit' });
        child.once('exit', resolvePromise);
      });
    expect(await Promise.all([run('a'), run('b')])).toEqual([0, 0]);
    const parsed = JSON.parse(await readFile(join(sd, 'state.json'), 'utf8')) as { ports: Record<string, number> };
    expect(Object.keys(parsed.ports)).toHaveLength(30);
  });
});
