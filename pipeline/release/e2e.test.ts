/**
 * End-to-end releases on real parts: the sample app (child processes), FerretDB, the local
 * router, real migrations and gates. Each test builds its own world (temp config, free ports).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

vi.setConfig({ testTimeout: 240_000 });
import { useTestDatabase } from '../testing/mongo.ts';
import { createReleaseWorld, type World } from './testing/world.ts';
import { approveRelease } from './decide.ts';
import { environmentStates } from './status.ts';
import { rollbackEnvironment } from './rollback.ts';
import { seedSampleData } from '../../app/seed.ts';
import { presentError } from '../errors.ts';
import { canonicalJson, sha256Hex } from './canonical.ts';
import type { Db } from 'mongodb';

const t = useTestDatabase('e2e');
const worlds: World[] = [];
afterEach(async () => {
  await Promise.all(worlds.splice(0).map((w) => w.close()));
});

async function world(opts: Parameters<typeof createReleaseWorld>[0] extends infer O ? Partial<O> : never = {}): Promise<World> {
  const w = await createReleaseWorld({ client: t.client, serverUri: t.uri, freshName: (p) => t.freshName(p), ...opts });
  worlds.push(w);
  for (const env of ['staging', 'production']) await seedSampleData((await w.system.runtimes[env]!.migrationTarget()).db);
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

const prodDb = async (w: World) => (await w.system.runtimes.production!.migrationTarget()).db;
const deps = (w: World) => ({ store: w.system.store, audit: w.system.audit, policy: w.system.policy });
const json = async (url: string) => (await fetch(url, { signal: AbortSignal.timeout(5000) })).json() as Promise<Record<string, unknown>>;

describe('a whole release, staging → approval → production (blue/green, local DNS)', () => {
  it('waits for approval with production untouched, refuses self-approval, then goes live; the next release uses the other slot', async () => {
    const w = await world();
    const before = await fingerprint(await prodDb(w));
    const r1 = await w.release('production', '1.0.0');
    const waiting = await w.run(r1._id);
    expect(waiting.status, waiting.reason).toBe('awaiting_approval');
    expect(waiting.stages.filter((s) => s.env === 'staging').every((s) => s.status === 'passed')).toBe(true);
    expect(waiting.targetPlan?.pending).toEqual(['0001-notes-created-at-index', '0002-merge-legacy-memos', '0003-backfill-note-slugs']);
    expect(waiting.targetPlan?.irreversible).toEqual(['0002-merge-legacy-memos']);
    expect(await fingerprint(await prodDb(w))).toBe(before); // invariant 1: nothing written to production yet

    const self = await approveRelease(deps(w), r1._id, { via: 'slack', id: 'U056GHI' }).catch((e: unknown) => e);
    expect(presentError(self)).toMatch(/sam requested release .* and cannot approve it/);
    await approveRelease(deps(w), r1._id, { via: 'cli', id: 'ana' });
    const live = await w.run(r1._id, { waitForApproval: async () => 'approved' });
    expect(live.status, live.reason).toBe('succeeded');
    expect(live.deployments.production?.slot).toBe('blue');
    expect(await json(`${w.publicUrl}/health`)).toMatchObject({ version: '1.0.0', db: 'up' });
    expect(await (await prodDb(w)).collection('memos').countDocuments()).toBe(0);
    expect(live.backups?.production).toMatch(/^sgbackup/);

    const r2 = await w.release('production', '1.1.0', 'raj');
    expect((await w.run(r2._id)).status).toBe('awaiting_approval');
    await approveRelease(deps(w), r2._id, { via: 'github', id: 'ana-dev' });
    const second = await w.run(r2._id, { waitForApproval: async () => 'approved' });
    expect(second.status, second.reason).toBe('succeeded');
    expect(second.deployments.production).toMatchObject({ slot: 'green', previousSlot: 'blue' });
    expect(await json(`${w.publicUrl}/health`)).toMatchObject({ version: '1.1.0' });
    const states = await environmentStates(w.system);
    expect(states.find((s) => s.env === 'production')).toMatchObject({ live: { version: '1.1.0', slot: 'green' }, publicUrl: w.publicUrl });

    // `shipgate rollback production`: back to blue (1.0.0), which stayed up; 1.1.0 added no breaking migration.
    await rollbackEnvironment(w.system, 'production', { force: false, actor: { via: 'cli', id: 'raj' } });
    expect(await json(`${w.publicUrl}/health`)).toMatchObject({ version: '1.0.0' });
    expect((await environmentStates(w.system)).find((s) => s.env === 'production')?.live).toMatchObject({ version: '1.0.0', slot: 'blue' });
    expect(await w.system.audit.verify()).toMatchObject({ ok: true });
  });

  it('an approval given before a new migration was added no longer counts; production stays untouched', async () => {
    const w = await world();
    const r = await w.release('production', '1.0.0');
    expect((await w.run(r._id)).status).toBe('awaiting_approval');
    await approveRelease(deps(w), r._id, { via: 'cli', id: 'raj' });
    const before = await fingerprint(await prodDb(w));
    await w.addMigration('0004-add-archived-flag.ts', `export async function up(db) { await db.collection('notes').updateMany({}, { $set: { archived: false } }); }\n`);
    const out = await w.run(r._id, { waitForApproval: async () => 'approved' });
    expect(out.status).toBe('failed');
    expect(out.reason).toMatch(/not approved for production: the release changed after approval was requested/);
    expect(out.stages.filter((s) => s.env === 'production').every((s) => s.status === 'pending')).toBe(true);
    expect(await fingerprint(await prodDb(w))).toBe(before);
  });
});

describe('failures stop the release before production', () => {
  it('a migration that fails on staging stops the release; production data unchanged, no approval asked', async () => {
    const w = await world({ extraMigrations: { '0004-broken.ts': `export async function up(db) { await db.collection('notes').updateOne({}, { $set: { x: 1 } }); throw new Error('boom: column mismatch'); }\n` } });
    const before = await fingerprint(await prodDb(w));
    const out = await w.run((await w.release('production', '1.0.0'))._id);
    expect(out.status).toBe('failed');
    expect(out.reason).toMatch(/staging\/migrate-plan error: .*0004-broken.*boom: column mismatch/);
    expect(out.digest).toBeUndefined();
    expect(out.stages.filter((s) => s.env === 'production').every((s) => s.status === 'pending')).toBe(true);
    expect(await fingerprint(await prodDb(w))).toBe(before);
  });

  it('a failing smoke test on staging: no approval is requested', async () => {
    const w = await world({ smokeSuites: ['smoke/fixtures/failing'] });
    const out = await w.run((await w.release('production', '1.0.0'))._id);
    expect(out.status).toBe('failed');
    expect(out.reason).toMatch(/^staging\/smoke failed/);
    expect(out.digest).toBeUndefined();
    expect(out.approvals).toEqual([]);
  });

  it('two releases to one environment at once: one runs, the other is refused naming the holder', async () => {
    const w = await world();
    const [a, b] = [await w.release('staging', '2.0.0'), await w.release('staging', '2.0.1', 'raj')];
    const [ra, rb] = await Promise.all([w.run(a._id), w.run(b._id)]);
    const outcomes = [ra, rb].map((r) => r.status).sort();
    expect(outcomes).toEqual(['failed', 'succeeded']);
    const refused = [ra, rb].find((r) => r.status === 'failed')!;
    const winner = [ra, rb].find((r) => r.status === 'succeeded')!;
    expect(refused.reason).toContain(`staging is locked by release ${winner._id}`);
  });
});
