/**
 * End-to-end recovery: a go-live whose new slot fails after the cutover switches back by itself
 * with no request lost through the router; a release process killed mid-deploy is resumed.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

vi.setConfig({ testTimeout: 240_000 });
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { useTestDatabase } from '../testing/mongo.ts';
import { createReleaseWorld, type World } from './testing/world.ts';
import { approveRelease } from './decide.ts';
import { seedSampleData } from '../../app/seed.ts';
import { repoRoot } from '../mongo/embedded.ts';
import { readLocalState } from '../local/state.ts';

const t = useTestDatabase('e2erec');
const worlds: World[] = [];
afterEach(async () => {
  await Promise.all(worlds.splice(0).map((w) => w.close()));
});

async function world(): Promise<World> {
  const w = await createReleaseWorld({ client: t.client, serverUri: t.uri, freshName: (p) => t.freshName(p) });
  worlds.push(w);
  for (const env of ['staging', 'production']) await seedSampleData((await w.system.runtimes[env]!.migrationTarget()).db);
  return w;
}

const deps = (w: World) => ({ store: w.system.store, audit: w.system.audit, policy: w.system.policy });

async function releaseApproved(w: World, version: string) {
  const r = await w.release('production', version);
  expect((await w.run(r._id)).status).toBe('awaiting_approval');
  await approveRelease(deps(w), r._id, { via: 'cli', id: 'ana' });
  return r._id;
}

/** A bounded keep-alive load through the router: counts every request and every failure. */
function loadThrough(url: string) {
  const agent = new Agent({ connections: 2, pipelining: 1 });
  let stop = false;
  const counts = { requests: 0, failed: 0, errors: [] as string[] };
  const worker = async () => {
    while (!stop && counts.requests < 20_000) {
      counts.requests++;
      try {
        const res = await request(`${url}/notes?limit=3`, { dispatcher: agent, headersTimeout: 10_000 });
        await res.body.dump();
        if (res.statusCode !== 200) {
          counts.failed++;
          counts.errors.push(`HTTP ${res.statusCode}`);
        }
      } catch (err) {
        counts.failed++;
        counts.errors.push((err as Error).message);
      }
    }
  };
  const running = Promise.all([worker(), worker()]);
  return {
    counts,
    async stop() {
      stop = true;
      await running;
      await agent.close();
    },
  };
}

describe('recovery', () => {
  it('a new slot that fails after the cutover is switched back automatically, losing no request', async () => {
    const w = await world();
    const first = await w.run(await releaseApproved(w, '1.0.0'), { waitForApproval: async () => 'approved' });
    expect(first.status, first.reason).toBe('succeeded');

    // The next version's health will break right at go-live; its other routes keep working.
    const token = 'e2e-fault-token-0123456789';
    const prod = w.system.runtimes.production!;
    const appEnv = prod.appEnv;
    prod.appEnv = () => ({ ...appEnv(), APP_FAULT_TOKEN: token });
    const id = await releaseApproved(w, '1.1.0');
    const load = loadThrough(w.publicUrl);
    let injected = false;
    const out = await w.run(id, {
      waitForApproval: async () => 'approved',
      onUpdate: async (r, e) => {
        if (e.type === 'stage-started' && e.stage.key === 'production/cutover' && !injected) {
          injected = true;
          const res = await request(`${r.deployments.production!.url}/__fault/health`, { method: 'POST', headers: { 'x-fault-token': token } });
          expect(res.statusCode).toBe(200);
          await res.body.dump();
        }
      },
    });
    await load.stop();
    expect(injected).toBe(true);
    expect(out.status, out.reason).toBe('rolled_back');
    expect(out.reason).toMatch(/switched http:\/\/127\.0\.0\.1:\d+ back to/);
    const health = (await (await fetch(`${w.publicUrl}/health`)).json()) as { version: string };
    expect(health.version).toBe('1.0.0');
    console.log(`[cutover + rollback under load] ${load.counts.requests} requests, ${load.counts.failed} failed`);
    expect(load.counts.requests).toBeGreaterThan(0);
    expect(load.counts.failed, load.counts.errors.slice(0, 5).join('; ')).toBe(0);
    const types = (await w.system.audit.forRelease(id)).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['dns.cutover', 'dns.rollback']));
  });

  it('a release process killed during the production deploy is resumed to the end; the audit chain verifies', async () => {
    const w = await world();
    const id = await releaseApproved(w, '1.0.0');
    const cli = spawn(process.execPath, [join(repoRoot, 'bin/shipgate.js'), 'release', 'resume', id, '--config', w.configFile], {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH, HOME: process.env.HOME, CI: 'true',
        SHIPGATE_STORE_URI: t.uriFor(w.storeDbName), SHIPGATE_STATE_DIR: w.stateDir, ...w.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    cli.stdout.on('data', (d: Buffer) => (output += d));
    cli.stderr.on('data', (d: Buffer) => (output += d));
    const exited = new Promise<void>((r) => cli.once('exit', () => r()));
    // Kill it as soon as the store says production/deploy is running and the app it spawned is
    // recorded. (Killed between spawn and record, the app would start unrecorded and race the
    // resumed deploy for its port: a known gap of the process provider, not what this test is about.)
    let killedAt = '';
    for (let i = 0; i < 600 && !killedAt; i++) {
      const r = await w.system.store.get(id);
      const stage = r.stages.find((s) => s.key === 'production/deploy');
      const spawned = Object.keys((await readLocalState(w.stateDir)).apps).some((k) => k.startsWith('production/'));
      if (stage?.status === 'running' && spawned) {
        cli.kill('SIGKILL');
        killedAt = stage.key;
      } else if (['succeeded', 'failed', 'rolled_back', 'rejected'].includes(r.status) || cli.exitCode !== null) break;
      else await new Promise((res) => setTimeout(res, 25));
    }
    await exited;
    if (killedAt !== 'production/deploy') console.log(`the CLI never reached production/deploy; its output:\n${output.replace(/^\s+at .*$/gm, '')}`);
    expect(killedAt).toBe('production/deploy');
    const interrupted = await w.system.store.get(id);
    expect(interrupted.stages.find((s) => s.key === 'production/deploy')?.status).toBe('running');

    const resumed = await w.run(id, { waitForApproval: async () => 'approved' });
    expect(resumed.status, `${resumed.reason}\n${JSON.stringify(resumed.stages.map((s) => [s.key, s.status, s.result?.summary]))}`).toBe('succeeded');
    expect(((await (await fetch(`${w.publicUrl}/health`)).json()) as { version: string }).version).toBe('1.0.0');
    expect(await w.system.audit.verify()).toMatchObject({ ok: true });
  });
});
