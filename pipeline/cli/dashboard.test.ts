/**
 * `shipgate dashboard` as a process, in a user's repository, against a FerretDB store: it prints
 * its loopback URL, serves that repository's releases, and stops cleanly on Ctrl-C (SIGINT, exit
 * 0). A --host beyond loopback and a bad --port are usage errors (exit 2) naming the flag.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestDatabase } from '../testing/mongo.ts';
import { repoRoot } from '../mongo/embedded.ts';
import { ReleaseStore } from '../release/store.ts';
import { seededRelease } from '../dashboard/seed.ts';
import { runShipgate } from './test-helpers.ts';

const t = useTestDatabase('clidash');
const CONFIG = `app: { name: widgets, start: "node server.js" }
environments:
  staging: { deploy: { provider: process }, database: { uriEnv: STAGING_MONGODB_URI } }
people:
  - { name: ana }
`;
let repo: string;
const env = () => ({ SHIPGATE_STORE_URI: t.uriFor(t.dbName), STAGING_MONGODB_URI: t.uriFor(t.freshName('stg')) });

beforeAll(async () => {
  repo = await mkdtemp(join(tmpdir(), 'shipgate-dashboard-'));
  await mkdir(join(repo, '.github'), { recursive: true });
  await writeFile(join(repo, '.github/shipgate.yml'), CONFIG);
  await new ReleaseStore(t.db).create({ ...seededRelease(5, { now: new Date(), days: 1 }), _id: 'rel-cli-dashboard-1', path: ['staging'], target: 'staging', version: '4.2.0' });
});
afterAll(async () => {
  await rm(repo, { recursive: true, force: true });
});

describe('shipgate dashboard', () => {
  it('serves the repository\'s releases on loopback and stops on Ctrl-C', async () => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin/shipgate.js'), 'dashboard', '--port', '0'], { cwd: repo, env: { PATH: process.env.PATH, HOME: process.env.HOME, CI: 'true', ...env() }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 30_000);
      child.stdout.on('data', () => {
        const m = /Shipgate dashboard: (http:\/\/127\.0\.0\.1:\d+\/ui\/)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1] as string);
        }
      });
    });
    expect(out).toContain('(1 release; loopback only, read-only');
    const page = await fetch(`${url}releases`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('rel-cli-dashboard-1');
    expect(html).toContain('4.2.0');
    const code = await new Promise<number | null>((resolve) => {
      child.once('close', resolve);
      child.kill('SIGINT');
    });
    expect(code, out).toBe(0);
    expect(out).not.toContain('left open');
  });

  it('refuses a host beyond loopback and a bad port, naming the flag (exit 2)', async () => {
    const wide = await runShipgate(['dashboard', '--host', '0.0.0.0'], env(), { cwd: repo });
    expect(wide.code).toBe(2);
    expect(wide.stderr).toContain('--host 0.0.0.0: the local dashboard has no sign-in, so it listens on loopback only');
    const port = await runShipgate(['dashboard', '--port', 'eighty'], env(), { cwd: repo });
    expect(port.code).toBe(2);
    expect(port.stderr).toContain('--port "eighty" must be a port number');
  });
});
