import { afterAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { startEmbeddedMongo, type EmbeddedMongo } from '../../pipeline/mongo/embedded.ts';
import { quietPort } from '../../pipeline/release/testing/world.ts';
import { useTestDatabase } from '../../pipeline/testing/mongo.ts';
import { call, startApp, waitFor, type RunningApp } from './helpers.ts';

const t = useTestDatabase('health');
const cleanup: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
});

describe('GET /health', () => {
  it('answers 200 with version, commit, db up and uptime', async () => {
    const run = await startApp({ mongoUri: t.uri, dbName: t.dbName, version: '2.0.0', commit: 'deadbee' });
    cleanup.push(() => run.close());
    await waitFor('health 200', async () => (await call(run.base, '/health')).status === 200);
    const res = await call(run.base, '/health');
    expect(res.body).toEqual({ status: 'ok', version: '2.0.0', commit: 'deadbee', db: 'up', dbName: t.dbName, uptimeS: expect.any(Number) });
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('starts while the database is down, flips 503 → 200 → 503 → 200 as the server stops and returns', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sg-app-health-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    // The server is stopped and started again on this port: a port below the ephemeral range, so
    // no outgoing connection on the machine can take it in between (EADDRINUSE on busy machines).
    const port = await quietPort(1, new Set());
    // Nothing listens on `port` yet: the app must still start and report degraded.
    const run: RunningApp = await startApp({ mongoUri: `mongodb://127.0.0.1:${port}/healthflip`, version: '3.1.4', commit: 'c0ffee0' });
    cleanup.push(() => run.close());
    const down = await call(run.base, '/health');
    expect(down.status).toBe(503);
    expect(down.body).toEqual({ status: 'degraded', version: '3.1.4', commit: 'c0ffee0', db: 'down', dbName: 'healthflip', uptimeS: expect.any(Number) });
    // Notes routes answer 503 too (not 500, not a hang) while the database is away.
    expect(await call(run.base, '/notes')).toMatchObject({ status: 503, body: { error: 'db_unavailable' } });

    let mongo: EmbeddedMongo = await startEmbeddedMongo({ dataDir, port });
    cleanup.push(() => mongo.stop());
    await waitFor('health 200 after the database came up', async () => (await call(run.base, '/health')).status === 200, 60_000);
    const note = await call(run.base, '/notes', { method: 'POST', json: { title: 'survives a restart' } });
    expect(note.status).toBe(201);

    await mongo.stop();
    await waitFor('health 503 after the database stopped', async () => {
      const res = await call(run.base, '/health');
      return res.status === 503 && res.body.db === 'down' && res.body.status === 'degraded';
    }, 60_000);

    mongo = await startEmbeddedMongo({ dataDir, port });
    await waitFor('health 200 after the database returned', async () => {
      const res = await call(run.base, '/health');
      return res.status === 200 && res.body.db === 'up';
    }, 60_000);
    expect(await call(run.base, `/notes/${note.body.id}`)).toMatchObject({ status: 200, body: { title: 'survives a restart' } });
    await mongo.stop();
  }, 180_000);
});

describe('request timeout', () => {
  it('answers 503 {error:"timeout"} when a handler runs past requestTimeoutMs', async () => {
    const run = await startApp({ mongoUri: t.uri, dbName: t.dbName, requestTimeoutMs: 300 });
    cleanup.push(() => run.close());
    // A body that never finishes keeps the POST handler waiting, past the budget.
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: new URL(run.base).port, path: '/notes', method: 'POST', headers: { 'content-type': 'application/json' } },
        (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => {
            resolve({ status: res.statusCode ?? 0, body: text });
            req.destroy();
          });
        },
      );
      req.on('error', reject);
      req.write('{"title": "never fin');
    });
    expect(status).toBe(503);
    expect(JSON.parse(body)).toMatchObject({ error: 'timeout' });
    expect(run.logs.some((l) => l.msg === 'request' && l.status === 503 && l.path === '/notes')).toBe(true);
  });
});
