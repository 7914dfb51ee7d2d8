import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { MongoClient } from 'mongodb';
import { startEmbeddedMongo, ferretdbBinary } from './embedded.ts';
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
