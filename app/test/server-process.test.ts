import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { freePort, repoRoot } from '../../pipeline/mongo/embedded.ts';
import { useTestDatabase } from '../../pipeline/testing/mongo.ts';
import { call, waitFor } from './helpers.ts';

const t = useTestDatabase('appproc');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

interface Proc {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function startServer(env: Record<string, string>): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'app/src/server.ts')], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  const lines: Array<Record<string, unknown>> = [];
  let partial = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    partial += d.toString();
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const p of parts) lines.push(JSON.parse(p) as Record<string, unknown>); // throws (fails the test) on non-JSON
  });
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, lines, stdout: () => out, stderr: () => err, exited };
}

async function listeningPort(p: Proc): Promise<number> {
  await waitFor('the "listening" log line', async () => p.lines.some((l) => l.msg === 'listening'), 60_000, 100);
  return Number(p.lines.find((l) => l.msg === 'listening')?.port);
}

describe('app/src/server.ts as a process', () => {
  it('serves, logs JSON lines (listening, access log) and exits 0 on SIGTERM', async () => {
    const p = startServer({ MONGODB_URI: t.uriFor(t.dbName), PORT: '0', APP_VERSION: '9.9.9', APP_COMMIT: 'feedbee' });
    const port = await listeningPort(p);
    const base = `http://127.0.0.1:${port}`;
    await waitFor('health 200', async () => (await call(base, '/health')).status === 200);
    expect((await call(base, '/health')).body).toMatchObject({ status: 'ok', version: '9.9.9', commit: 'feedbee', db: 'up' });
    const created = await call(base, '/notes', { method: 'POST', json: { title: 'from the process', tags: ['shipgate-smoke'] } });
    expect(created.status).toBe(201);
    expect(await t.db.collection('notes').countDocuments({ slug: created.body.slug })).toBe(1);
    await waitFor('access log line', async () => p.lines.some((l) => l.msg === 'request' && l.method === 'POST' && l.status === 201));
    const access = p.lines.find((l) => l.msg === 'request' && l.method === 'POST');
    expect(access).toMatchObject({ level: 'info', path: '/notes', status: 201, reqId: expect.any(String), ms: expect.any(Number), time: expect.any(String) });
    expect(p.lines.find((l) => l.msg === 'listening')).toMatchObject({ level: 'info', port, version: '9.9.9', db: t.dbName });
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.lines.some((l) => l.msg === 'stopped')).toBe(true);
  }, 90_000);

  it('starts with the database down and never logs the connection-string password', async () => {
    const dbPort = await freePort();
    const p = startServer({ MONGODB_URI: `mongodb://notesuser:s3cretPassw0rd@127.0.0.1:${dbPort}/notes`, PORT: '0' });
    const port = await listeningPort(p);
    const health = await call(`http://127.0.0.1:${port}`, '/health');
    expect(health).toMatchObject({ status: 503, body: { status: 'degraded', db: 'down', version: '0.0.0-dev', commit: 'unknown' } });
    await waitFor('a warning about the database', async () => p.lines.some((l) => l.level === 'warn'));
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.stdout()).toContain('notesuser:***@127.0.0.1');
    expect(p.stdout() + p.stderr()).not.toContain('s3cretPassw0rd');
  }, 90_000);

  it('exits 1 naming MONGODB_URI when it is missing, and names a bad PORT', async () => {
    const missing = startServer({ PORT: '0' });
    expect(await missing.exited).toBe(1);
    expect(missing.stderr()).toMatch(/MONGODB_URI is required/);
    expect(missing.lines[0]).toMatchObject({ level: 'error', msg: 'invalid environment' });
    const badPort = startServer({ MONGODB_URI: t.uri, PORT: 'eighty' });
    expect(await badPort.exited).toBe(1);
    expect(badPort.stderr()).toMatch(/PORT must be a whole number/);
  }, 60_000);

  it('on SIGTERM finishes the request in flight, then exits 0', async () => {
    const p = startServer({ MONGODB_URI: t.uriFor(t.dbName), PORT: '0', LOG_LEVEL: 'debug', REQUEST_TIMEOUT_MS: '60000' });
    const port = await listeningPort(p);
    // A POST whose body we hold open: the request is in flight until we send the rest.
    const req = request({
      host: '127.0.0.1',
      port,
      path: '/notes',
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'slow-1' },
    });
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      req.on('response', (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
    });
    req.write('{"title": "slow ');
    await waitFor('the server to receive the slow request', async () => p.lines.some((l) => l.msg === 'request received' && l.reqId === 'slow-1'));
    p.child.kill('SIGTERM');
    await waitFor('"shutting down"', async () => p.lines.some((l) => l.msg === 'shutting down'));
    expect(p.child.exitCode).toBeNull();
    req.end('request"}');
    const res = await response;
    expect(res.status).toBe(201);
    expect(JSON.parse(res.body)).toMatchObject({ title: 'slow request' });
    expect(await p.exited).toBe(0);
    const order = p.lines.map((l) => l.msg);
    expect(order.indexOf('request')).toBeGreaterThan(order.indexOf('shutting down'));
    expect(order.indexOf('stopped')).toBeGreaterThan(order.indexOf('request'));
  }, 90_000);
});
