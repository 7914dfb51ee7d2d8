/**
 * The safety invariants (DESIGN.md), each tested against the violation it forbids — the tests
 * here were written by applying each violation to the code by hand and watching a test fail
 * (docs/releases.md, "How the invariants are tested"). The runner's stages are small functions
 * that record whether they ran; the real stages on real parts are in invariants-world.test.ts.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { hostname } from 'node:os';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../testing/mongo.ts';
import { ReleaseStore, newReleaseId } from './store.ts';
import { AuditLog } from './audit.ts';
import { initialStages, runRelease, type RunnerDeps, type StageSpec } from './runner.ts';
import { approveRelease, rejectRelease } from './decide.ts';
import { approvalState, isRequester, type ApprovalPolicy } from './approvals.ts';
import { approvalForCurrentDigest } from './approval-now.ts';
import { digestInputOf, releaseDigest, type DigestInput } from './digest.ts';
import { acquireEnvironmentLock, assertEnvironmentFree, clearOwnEnvironmentLock, freezeEnvironment, readEnvironmentLock, unfreezeEnvironment } from './locks.ts';
import { isOwnerDeadHere } from './factory.ts';
import { verifyStage } from './stages/deploy.ts';
import { approvalCheckFor } from './stages/migrate.ts';
import type { EnvironmentRuntime } from './stages/runtime.ts';
import { healthGate } from '../gates/health/gate.ts';
import type { Gate, GateResult } from '../gates/types.ts';
import type { ApprovalRecord, ReleaseRecord } from './types.ts';

const t = useTestDatabase('inv');
const policy: ApprovalPolicy = {
  people: [
    { name: 'ana', slack: 'U012ABC', github: 'ana-dev' },
    { name: 'raj', slack: 'U034DEF', github: 'rajk' },
    { name: 'sam', slack: 'U056GHI', github: 'sam-gh' },
  ],
  approvers: ['ana', 'raj'],
  minApprovals: 1,
  expiresAfterMs: 3600_000,
};

const passed = (gate: string): GateResult => ({ gate, status: 'passed', summary: `${gate} passed`, details: '', metrics: {}, startedAt: new Date().toISOString(), durationMs: 1 });

/** A release path of recording stages: staging (2) then protected production (3 writes, 1 check). */
function runnerWorld(opts: { planDigest?: () => string; readOnlyFirst?: boolean } = {}) {
  const ran: string[] = [];
  const stage = (env: string, name: string, writes: boolean): StageSpec => ({
    env, name, writes, rerunnable: true,
    async run() {
      ran.push(`${env}/${name}`);
      return passed(name);
    },
  });
  const stages = [
    stage('staging', 'deploy', true), stage('staging', 'health', false),
    ...(opts.readOnlyFirst ? [stage('production', 'migrate-rehearse', false)] : []),
    stage('production', 'migrate-apply', true), stage('production', 'deploy', true), stage('production', 'health', false), stage('production', 'cutover', true),
  ];
  const db = t.client.db(t.freshName('inv'));
  const store = new ReleaseStore(db);
  const audit = new AuditLog(db);
  const deps: RunnerDeps = {
    store, audit, policy, stages,
    isProtected: (env) => env === 'production',
    isOwnerDead: isOwnerDeadHere,
    async planTarget() {
      return { env: 'production', digest: opts.planDigest?.() ?? 'plan-1', pending: ['0001-x'], lines: [], approximate: false, irreversible: [], breaking: [] };
    },
    waitForApproval: async () => 'approved',
  };
  const create = async () =>
    (await store.create({
      _id: newReleaseId(), repo: 'acme/notes', sha: 'abc', ref: 'main', version: '1.0.0', path: ['staging', 'production'], target: 'production',
      requester: { person: 'sam', identity: { via: 'cli', id: 'sam' } }, status: 'running', stages: initialStages(stages, ['staging', 'production']),
      approvals: [], deployments: {},
    }))._id;
  /** Staging done, approval asked and given by ana, then the process stopped before production. */
  const approvedThenStopped = async () => {
    const id = await create();
    expect((await runRelease({ ...deps, waitForApproval: async () => 'pending' }, id)).status).toBe('awaiting_approval');
    await approveRelease({ store, audit, policy }, id, { via: 'cli', id: 'ana' });
    // What the runner persists right after approval, before its first production stage.
    const r = await store.get(id);
    await store.update(r, (x) => void (x.status = 'running'));
    ran.length = 0;
    return id;
  };
  return { ran, deps, store, audit, db, create, approvedThenStopped };
}

describe('invariant 1: every protected write re-checks the approval, also on resume', () => {
  it('a release resumed after its approval expired is refused before its first production write', async () => {
    const w = runnerWorld();
    const id = await w.approvedThenStopped();
    const r = await w.store.get(id);
    await w.store.update(r, (x) => x.approvals.forEach((a) => (a.expiresAt = new Date(Date.now() - 1000).toISOString())));
    const out = await runRelease(w.deps, id);
    expect(out.status).toBe('failed');
    expect(out.reason).toMatch(/^SHIPGATE_NOT_APPROVED|not approved for production: 0 of 1 approval\(s\); 1 expired/);
    expect(w.ran).toEqual([]);
    expect(out.stages.find((s) => s.key === 'production/migrate-apply')).toMatchObject({ status: 'error', result: { summary: expect.stringMatching(/1 expired/) } });
  });

  it('a release resumed after its plan changed is refused before its first production write', async () => {
    let plan = 'plan-1';
    const w = runnerWorld({ planDigest: () => plan });
    const id = await w.approvedThenStopped();
    plan = 'plan-2-a-migration-was-added';
    const out = await runRelease(w.deps, id);
    expect(out.status).toBe('failed');
    expect(out.reason).toMatch(/the release changed after approval was requested/);
    expect(w.ran).toEqual([]);
  });

  it('an approval that expires between two production writes stops the release before the second', async () => {
    const w = runnerWorld();
    const id = await w.approvedThenStopped();
    let clock = Date.now();
    const stages = w.deps.stages.map((s) =>
      s.env === 'production' && s.name === 'migrate-apply'
        ? { ...s, run: async (ctx: Parameters<StageSpec['run']>[0]) => ((clock += policy.expiresAfterMs + 1000), s.run(ctx)) }
        : s,
    );
    const out = await runRelease({ ...w.deps, stages, now: () => new Date(clock) }, id);
    expect(out.status).toBe('failed');
    expect(w.ran).toEqual(['production/migrate-apply']);
    expect(out.stages.find((s) => s.key === 'production/deploy')).toMatchObject({ status: 'error' });
    expect(out.stages.find((s) => s.key === 'production/cutover')?.status).toBe('pending');
  });

  it('an approval that is no longer valid when production is entered stops the release before any production stage', async () => {
    const w = runnerWorld({ readOnlyFirst: true });
    const id = await w.create();
    expect((await runRelease({ ...w.deps, waitForApproval: async () => 'pending' }, id)).status).toBe('awaiting_approval');
    await approveRelease({ store: w.store, audit: w.audit, policy }, id, { via: 'cli', id: 'ana' });
    const r = await w.store.get(id);
    await w.store.update(r, (x) => x.approvals.forEach((a) => (a.expiresAt = new Date(Date.now() - 1000).toISOString())));
    w.ran.length = 0;
    const events: string[] = [];
    const out = await runRelease({ ...w.deps, onUpdate: (_r, e) => void events.push(e.type) }, id);
    expect(out.status).toBe('failed');
    expect(out.reason).toMatch(/1 expired/);
    expect(w.ran).toEqual([]);
    expect(events).not.toContain('approved');
  });

  it('a release rejected while the runner waits ends rejected; nothing runs on production', async () => {
    const w = runnerWorld();
    const id = await w.create();
    const out = await runRelease(
      { ...w.deps, waitForApproval: async (r) => (await rejectRelease({ store: w.store, audit: w.audit, policy }, r._id, { via: 'cli', id: 'raj' }, 'not today'), 'rejected') },
      id,
    );
    expect(out).toMatchObject({ status: 'rejected', reason: 'rejected by raj: not today' });
    expect(await w.store.get(id)).toMatchObject({ status: 'rejected', reason: 'rejected by raj: not today' });
    expect(w.ran.filter((s) => s.startsWith('production/'))).toEqual([]);
  });

  it('a finished release is never run again: resuming it changes nothing and runs nothing', async () => {
    const w = runnerWorld();
    const id = await w.approvedThenStopped();
    expect((await runRelease(w.deps, id)).status).toBe('succeeded');
    const rejected = await w.create();
    await runRelease({ ...w.deps, waitForApproval: async () => 'pending' }, rejected);
    await rejectRelease({ store: w.store, audit: w.audit, policy }, rejected, { via: 'cli', id: 'ana' }, 'no');
    for (const done of [id, rejected]) {
      const before = await w.store.get(done);
      const entries = (await w.audit.forRelease(done)).length;
      w.ran.length = 0;
      expect(await runRelease(w.deps, done)).toEqual(before);
      expect(await w.store.get(done)).toEqual(before);
      expect(w.ran).toEqual([]);
      expect((await w.audit.forRelease(done)).length).toBe(entries);
    }
  });

  it("the migration engine's own check (approvalCheckFor) refuses another plan, an expired approval and a missing one", async () => {
    const w = runnerWorld();
    const id = await w.approvedThenStopped();
    const release = await w.store.get(id);
    const plan = release.targetPlan!.digest;
    expect(await approvalCheckFor(release, policy).check(plan)).toMatchObject({ ok: true, approvedBy: ['ana'] });
    expect(await approvalCheckFor(release, policy).check('another-plan')).toMatchObject({ ok: false, reason: expect.stringMatching(/the plan changed since approval/) });
    const expired = { ...release, approvals: release.approvals.map((a) => ({ ...a, expiresAt: new Date(Date.now() - 1000).toISOString() })) };
    expect(await approvalCheckFor(expired, policy).check(plan)).toMatchObject({ ok: false, reason: expect.stringMatching(/1 expired/) });
    expect(await approvalCheckFor({ ...release, approvals: [] }, policy).check(plan)).toMatchObject({ ok: false });
  });

  it('with a valid approval the same resume runs production to the end (the tests above are not vacuous)', async () => {
    const w = runnerWorld();
    const id = await w.approvedThenStopped();
    const out = await runRelease(w.deps, id);
    expect(out.status, out.reason).toBe('succeeded');
    expect(w.ran).toEqual(['production/migrate-apply', 'production/deploy', 'production/health', 'production/cutover']);
  });
});

describe('invariant 2: the release digest binds sha, target, plan and every gate verdict', () => {
  const base: DigestInput = {
    sha: 'a'.repeat(40), target: 'production', planDigest: 'plan-1',
    gates: [{ key: 'staging/health', status: 'passed', summary: 'healthy' }, { key: 'staging/smoke', status: 'passed', summary: '12 passed' }],
  };
  const d0 = releaseDigest(base);

  it.each<[string, Partial<DigestInput>]>([
    ['sha', { sha: 'b'.repeat(40) }],
    ['target', { target: 'staging' }],
    ['planDigest', { planDigest: 'plan-2' }],
    ['a gate status', { gates: [{ key: 'staging/health', status: 'passed', summary: 'healthy' }, { key: 'staging/smoke', status: 'skipped', summary: '12 passed' }] }],
    ['a gate summary', { gates: [{ key: 'staging/health', status: 'passed', summary: 'healthy' }, { key: 'staging/smoke', status: 'passed', summary: '11 passed' }] }],
    ['a gate removed', { gates: [{ key: 'staging/health', status: 'passed', summary: 'healthy' }] }],
    ['no gates', { gates: [] }],
  ])('changing %s changes the digest', (_what, change) => {
    expect(releaseDigest({ ...base, ...change })).not.toBe(d0);
  });

  it('the order gates are listed in does not change it', () => {
    expect(releaseDigest({ ...base, gates: [...base.gates].reverse() })).toBe(d0);
    // Every order of three gates gives one digest (a comparator that ignores the keys does not).
    const three = [...base.gates, { key: 'staging/load', status: 'passed', summary: '3/3 thresholds met' }];
    const orders = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]].map((o) => o.map((i) => three[i]!));
    expect(new Set(orders.map((gates) => releaseDigest({ ...base, gates }))).size).toBe(1);
  });

  it('digestInputOf takes every gate before the target with its recorded status', () => {
    const stage = (key: string, status: 'passed' | 'skipped' | 'failed'): ReleaseRecord['stages'][number] => {
      const [env, name] = key.split('/') as [string, string];
      return { key, env, name, status, result: { ...passed(name), status } };
    };
    const release = {
      sha: 'abc', target: 'production',
      stages: [stage('staging/health', 'passed'), stage('staging/smoke', 'passed'), { key: 'production/deploy', env: 'production', name: 'deploy', status: 'pending' }],
    } as ReleaseRecord;
    expect(digestInputOf(release, 'p')).toEqual({
      sha: 'abc', target: 'production', planDigest: 'p',
      gates: [{ key: 'staging/health', status: 'passed', summary: 'health passed' }, { key: 'staging/smoke', status: 'passed', summary: 'smoke passed' }],
    });
    const skipped = { ...release, stages: [release.stages[0]!, stage('staging/smoke', 'skipped'), release.stages[2]!] } as ReleaseRecord;
    expect(releaseDigest(digestInputOf(skipped, 'p'))).not.toBe(releaseDigest(digestInputOf(release, 'p')));
  });
});

describe('invariant 3: approvals are counted only from approvers who did not request the release', () => {
  const now = new Date();
  const digest = 'd'.repeat(64);
  const approval = (person: string, identity: ApprovalRecord['identity'] = { via: 'cli', id: person }): ApprovalRecord => ({
    person, identity, at: now.toISOString(), expiresAt: new Date(now.getTime() + 3600_000).toISOString(), digest,
  });
  /** A record as a forged or legacy write would leave it: approvals not made through checkApproval. */
  const record = (requester: ReleaseRecord['requester'], approvals: ApprovalRecord[]) =>
    ({ _id: 'rel-x', status: 'awaiting_approval', digest, requester, approvals }) as unknown as ReleaseRecord;

  it("the requester's own approval does not count, even when the requester is an approver", () => {
    const p = { ...policy, approvers: ['ana', 'raj', 'sam'] };
    const state = approvalState(record({ person: 'sam', identity: { via: 'slack', id: 'U056GHI' } }, [approval('sam')]), p, digest, now);
    expect(state).toMatchObject({ approved: false, valid: [] });
  });

  it("the requester's approval does not count when the record names the requester only by an identity", () => {
    const p = { ...policy, approvers: ['ana', 'raj', 'sam'] };
    const state = approvalState(record({ identity: { via: 'slack', id: 'U056GHI' } }, [approval('sam', { via: 'github', id: 'sam-gh' })]), p, digest, now);
    expect(state).toMatchObject({ approved: false, valid: [] });
  });

  it('an approval whose person or identity is the requester does not count (a record that disagrees with itself)', () => {
    const p = { ...policy, approvers: ['ana', 'raj', 'sam'] };
    const requester = { person: 'sam', identity: { via: 'slack' as const, id: 'U056GHI' } };
    expect(approvalState(record(requester, [approval('sam', { via: 'cli', id: 'ana' })]), p, digest, now)).toMatchObject({ approved: false, valid: [] });
    expect(approvalState(record(requester, [approval('raj', { via: 'github', id: 'sam-gh' })]), p, digest, now)).toMatchObject({ approved: false, valid: [] });
  });

  it("a non-approver's or a stranger's approval does not count", () => {
    for (const who of [approval('sam'), approval('mallory')]) {
      const state = approvalState(record({ person: 'ana', identity: { via: 'cli', id: 'ana' } }, [who]), policy, digest, now);
      expect(state, who.person).toMatchObject({ approved: false, valid: [] });
    }
  });

  it('a rejected release, or one never asked for approval, is not approved whatever approvals it holds', () => {
    const requester = { person: 'sam', identity: { via: 'cli' as const, id: 'sam' } };
    const good = record(requester, [approval('ana'), approval('raj')]);
    expect(approvalState(good, policy, digest, now)).toMatchObject({ approved: true });
    const rejected = { ...good, rejection: { person: 'raj', reason: 'not tonight', at: now.toISOString() } } as unknown as ReleaseRecord;
    expect(approvalState(rejected, policy, digest, now)).toEqual({ approved: false, valid: [], reason: 'rejected by raj: not tonight' });
    expect(approvalState(good, policy, undefined, now)).toEqual({ approved: false, valid: [], reason: 'no digest: approval was never requested' });
  });

  it('isRequester: the same id on another side is not the same identity; unknown people never match', () => {
    const rel = record({ identity: { via: 'slack', id: 'U056GHI' } }, []);
    expect(isRequester(rel, policy.people, { via: 'slack', id: 'U056GHI' })).toBe(true);
    // "U056GHI" typed as a CLI name is nobody in people: not the requester.
    expect(isRequester(rel, policy.people, { via: 'cli', id: 'U056GHI' })).toBe(false);
    // sam through GitHub is the same person as sam through Slack.
    expect(isRequester(rel, policy.people, { via: 'github', id: 'sam-gh' })).toBe(true);
    // Neither the requester nor the actor is a known person: no match by name.
    const strangers = record({ identity: { via: 'cli', id: 'mallory' } }, []);
    expect(isRequester(strangers, policy.people, { via: 'cli', id: 'eve' })).toBe(false);
    expect(isRequester(rel, policy.people, { via: 'cli', id: 'eve' })).toBe(false);
    expect(isRequester(strangers, policy.people, { via: 'cli', id: 'ana' })).toBe(false);
  });

  it('with two approvals needed, one valid and one self-approval is not enough', () => {
    const p = { ...policy, approvers: ['ana', 'raj', 'sam'], minApprovals: 2 };
    const state = approvalState(record({ person: 'sam', identity: { via: 'cli', id: 'sam' } }, [approval('ana'), approval('sam')]), p, digest, now);
    expect(state.approved).toBe(false);
    expect(state.valid.map((a) => a.person)).toEqual(['ana']);
  });

  it('a forged self-approval written into the store does not let the runner into production', async () => {
    const w = runnerWorld();
    const id = await w.create();
    await runRelease({ ...w.deps, waitForApproval: async () => 'pending' }, id);
    const r = await w.store.get(id);
    await w.store.update(r, (x) => void x.approvals.push({ ...approval('sam'), digest: x.digest! }));
    w.ran.length = 0;
    const selfApprovers = { ...policy, approvers: ['ana', 'raj', 'sam'] };
    expect(await approvalForCurrentDigest({ ...w.deps, policy: selfApprovers }, await w.store.get(id))).toMatchObject({ ok: false });
    const out = await runRelease({ ...w.deps, policy: selfApprovers }, id);
    expect(out.status).toBe('failed');
    expect(w.ran).toEqual([]);
  });
});

describe('invariant 4: one release per environment; a lease is only taken from a dead owner', () => {
  it('clearOwnEnvironmentLock removes only the named owner’s lease', async () => {
    const db = t.client.db(t.freshName('inv'));
    const other = await acquireEnvironmentLock(db, 'production', { owner: 'release rel-b', reason: 'releasing 2.0.0' });
    expect(await clearOwnEnvironmentLock(db, 'production', 'release rel-a')).toBe(false);
    expect(await readEnvironmentLock(db, 'production')).toMatchObject({ owner: 'release rel-b', token: other.token });
    await other.release();
    const own = await acquireEnvironmentLock(db, 'production', { owner: 'release rel-a', reason: 'releasing 1.0.0' });
    expect(await clearOwnEnvironmentLock(db, 'production', 'release rel-a')).toBe(true);
    expect(await readEnvironmentLock(db, 'production')).toBeNull();
    await own.release();
  });

  it('a new release is refused while another owner holds or froze the environment', async () => {
    const db = t.client.db(t.freshName('inv'));
    await freezeEnvironment(db, 'production', { by: 'raj', reason: 'incident 42' });
    await expect(assertEnvironmentFree(db, 'production')).rejects.toMatchObject({ code: 'SHIPGATE_LOCK_HELD', message: expect.stringMatching(/locked by raj/) });
    await expect(assertEnvironmentFree(db, 'production', 'ana')).rejects.toMatchObject({ code: 'SHIPGATE_LOCK_HELD' });
    await expect(assertEnvironmentFree(db, 'production', 'raj')).resolves.toBeUndefined();
    await unfreezeEnvironment(db, 'production');
    await expect(assertEnvironmentFree(db, 'production')).resolves.toBeUndefined();
  });

  /** A release whose recorded owner is another process on this host, holding the staging lease. */
  async function ownedByAnotherProcess(w: ReturnType<typeof runnerWorld>, pid: number) {
    const id = await w.create();
    const r = await w.store.get(id);
    await w.store.update(r, (x) => void (x.owner = { host: hostname(), pid }));
    const lease = await acquireEnvironmentLock(w.db, 'staging', { owner: `release ${id}`, reason: 'releasing 1.0.0' });
    return { id, lease };
  }

  it('a release whose owner is alive is not taken over: its lease stays and nothing runs', async () => {
    const owner = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      await once(owner, 'spawn');
      const w = runnerWorld();
      const { id, lease } = await ownedByAnotherProcess(w, owner.pid!);
      const out = await runRelease(w.deps, id);
      expect(out.reason).toMatch(/staging is locked by release rel-/);
      expect(w.ran).toEqual([]);
      expect(await readEnvironmentLock(w.db, 'staging')).toMatchObject({ token: lease.token });
      expect(lease.lost).toBe(false);
      // Without a way to tell whether the owner is dead, nothing is taken over either.
      const w2 = runnerWorld();
      const second = await ownedByAnotherProcess(w2, owner.pid!);
      const { isOwnerDead: _unknown, ...blind } = w2.deps;
      await runRelease(blind, second.id);
      expect(w2.ran).toEqual([]);
      expect(await readEnvironmentLock(w2.db, 'staging')).toMatchObject({ token: second.lease.token });
      await Promise.all([lease.release(), second.lease.release()]);
    } finally {
      owner.kill('SIGKILL');
    }
  });

  it('a release whose owner died is taken over and runs on', async () => {
    const owner = spawn('true', [], { stdio: 'ignore' });
    await once(owner, 'exit');
    const w = runnerWorld();
    const { id, lease } = await ownedByAnotherProcess(w, owner.pid!);
    const out = await runRelease({ ...w.deps, waitForApproval: async () => 'pending' }, id);
    expect(out.status, out.reason).toBe('awaiting_approval');
    expect(w.ran).toEqual(['staging/deploy', 'staging/health']);
    expect(lease.lost || (await readEnvironmentLock(w.db, 'staging')) === null).toBe(true);
    const released = (await w.audit.forRelease(id)).find((e) => e.type === 'lock.released' && String(e.data.reason ?? '').includes('died'));
    expect(released).toBeDefined();
    await lease.release();
  });
});

describe('invariant 5: a verification with nothing deployed fails closed', () => {
  it('verifyStage with no recorded deployment is an error and never asks the gate', async () => {
    const server: Server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ version: '1.0.0', db: 'up' })));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const real = healthGate({ path: '/health', consecutive: 1, intervalMs: 50, timeoutMs: 2000 });
      const asked: string[] = [];
      const gate: Gate = { name: 'health', run: (ctx) => (asked.push(String(ctx.url)), real.run(ctx)) };
      const rt = { name: 'production', dbName: () => 'notesproduction' } as EnvironmentRuntime;
      const stage = verifyStage(rt, gate);
      const ctx = (release: Partial<ReleaseRecord>) => ({ release: { _id: 'rel-x', version: '1.0.0', ...release } as ReleaseRecord, env: 'production', signal: new AbortController().signal, progress: () => undefined, patch: async () => ({}) as ReleaseRecord });
      const none = await stage.run(ctx({ deployments: {} }));
      expect(none).toMatchObject({ status: 'error', summary: 'no deployment recorded for production: nothing to check' });
      const elsewhere = await stage.run(ctx({ deployments: { staging: { url: 'http://127.0.0.1:1' } } }));
      expect(elsewhere.status).toBe('error');
      expect(asked).toEqual([]);
      // The same stage with a deployment recorded does check it (and passes).
      const { port } = server.address() as { port: number };
      expect((await stage.run(ctx({ deployments: { production: { url: `http://127.0.0.1:${port}` } } }))).status).toBe('passed');
      expect(asked).toEqual([`http://127.0.0.1:${port}`]);
    } finally {
      server.close();
    }
  });
});
