/**
 * Safety invariants 1 and 8 on the real stage table (release world: real migrations on FerretDB,
 * the real process provider's state, the real local router as DNS). Staging is recorded as passed
 * instead of run, so no app starts unless a test (or a violation) makes one.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

vi.setConfig({ testTimeout: 120_000 });
import { createServer, type Server } from 'node:http';
import type { Db } from 'mongodb';
import { useTestDatabase } from '../testing/mongo.ts';
import { createReleaseWorld, type World } from './testing/world.ts';
import { approveRelease } from './decide.ts';
import { runRelease, type StageRunContext } from './runner.ts';
import { seedSampleData } from '../../app/seed.ts';
import { readLocalState } from '../local/state.ts';
import { canonicalJson, sha256Hex } from './canonical.ts';
import type { GateResult } from '../gates/types.ts';
import type { ReleaseRecord } from './types.ts';

const t = useTestDatabase('invw');
const worlds: World[] = [];
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(worlds.splice(0).map((w) => w.close()));
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function world(): Promise<World> {
  const w = await createReleaseWorld({ client: t.client, serverUri: t.uri, freshName: (p) => t.freshName(p) });
  worlds.push(w);
  await seedSampleData((await w.system.runtimes.production!.migrationTarget()).db);
  return w;
}

/** A fingerprint of every document and index of a database: proves "unchanged". */
async function fingerprint(db: Db): Promise<string> {
  const out: Record<string, unknown> = {};
  for (const c of (await db.listCollections().toArray()).map((x) => x.name).sort()) {
    const docs = await db.collection(c).find().sort({ _id: 1 }).toArray();
    const indexes = (await db.collection(c).indexes()).map((i) => i.name).sort();
    out[c] = { docs: sha256Hex(canonicalJson(docs.map((d) => JSON.parse(JSON.stringify(d))))), indexes };
  }
  return sha256Hex(canonicalJson(out));
}

/** Everything a production write could change: the target database, backups, DNS, running apps. */
async function productionState(w: World, id: string) {
  const prod = w.system.runtimes.production!;
  const prefix = `sgbackup${id.replace(/[^A-Za-z0-9]/g, '').slice(0, 24)}`;
  const { databases } = await t.client.db().admin().listDatabases();
  return {
    db: await fingerprint((await prod.migrationTarget()).db),
    backups: databases.map((d) => d.name).filter((n) => n.startsWith(prefix)),
    dns: await prod.dns!.provider.current(prod.dns!.host),
    apps: Object.keys((await readLocalState(w.stateDir)).apps).filter((k) => k.startsWith('production')),
  };
}

const passed = (gate: string): GateResult => ({ gate, status: 'passed', summary: `${gate} passed`, details: '', metrics: {}, startedAt: new Date().toISOString(), durationMs: 1 });

/** A release with staging recorded as passed, production's approval asked for (real plan) and given by ana. */
async function approvedRelease(w: World, version = '1.0.0'): Promise<string> {
  const r = await w.release('production', version);
  await w.system.store.update(r, (x) => x.stages.filter((s) => s.env === 'staging').forEach((s) => Object.assign(s, { status: 'passed', result: passed(s.name) })));
  const waiting = await w.run(r._id);
  expect(waiting.status, waiting.reason).toBe('awaiting_approval');
  await approveRelease({ store: w.system.store, audit: w.system.audit, policy: w.system.policy }, r._id, { via: 'cli', id: 'ana' });
  return r._id;
}

/** What the runner persisted before its process stopped: approved and running, `done` production stages finished. */
async function stoppedAfter(w: World, id: string, done: string[], deployments: ReleaseRecord['deployments'] = {}) {
  const r = await w.system.store.get(id);
  await w.system.store.update(r, (x) => {
    x.status = 'running';
    x.deployments = { ...x.deployments, ...deployments };
    for (const s of x.stages) if (done.includes(s.key)) Object.assign(s, { status: 'passed', result: passed(s.name) });
  });
}

const resume = (w: World, id: string) => runRelease(w.system.runnerDeps({ waitForApproval: async () => 'approved' }), id);

const productionStages = (r: ReleaseRecord) => Object.fromEntries(r.stages.filter((s) => s.env === 'production').map((s) => [s.name, s.status]));

describe('invariant 1 on the real stages: a resumed release re-checks its approval before every production write', () => {
  it('approval expired while the process was down: refused at the first write; no backup, no migration, no deploy, DNS untouched', async () => {
    const w = await world();
    const id = await approvedRelease(w);
    await stoppedAfter(w, id, []);
    const r = await w.system.store.get(id);
    await w.system.store.update(r, (x) => x.approvals.forEach((a) => (a.expiresAt = new Date(Date.now() - 60_000).toISOString())));
    const before = await productionState(w, id);
    const out = await resume(w, id);
    expect(out.status).toBe('failed');
    expect(out.reason).toMatch(/not approved for production: 0 of 1 approval\(s\); 1 expired/);
    expect(productionStages(out)).toMatchObject({ 'migrate-rehearse': 'passed', backup: 'error', 'migrate-apply': 'pending', deploy: 'pending', cutover: 'pending' });
    expect(out.backups?.production).toBeUndefined();
    expect(await productionState(w, id)).toEqual(before);
  });

  it('a migration added while the process was down: refused at the first write; production unchanged', async () => {
    const w = await world();
    const id = await approvedRelease(w);
    await stoppedAfter(w, id, []);
    await w.addMigration('0004-add-archived-flag.ts', `export async function up(db) { await db.collection('notes').updateMany({}, { $set: { archived: false } }); }\n`);
    const before = await productionState(w, id);
    const out = await resume(w, id);
    expect(out.status).toBe('failed');
    expect(out.reason).toMatch(/the release changed after approval was requested/);
    expect(productionStages(out)).toMatchObject({ backup: 'error', 'migrate-apply': 'pending', deploy: 'pending', cutover: 'pending' });
    expect(await productionState(w, id)).toEqual(before);
  });

  it('approval expired after the new slot was verified: the cutover is refused and DNS is not switched', async () => {
    const w = await world();
    const id = await approvedRelease(w);
    const done = ['migrate-rehearse', 'backup', 'migrate-apply', 'deploy', 'health', 'smoke'].map((n) => `production/${n}`);
    await stoppedAfter(w, id, done, { production: { url: 'http://127.0.0.1:9', slot: 'blue' } });
    // The migrations were applied by the earlier run: what the release was approved for.
    const r = await w.system.store.get(id);
    await w.system.store.update(r, (x) => x.approvals.forEach((a) => (a.expiresAt = new Date(Date.now() - 60_000).toISOString())));
    const before = await productionState(w, id);
    const out = await resume(w, id);
    expect(out.status).toBe('failed');
    expect(out.reason).toMatch(/1 expired/);
    expect(productionStages(out)).toMatchObject({ cutover: 'error', 'verify-public': 'pending' });
    expect(await productionState(w, id)).toEqual(before);
    expect(before.dns).toBeNull(); // no router was ever started
  });
});

/** A loopback app that answers /health like the sample app (or fails, when `status` says so). */
async function healthServer(version: string, status = 200): Promise<string> {
  const s = createServer((req, res) => {
    res.writeHead(req.url === '/health' ? status : 404, { 'content-type': 'application/json', connection: 'close' });
    res.end(JSON.stringify({ status: status === 200 ? 'ok' : 'down', version, db: status === 200 ? 'up' : 'down' }));
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(s.address() as { port: number }).port}`;
}

function stageContext(w: World, release: ReleaseRecord): StageRunContext {
  return { release, env: 'production', signal: AbortSignal.timeout(90_000), progress: () => undefined, patch: (change) => w.system.store.update(release, change) };
}

describe('the stage table: a production stage not declared as writing changes nothing', () => {
  it('every production stage declared writes:false, run without approval on a release with a deployment recorded, leaves DB, backups, DNS and apps as they were', async () => {
    const w = await world();
    const r = await w.release('production', '1.0.0');
    const slot = await healthServer('1.0.0');
    const release = { ...r, deployments: { production: { url: slot, slot: 'green', previousUrl: await healthServer('0.9.0'), previousSlot: 'blue' } } };
    const readOnly = w.system.stages.filter((s) => s.env === 'production' && !s.writes);
    expect(readOnly.length).toBeGreaterThan(0);
    const before = await productionState(w, r._id);
    for (const stage of readOnly) {
      await stage.run(stageContext(w, release));
      expect(await productionState(w, r._id), `production/${stage.name} is declared writes:false`).toEqual(before);
    }
    // Every stage that changes production is declared writes:true — DNS above all.
    expect(w.system.stages.filter((s) => s.env === 'production' && s.writes).map((s) => s.name)).toEqual(expect.arrayContaining(['cutover', 'deploy', 'migrate-apply']));
  });
});

describe('invariant 8: after the cutover the public host itself is verified; a failure switches back', () => {
  async function cutoverWorld() {
    const w = await world();
    const prod = w.system.runtimes.production!;
    const dns = prod.dns!;
    const verify = w.system.stages.find((s) => s.env === 'production' && s.name === 'verify-public')!;
    const oldSlot = await healthServer('1.0.0');
    const newSlot = await healthServer('2.0.0');
    const r = await w.release('production', '2.0.0');
    const release: ReleaseRecord = { ...r, deployments: { production: { url: newSlot, slot: 'green', previousUrl: oldSlot, previousSlot: 'blue' } } };
    const publicServes = (url: string) => dns.provider.switch(dns.host, dns.targetFor(url));
    const current = () => dns.provider.current(dns.host);
    const run = () => verify.run(stageContext(w, release));
    return { w, dns, oldSlot, newSlot, release, publicServes, current, run };
  }

  it('the new slot is healthy but the public host is not: verify-public fails and DNS goes back to the old slot', async () => {
    const c = await cutoverWorld();
    const broken = await healthServer('2.0.0', 503);
    await c.publicServes(broken);
    const out = await c.run();
    expect(out).toMatchObject({ gate: 'verify-public', status: 'failed', metrics: { rolledBack: true } });
    expect(out.summary).toMatch(/switched http:\/\/127\.0\.0\.1:\d+ back to/);
    expect(await c.current()).toBe(c.dns.targetFor(c.oldSlot));
    const rollback = (await c.w.system.audit.forRelease(c.release._id)).find((e) => e.type === 'dns.rollback');
    expect(rollback?.data).toMatchObject({ to: c.dns.targetFor(c.oldSlot) });
  });

  it('the public host still serves the old version: verify-public fails and switches back', async () => {
    const c = await cutoverWorld();
    await c.publicServes(c.oldSlot);
    const out = await c.run();
    expect(out).toMatchObject({ status: 'failed', metrics: { rolledBack: true } });
    expect((await c.w.system.audit.forRelease(c.release._id)).map((e) => e.type)).toContain('dns.rollback');
    // With the public host on the new slot, the same stage passes (the failures above are the host's).
    await c.publicServes(c.newSlot);
    expect((await c.run()).status).toBe('passed');
    expect(await c.current()).toBe(c.dns.targetFor(c.newSlot));
  });
});
