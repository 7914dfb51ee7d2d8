import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../testing/mongo.ts';
import { acquireEnvironmentLock, assertEnvironmentFree, freezeEnvironment, readEnvironmentLock, unfreezeEnvironment } from './locks.ts';
import { presentError } from '../errors.ts';

const t = useTestDatabase('locks');

describe('environment locks (invariant 4)', () => {
  it('of two releases at once, one holds the environment and the other is refused naming the holder', async () => {
    const results = await Promise.allSettled([
      acquireEnvironmentLock(t.db, 'staging', { owner: 'release rel-a', reason: 'releasing 1.2.0' }),
      acquireEnvironmentLock(t.db, 'staging', { owner: 'release rel-b', reason: 'releasing 1.2.1' }),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(presentError(lost[0]!.reason)).toMatch(/SHIPGATE_LOCK_HELD: staging is locked by release rel-[ab] since .* \(releasing 1\.2\.[01]; lease until/);
    await (won[0] as PromiseFulfilledResult<{ release(): Promise<void> }>).value.release();
    await expect(assertEnvironmentFree(t.db, 'staging')).resolves.toBeUndefined();
  });

  it('a lease whose holder died expires and can be taken over', async () => {
    // A holder that died left its lease behind: nobody renews it, and it expired a moment ago.
    await t.db.collection('locks').insertOne({
      _id: 'env:qa' as never, owner: 'release rel-dead', token: 'dead', reason: 'releasing 0.9.0',
      acquiredAt: new Date(Date.now() - 120_000), expiresAt: new Date(Date.now() - 1000),
    });
    const lease = await acquireEnvironmentLock(t.db, 'qa', { owner: 'release rel-new', reason: 'releasing 1.0.0' });
    expect(lease.tookOver).toMatchObject({ owner: 'release rel-dead' });
    expect(await readEnvironmentLock(t.db, 'qa')).toMatchObject({ owner: 'release rel-new' });
    await lease.release();
    expect(await readEnvironmentLock(t.db, 'qa')).toBeNull();
  });

  it('of several releases racing to take over one dead lease, exactly one gets it (8 rounds of 4)', async () => {
    for (let round = 0; round < 8; round++) {
      const env = `race${round}`;
      await t.db.collection('locks').insertOne({
        _id: `env:${env}` as never, owner: 'release rel-dead', token: `dead${round}`, reason: 'r',
        acquiredAt: new Date(Date.now() - 120_000), expiresAt: new Date(Date.now() - 1000),
      });
      const results = await Promise.allSettled([0, 1, 2, 3].map((i) => acquireEnvironmentLock(t.db, env, { owner: `release rel-${i}`, reason: 'r' })));
      const won = results.filter((r): r is PromiseFulfilledResult<Awaited<ReturnType<typeof acquireEnvironmentLock>>> => r.status === 'fulfilled');
      expect(won, `round ${round}`).toHaveLength(1);
      expect((await readEnvironmentLock(t.db, env))?.owner).toBe(won[0]!.value.owner);
      await won[0]!.value.release();
    }
  });

  it('a live lease is renewed while its holder works, so nobody can take it', async () => {
    const lease = await acquireEnvironmentLock(t.db, 'perf', { owner: 'release rel-long', reason: 'r', leaseMs: 2000 });
    await new Promise((r) => setTimeout(r, 4500)); // well past the first expiry: renewals kept it
    await expect(acquireEnvironmentLock(t.db, 'perf', { owner: 'other', reason: 'r' })).rejects.toMatchObject({ code: 'SHIPGATE_LOCK_HELD' });
    expect(lease.lost).toBe(false);
    await lease.release();
  });

  it('a freeze holds until unlocked and names its reason', async () => {
    await freezeEnvironment(t.db, 'production', { by: 'ana', reason: 'nightly smoke failing: acme/notes#12' });
    const err = await acquireEnvironmentLock(t.db, 'production', { owner: 'release rel-c', reason: 'x' }).catch((e: unknown) => e);
    expect(presentError(err)).toMatch(/production is locked by ana .*nightly smoke failing: acme\/notes#12; until unlocked/);
    expect(await unfreezeEnvironment(t.db, 'production')).toMatchObject({ owner: 'ana' });
    const lease = await acquireEnvironmentLock(t.db, 'production', { owner: 'release rel-c', reason: 'x' });
    await lease.release();
  });
});
