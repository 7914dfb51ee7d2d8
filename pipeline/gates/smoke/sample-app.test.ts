/**
 * The health and smoke gates against the real sample app (app/src) on FerretDB: the app's smoke
 * suite passes, and no smoke note is left behind after a passing run nor after a failing one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../testing/mongo.ts';
import { freePort } from '../../mongo/embedded.ts';
import { createApp, type App } from '../../../app/src/app.ts';
import { createLogger } from '../../../app/src/log.ts';
import { runSmokeGate } from './gate.ts';
import { runHealthGate } from '../health/gate.ts';

const t = useTestDatabase('smoke');
let app: App;
let url: string;

beforeAll(async () => {
  app = createApp({ mongoUri: t.uri, dbName: t.dbName, version: '1.5.0', commit: 'abc1234', logger: createLogger({ write: () => undefined }) });
  url = `http://127.0.0.1:${await app.listen(0)}`;
});
afterAll(async () => {
  await app?.close();
});

const smokeNotes = () => t.db.collection('notes').countDocuments({ tags: 'shipgate-smoke' });

describe('gates against the sample app on FerretDB', () => {
  it('health reports a database that is down', async () => {
    const probe = await freePort();
    const down = createApp({ mongoUri: `mongodb://127.0.0.1:${probe}/x`, version: '1.5.0', commit: 'abc1234', logger: createLogger({ write: () => undefined }), healthPingTimeoutMs: 300 });
    const port = await down.listen(0);
    try {
      const r = await runHealthGate({ url: `http://127.0.0.1:${port}`, expectVersion: '1.5.0', intervalMs: 50, maxBackoffMs: 100, timeoutMs: 3_000 });
      expect(r.result.status).toBe('failed');
      expect(r.result.summary).toMatch(/^not healthy: HTTP 503 \(db down\)/);
    } finally {
      await down.close();
    }
  });

  it('health passes on the expected version and names the running one otherwise', async () => {
    const ok = await runHealthGate({ url, expectVersion: '1.5.0', intervalMs: 50, timeoutMs: 30_000 });
    expect(ok.result.status).toBe('passed');
    const old = await runHealthGate({ url, expectVersion: '1.6.0', intervalMs: 50, maxBackoffMs: 100, timeoutMs: 3_000 });
    expect(old.result.status).toBe('failed');
    expect(old.result.summary).toMatch(/^not healthy: version 1\.5\.0 still serving, expected 1\.6\.0( x \d+)?;.* timeout after 3s$/);
  });

  it('the smoke suite passes and leaves no smoke notes', async () => {
    await t.db.collection('notes').insertOne({ title: 'a real user note', body: '', tags: ['work'], createdAt: new Date(), updatedAt: new Date() });
    // A leftover of an earlier, crashed smoke run: the suite removes it too.
    await t.db.collection('notes').insertOne({ title: 'smoke leftover', body: '', tags: ['shipgate-smoke'], createdAt: new Date(), updatedAt: new Date() });
    // One retry absorbs a slow moment of a loaded machine; a retried pass is still reported (as flaky).
    const r = await runSmokeGate({ url, suites: ['smoke/suites'], timeoutMs: 180_000, retries: 1, env: { EXPECT_VERSION: '1.5.0' } });
    expect(r.result.summary).toMatch(/^4 smoke tests passed/);
    expect(r.result.status).toBe('passed');
    expect(r.report?.tests.map((x) => x.name)).toEqual([
      'notes app › is healthy and reports its version',
      'notes app › creates, reads, lists and deletes a note',
      'notes app › answers 400 with the field at fault for bad input',
      'notes app › answers 404 for a note that does not exist',
    ]);
    expect(await smokeNotes()).toBe(0);
    expect(await t.db.collection('notes').countDocuments({ tags: 'work' })).toBe(1);
  });

  it('a failing smoke run still leaves no smoke notes', async () => {
    const r = await runSmokeGate({ url, suites: ['smoke/fixtures/notes-fail'], timeoutMs: 180_000 });
    expect(r.result.status).toBe('failed');
    expect(r.result.summary).toMatch(/creates a smoke note and then fails/);
    // It failed AFTER creating the note (not at the create call), so cleanup had something to do.
    expect(r.report?.tests[0]?.error).toMatch(/fails on purpose after creating the note/);
    expect(await smokeNotes()).toBe(0);
  });

  it('a version mismatch fails the smoke suite too, and cleans up', async () => {
    const r = await runSmokeGate({ url, suites: ['smoke/suites/notes.test.ts'], timeoutMs: 180_000, env: { EXPECT_VERSION: '9.9.9' } });
    expect(r.result.status).toBe('failed');
    expect(r.result.summary).toMatch(/^1 of 4 smoke tests failed: notes app › is healthy and reports its version/);
    expect(await smokeNotes()).toBe(0);
  });
});
