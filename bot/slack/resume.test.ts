/**
 * What a starting bot (local mode) picks up from its store: releases awaiting approval, unless a
 * live process on this host runs them, and running releases whose process died. The whole
 * restart-then-Approve path runs in e2e.test.ts; this pins the choice of releases.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestDatabase } from '../../pipeline/testing/mongo.ts';
import type { ReleaseSystem } from '../../pipeline/release/factory.ts';
import type { ReleaseRecord } from '../../pipeline/release/types.ts';
import { startSlackHarness } from './testing/harness.ts';
import { awaitingApproval, slackTestSystem } from './testing/fixtures.ts';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });
const t = useTestDatabase('slackresume');
let system: ReleaseSystem;
let alive: ChildProcess;
let deadPid: number;

beforeAll(async () => {
  system = await slackTestSystem({ client: t.client, dbName: t.dbName, mode: 'local', stateDir: await mkdtemp(join(tmpdir(), 'sg-slack-')) });
  alive = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  const gone = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((r) => gone.once('exit', r));
  deadPid = gone.pid!;
});
afterAll(async () => {
  alive?.kill();
  await system?.close();
});

async function left(status: ReleaseRecord['status'], pid: number): Promise<ReleaseRecord> {
  const r = await awaitingApproval(system);
  await system.store.db.collection('locks').deleteMany({});
  return system.store.updateLatest(r._id, (x) => {
    x.status = status;
    x.owner = { host: hostname(), pid };
  });
}

describe('a bot starting in local mode', () => {
  it('resumes releases awaiting approval and running releases whose process died; leaves those a live process runs', async () => {
    const waitingDead = await left('awaiting_approval', deadPid);
    const waitingAlive = await left('awaiting_approval', alive.pid!);
    const runningDead = await left('running', deadPid);
    const runningAlive = await left('running', alive.pid!);
    const h = await startSlackHarness({ system, resolveRef: async () => 'f'.repeat(40) });
    try {
      const resumed = await h.bot.resumed;
      expect(resumed.sort()).toEqual([waitingDead._id, runningDead._id].sort());
      // The resumed ones are now this process's; the others keep their owner.
      for (const r of [waitingDead, runningDead]) {
        await expect.poll(async () => (await system.store.get(r._id)).owner?.pid, { timeout: 20_000 }).toBe(process.pid);
      }
      for (const r of [waitingAlive, runningAlive]) expect((await system.store.get(r._id)).owner?.pid).toBe(alive.pid);
      expect((await system.store.get(waitingDead._id)).status).toBe('awaiting_approval');
      const audit = await system.store.db.collection('audit').find({ type: 'release.resumed' }).toArray();
      expect(audit.map((a) => a.release).sort()).toEqual([waitingDead._id, runningDead._id].sort());
    } finally {
      await h.close();
    }
  });
});
