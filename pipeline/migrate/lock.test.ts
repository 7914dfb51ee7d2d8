import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../testing/mongo.ts';
import { acquireMigrationLock, lockId, readMigrationLock, type LockDocument } from './lock.ts';
import { applyMigrations } from './apply.ts';
import { openMigrationTarget } from './target.ts';
import { migrationDir } from './test-helpers.ts';
import { isShipgateError } from '../errors.ts';

const t = useTestDatabase('lock');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function target(dir = '/nonexistent') {
  return openMigrationTarget({ client: t.client, dbName: t.freshName('lk'), dir });
}

async function settle<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  return p.then((value) => ({ ok: true as const, value }), (error) => ({ ok: false as const, error }));
}

describe('migration lock', () => {
  it('of two concurrent acquirers exactly one wins; the other is told owner and expiry', async () => {
    const tg = target();
    const [a, b] = await Promise.all([settle(acquireMigrationLock(tg, { owner: 'ana' })), settle(acquireMigrationLock(tg, { owner: 'raj' }))]);
    const wins = [a, b].filter((r) => r.ok);
    expect(wins).toHaveLength(1);
    const loss = [a, b].find((r) => !r.ok) as { error: unknown };
    expect(isShipgateError(loss.error) && loss.error.code).toBe('SHIPGATE_MIGRATION_LOCKED');
    const winner = (wins[0] as { value: Awaited<ReturnType<typeof acquireMigrationLock>> }).value;
    expect((loss.error as Error).message).toContain(`owner ${winner.owner}`);
    expect((loss.error as Error).message).toMatch(/lease expires \d{4}-\d\d-\d\dT/);
    await winner.release();
    expect(await readMigrationLock(tg)).toBeNull();
    const again = await acquireMigrationLock(tg, { owner: 'raj' });
    await again.release();
  });

  it('renews the lease while held, so a short lease does not expire under a live run', async () => {
    const tg = target();
    const lock = await acquireMigrationLock(tg, { owner: 'long-run', leaseMs: 2500, renewEveryMs: 250 });
    await sleep(6000);
    const r = await settle(acquireMigrationLock(tg, { owner: 'other', leaseMs: 1500 }));
    expect(r.ok).toBe(false);
    expect(lock.lost).toBe(false);
    await lock.release();
  });

  it('takes over a stale lock (expired lease); of two racing takers only one wins', async () => {
    const tg = target();
    const stale: LockDocument = { _id: lockId(tg), owner: 'crashed-run', token: 'dead', acquiredAt: new Date(Date.now() - 120_000), expiresAt: new Date(Date.now() - 60_000) };
    await tg.db.collection<LockDocument>(tg.lockCollection).insertOne(stale);
    const [a, b] = await Promise.all([settle(acquireMigrationLock(tg, { owner: 'a' })), settle(acquireMigrationLock(tg, { owner: 'b' }))]);
    const wins = [a, b].filter((r) => r.ok) as Array<{ value: Awaited<ReturnType<typeof acquireMigrationLock>> }>;
    expect(wins).toHaveLength(1);
    expect(wins[0]?.value.tookOver?.owner).toBe('crashed-run');
    expect((await readMigrationLock(tg))?.owner).toBe(wins[0]?.value.owner);
    await wins[0]?.value.release();
  });

  it('notices a lost lease and aborts its signal', async () => {
    const tg = target();
    const lock = await acquireMigrationLock(tg, { owner: 'victim', leaseMs: 1500, renewEveryMs: 200 });
    await tg.db.collection(tg.lockCollection).deleteMany({});
    for (let i = 0; i < 50 && !lock.lost; i++) await sleep(200);
    expect(lock.lost).toBe(true);
    expect(lock.signal.aborted).toBe(true);
    await lock.release();
  });
});

describe('two concurrent apply runs against one database', () => {
  it('the second is refused with the lock holder while the first runs; the first completes', async () => {
    const g = globalThis as unknown as { sgEntered?: () => void; sgGate?: Promise<void> };
    let open!: () => void;
    g.sgGate = new Promise<void>((r) => (open = r));
    const entered = new Promise<void>((r) => (g.sgEntered = r));
    const dir = await migrationDir({
      '0001-slow.js': `export async function up(db) { globalThis.sgEntered(); await globalThis.sgGate; await db.collection('slow').insertOne({ done: true }); }\n`,
    });
    const tg = openMigrationTarget({ client: t.client, dbName: t.freshName('conc'), dir });
    const first = applyMigrations(tg, { actor: 'ana', releaseId: 'rel1', lockLeaseMs: 2000 });
    await entered;
    const second = await settle(applyMigrations(tg, { actor: 'raj', releaseId: 'rel2', lockLeaseMs: 2000 }));
    expect(second.ok).toBe(false);
    const err = (second as { error: Error }).error;
    expect(isShipgateError(err) && err.code).toBe('SHIPGATE_MIGRATION_LOCKED');
    expect(err.message).toContain('owner ana (release rel1)');
    open();
    const report = await first;
    expect(report.applied.map((a) => a.id)).toEqual(['0001-slow']);
    expect(await tg.db.collection('slow').countDocuments()).toBe(1);
    expect(await readMigrationLock(tg)).toBeNull();
    const third = await applyMigrations(tg, { actor: 'raj' });
    expect(third.applied).toEqual([]);
    expect(third.ok).toBe(true);
  });
});
