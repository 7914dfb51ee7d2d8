import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../testing/mongo.ts';
import { ReleaseStore, newReleaseId } from './store.ts';
import { AuditLog } from './audit.ts';
import { approveRelease, rejectRelease } from './decide.ts';
import { approvalState, type ApprovalPolicy } from './approvals.ts';
import { releaseDigest } from './digest.ts';
import type { ReleaseRecord } from './types.ts';
import { presentError } from '../errors.ts';

const t = useTestDatabase('rel');
const policy: ApprovalPolicy = {
  people: [
    { name: 'ana', slack: 'U012ABC', github: 'ana-dev' },
    { name: 'raj', slack: 'U034DEF', github: 'rajk' },
    { name: 'sam', slack: 'U056GHI', github: 'sam-gh' },
  ],
  approvers: ['ana', 'raj'],
  minApprovals: 1,
  expiresAfterMs: 4 * 3600_000,
};

async function awaitingRelease(store: ReleaseStore, requester: ReleaseRecord['requester'] = { person: 'sam', identity: { via: 'slack', id: 'U056GHI' } }) {
  const r = await store.create({
    _id: newReleaseId(), repo: 'acme/notes', sha: 'abc123', ref: 'main', version: '1.2.0', path: ['staging', 'production'], target: 'production',
    requester, status: 'running', stages: [], approvals: [], deployments: {},
  });
  return store.update(r, (x) => {
    x.status = 'awaiting_approval';
    x.digest = releaseDigest({ sha: x.sha, target: x.target, planDigest: 'p1', gates: [{ key: 'staging/health', status: 'passed', summary: 'ok' }] });
  });
}

describe('release store', () => {
  it('persists revisions and refuses a stale writer (compare-and-set)', async () => {
    const store = new ReleaseStore(t.db);
    const r = await awaitingRelease(store);
    expect(r.rev).toBe(2);
    await store.update(r, (x) => void (x.reason = 'first'));
    await expect(store.update(r, (x) => void (x.reason = 'second'))).rejects.toMatchObject({ code: 'SHIPGATE_RELEASE_CONFLICT' });
    expect((await store.get(r._id)).reason).toBe('first');
  });

  it('lets exactly one of many concurrent writers win each revision', async () => {
    const store = new ReleaseStore(t.db);
    const r = await awaitingRelease(store);
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => store.update(r, (x) => void (x.reason = `w${i}`))));
    expect(results.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
  });

  it('never stores a secret', async () => {
    const store = new ReleaseStore(t.db);
    const r = await awaitingRelease(store);
    await store.update(r, (x) => void (x.reason = 'cannot reach mongodb+srv://app:hunter22@cluster0.example.net/prod'));
    const raw = await t.db.collection('releases').findOne({ _id: r._id as never });
    expect(JSON.stringify(raw)).not.toContain('hunter22');
  });
});

describe('approvals (invariants 2 and 3)', () => {
  const deps = () => ({ store: new ReleaseStore(t.db), audit: new AuditLog(t.db), policy });

  it('records an approver and refuses the requester under any identity', async () => {
    const d = deps();
    const r = await awaitingRelease(d.store);
    for (const identity of [{ via: 'slack', id: 'U056GHI' }, { via: 'github', id: 'SAM-GH' }, { via: 'cli', id: 'sam' }] as const) {
      const err = await approveRelease(d, r._id, identity).catch((e: unknown) => e);
      expect(presentError(err)).toMatch(/SHIPGATE_SELF_APPROVAL: sam requested release .* and cannot approve it/);
    }
    const ok = await approveRelease(d, r._id, { via: 'github', id: 'rajk' });
    expect(ok.approved).toBe(true);
    expect(ok.release.approvals.map((a) => a.person)).toEqual(['raj']);
  });

  it('refuses non-approvers and strangers, and a second click', async () => {
    const d = deps();
    const r = await awaitingRelease(d.store, { person: 'ana', identity: { via: 'cli', id: 'ana' } });
    await expect(approveRelease(d, r._id, { via: 'slack', id: 'U056GHI' })).rejects.toMatchObject({ code: 'SHIPGATE_NOT_AN_APPROVER' });
    await expect(approveRelease(d, r._id, { via: 'slack', id: 'UNOBODY' })).rejects.toMatchObject({ code: 'SHIPGATE_NOT_A_PERSON' });
    await approveRelease(d, r._id, { via: 'slack', id: 'U034DEF' });
    await expect(approveRelease(d, r._id, { via: 'cli', id: 'raj' })).rejects.toMatchObject({ code: 'SHIPGATE_ALREADY_APPROVED' });
    expect((await d.store.get(r._id)).approvals).toHaveLength(1);
  });

  it('an approval stops counting when the digest changes or it expires', async () => {
    const d = deps();
    const r = await awaitingRelease(d.store);
    const { release } = await approveRelease(d, r._id, { via: 'cli', id: 'ana' });
    const now = new Date();
    expect(approvalState(release, policy, release.digest, now).approved).toBe(true);
    const changed = releaseDigest({ sha: 'abc123', target: 'production', planDigest: 'p2-new-migration', gates: [{ key: 'staging/health', status: 'passed', summary: 'ok' }] });
    const stale = approvalState(release, policy, changed, now);
    expect(stale.approved).toBe(false);
    expect(stale.reason).toMatch(/different digest/);
    const later = new Date(now.getTime() + policy.expiresAfterMs + 1000);
    expect(approvalState(release, policy, release.digest, later)).toMatchObject({ approved: false, reason: expect.stringMatching(/expired/) });
  });

  it('minApprovals counts distinct approvers', async () => {
    const d = { ...deps(), policy: { ...policy, minApprovals: 2 } };
    const r = await awaitingRelease(d.store);
    expect((await approveRelease(d, r._id, { via: 'cli', id: 'ana' })).approved).toBe(false);
    expect((await approveRelease(d, r._id, { via: 'cli', id: 'raj' })).approved).toBe(true);
  });

  it('a rejection ends the release; approving afterwards is refused', async () => {
    const d = deps();
    const r = await awaitingRelease(d.store);
    const rejected = await rejectRelease(d, r._id, { via: 'slack', id: 'U012ABC' }, 'load p99 too close to the limit');
    expect(rejected).toMatchObject({ status: 'rejected', reason: 'rejected by ana: load p99 too close to the limit' });
    await expect(approveRelease(d, r._id, { via: 'cli', id: 'raj' })).rejects.toMatchObject({ code: 'SHIPGATE_RELEASE_STATE' });
  });
});

describe('audit log', () => {
  it('verifies an intact chain and detects an edit, a deletion and a deleted tail', async () => {
    const db = t.client.db(t.freshName('audit'));
    const audit = new AuditLog(db);
    for (let i = 0; i < 5; i++) await audit.append({ type: 'release.stage', release: 'r1', data: { i } });
    expect(await audit.verify()).toEqual({ ok: true, entries: 5 });

    await db.collection('audit').updateOne({ _id: 3 as never }, { $set: { 'data.i': 99 } });
    expect(await audit.verify()).toMatchObject({ ok: false, problem: expect.stringMatching(/entry 3 .* was edited/) });
    await db.collection('audit').updateOne({ _id: 3 as never }, { $set: { 'data.i': 2 } });
    expect((await audit.verify()).ok).toBe(true);

    await db.collection('audit').deleteOne({ _id: 2 as never });
    expect(await audit.verify()).toMatchObject({ ok: false, problem: 'entry 2 is missing (next is 3)' });

    const db2 = t.client.db(t.freshName('audit'));
    const a2 = new AuditLog(db2);
    for (let i = 0; i < 3; i++) await a2.append({ type: 'release.stage', data: { i } });
    await db2.collection('audit').deleteOne({ _id: 3 as never });
    expect(await a2.verify()).toMatchObject({ ok: false, problem: expect.stringMatching(/deleted from the end/) });
  });

  it('keeps a gapless chain under concurrent appends, its head at the last entry after every round', async () => {
    // Head updates used to race on FerretDB (the head stayed at entry 3 of 12, ~1 run in 6):
    // 10 rounds of 12 concurrent appends make that old race show up nearly every run.
    const db = t.client.db(t.freshName('audit'));
    const audit = new AuditLog(db);
    const rounds = 10;
    const perRound = 12;
    for (let round = 1; round <= rounds; round++) {
      const appended = await Promise.all(Array.from({ length: perRound }, (_, i) => audit.append({ type: 'lock.acquired', data: { round, i } })));
      expect(await audit.verify(), `round ${round}`).toEqual({ ok: true, entries: round * perRound });
      const last = appended.reduce((a, b) => (a._id > b._id ? a : b));
      expect(last._id).toBe(round * perRound);
      expect(await audit.head(), `round ${round}`).toEqual({ seq: last._id, hash: last.hash });
    }
  });
});
