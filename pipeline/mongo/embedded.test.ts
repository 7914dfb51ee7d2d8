import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { MongoClient } from 'mongodb';
import { startEmbeddedMongo, ferretdbBinary, ferretdbCandidates, findFerretdb } from './embedded.ts';
import { join } from 'node:path';
import { shipgateHome } from '../repo.ts';
import { presentError } from '../errors.ts';

describe('startEmbeddedMongo', () => {
  it('starts FerretDB on a free loopback port that answers ping, and stops it', async () => {
    const m = await startEmbeddedMongo();
    const c = new MongoClient(m.uri, { serverSelectionTimeoutMS: 3000 });
    await c.connect();
    expect(await c.db('admin').command({ ping: 1 })).toMatchObject({ ok: 1 });
    await c.close();
    await m.stop();
    const again = new MongoClient(m.uri, { serverSelectionTimeoutMS: 500 });
    await expect(again.connect()).rejects.toThrow();
    await again.close();
  });

  it('names the fix when the binary is missing', async () => {
    const err = await startEmbeddedMongo({ binary: '/nonexistent/ferretdb' }).catch((e: unknown) => e);
    expect(presentError(err)).toMatch(/SHIPGATE_FERRETDB_MISSING[\s\S]*npm run setup/);
  });

  it('dies with its parent: a SIGKILLed parent leaves no server behind', async () => {
    // A parent process starts the server, prints its port, then is killed with SIGKILL.
    const script = `
      import { startEmbeddedMongo } from ${JSON.stringify(new URL('./embedded.ts', import.meta.url).pathname)};
      const m = await startEmbeddedMongo();
      console.log(m.pid);
      setInterval(() => {}, 1000);
    `;
    const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = await new Promise<number>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
    expect(pid).toBeGreaterThan(0);
    parent.kill('SIGKILL');
    let alive = true;
    for (let i = 0; i < 50 && alive; i++) {
      await new Promise((r) => setTimeout(r, 100));
      try {
        process.kill(pid, 0);
      } catch {
        alive = false;
      }
    }
    expect(alive, `ferretdb (pid ${pid}, ${ferretdbBinary}) still running after its parent was killed`).toBe(false);
  });
});

describe('which FerretDB binary (an installed package has no tools/bin)', () => {
  const saved = process.env.SHIPGATE_FERRETDB_BIN;
  const restore = () => (saved === undefined ? delete process.env.SHIPGATE_FERRETDB_BIN : (process.env.SHIPGATE_FERRETDB_BIN = saved));

  it('looks at $SHIPGATE_FERRETDB_BIN, then Shipgate\'s tools/bin, then the per-user cache', () => {
    expect(ferretdbCandidates({ SHIPGATE_FERRETDB_BIN: '/opt/ferretdb', XDG_CACHE_HOME: '/home/u/.xdg', HOME: '/home/u' })).toEqual([
      '/opt/ferretdb',
      join(shipgateHome, 'tools/bin/ferretdb-embedded'),
      '/home/u/.xdg/shipgate/ferretdb-v1.24.2/ferretdb-embedded',
    ]);
    expect(ferretdbCandidates({ HOME: '/home/u' })).toEqual([join(shipgateHome, 'tools/bin/ferretdb-embedded'), '/home/u/.cache/shipgate/ferretdb-v1.24.2/ferretdb-embedded']);
  });

  it('a $SHIPGATE_FERRETDB_BIN that is not there is an error naming it and `npx shipgate setup`, not a silent fallback', async () => {
    expect(findFerretdb({ SHIPGATE_FERRETDB_BIN: '/nonexistent/ferretdb', HOME: '/nonexistent' })).toBeUndefined();
    process.env.SHIPGATE_FERRETDB_BIN = '/nonexistent/ferretdb';
    try {
      const err = await startEmbeddedMongo().catch((e: unknown) => e);
      expect(presentError(err)).toMatch(/SHIPGATE_FERRETDB_MISSING[\s\S]*SHIPGATE_FERRETDB_BIN=\/nonexistent\/ferretdb[\s\S]*npx shipgate setup/);
    } finally {
      restore();
    }
  });

  it('starts the binary $SHIPGATE_FERRETDB_BIN names', async () => {
    process.env.SHIPGATE_FERRETDB_BIN = ferretdbBinary;
    try {
      expect(findFerretdb()).toBe(ferretdbBinary);
      const m = await startEmbeddedMongo();
      await m.stop();
    } finally {
      restore();
    }
  });
});
