/**
 * The runner with stages declared as data. The stages here are small functions that record
 * whether they ran — the runner's rules (fail closed, approval before protected writes, locks,
 * resume) are what is under test; the real stages are tested in stages.test.ts and e2e.
 */
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../testing/mongo.ts';
import { ReleaseStore, newReleaseId } from './store.ts';
import { AuditLog } from './audit.ts';
import { initialStages, runRelease, type RunnerDeps, type StageSpec, type ApprovalWait } from './runner.ts';
import { approveRelease } from './decide.ts';
import { freezeEnvironment, unfreezeEnvironment } from './locks.ts';
import type { ApprovalPolicy } from './approvals.ts';
import type { GateResult } from '../gates/types.ts';

const t = useTestDatabase('runner');
const policy: ApprovalPolicy = {
  people: [{ name: 'ana' }, { name: 'raj' }, { name: 'sam' }],
  approvers: ['ana', 'raj'],
  minApprovals: 1,
  expiresAfterMs: 3600_000,
};

const result = (gate: string, status: GateResult['status'], metrics: GateResult['metrics'] = {}): GateResult => ({
  gate, status, summary: `${gate} ${status}`, details: '', metrics, startedAt: new Date().toISOString(), durationMs: 1,
});

function world(opts: { fail?: string; throwIn?: string; planDigest?: () => string; rerunnable?: boolean; approval?: ApprovalWait } = {}) {
  const ran: string[] = [];
  const stage = (env: string, name: string, writes: boolean): StageSpec => ({
    env, name, writes, rerunnable: opts.rerunnable ?? true,
    async run() {
      ran.push(`${env}/${name}`);
      if (opts.throwIn === `${env}/${name}`) throw new Error('deploy API unreachable');
      if (opts.fail === `${env}/${name}`) return result(name, 'failed');
      if (opts.fail === `${env}/${name}:rollback`) return result(name, 'failed', { rolledBack: true });
      return result(name, 'passed');
    },
  });
  const stages = [
    stage('staging', 'migrate-apply', true), stage('staging', 'deploy', true), stage('staging', 'health', false),
    stage('production', 'migrate-apply', true), stage('production', 'deploy', true), stage('production', 'cutover', true),
  ];
  let planned = 0;
  const store = new ReleaseStore(t.db);
  const audit = new AuditLog(t.db);
  const deps: RunnerDeps = {
    store, audit, policy, stages,
    isProtected: (env) => env === 'production',
    async planTarget() {
      planned++;
      const digest = opts.planDigest?.() ?? 'plan-1';
      return { env: 'production', digest, pending: ['0001-x'], lines: [], approximate: false, irreversible: [], breaking: [] };
    },
    waitForApproval: async () => opts.approval ?? 'pending',
  };
  const create = async () => {
    const r = await store.create({
      _id: newReleaseId(), repo: 'acme/notes', sha: 'abc', ref: 'main', version: '1.0.0', path: ['staging', 'production'], target: 'production',
      requester: { person: 'sam', identity: { via: 'cli', id: 'sam' } }, status: 'running', stages: initialStages(stages, ['staging', 'production']),
      approvals: [], deployments: {},
    });
    return r._id;
  };
  return { ran, deps, store, audit, create, planned: () => planned };
}

describe('release runner', () => {
  it('runs staging, waits for approval without touching production, then finishes after approval', async () => {
    const w = world();
    const id = await w.create();
    const waiting = await runRelease(w.deps, id);
    expect(waiting.status).toBe('awaiting_approval');
    expect(w.ran).toEqual(['staging/migrate-apply', 'staging/deploy', 'staging/health']);
    expect(waiting.targetPlan?.pending).toEqual(['0001-x']);
    await approveRelease({ store: w.store, audit: w.audit, policy }, id, { via: 'cli', id: 'ana' });
    const done = await runRelease({ ...w.deps, waitForApproval: async () => 'approved' }, id);
    expect(done.status).toBe('succeeded');
    expect(w.ran.slice(3)).toEqual(['production/migrate-apply', 'production/deploy', 'production/cutover']);
    expect(await w.audit.verify()).toMatchObject({ ok: true });
  });

  it('an approval recorded while the runner waits (the terminal prompt, Slack) is picked up in the same run', async () => {
    const w = world();
    const id = await w.create();
    const done = await runRelease(
      { ...w.deps, waitForApproval: async (r) => (await approveRelease({ store: w.store, audit: w.audit, policy }, r._id, { via: 'cli', id: 'raj' }), 'approved') },
      id,
    );
    expect(done.status, done.reason).toBe('succeeded');
    expect(w.ran.filter((s) => s.startsWith('production/'))).toHaveLength(3);
  });

  it('`only` runs one step of the path at a time and finishes the release after the last', async () => {
    const w = world();
    const id = await w.create();
    const step1 = await runRelease({ ...w.deps, only: new Set(['staging/migrate-apply', 'staging/deploy']) }, id);
    expect(step1.status).toBe('running');
    expect(w.ran).toEqual(['staging/migrate-apply', 'staging/deploy']);
    const step2 = await runRelease({ ...w.deps, only: new Set(['staging/health']) }, id);
    expect(step2.status).toBe('running');
    await approveRelease({ store: w.store, audit: w.audit, policy }, id, { via: 'cli', id: 'ana' }).catch(() => undefined);
    const prod = await runRelease({ ...w.deps, only: new Set(['production/migrate-apply', 'production/deploy', 'production/cutover']) }, id);
    expect(prod.status).toBe('awaiting_approval'); // approval is asked on entering production
    await approveRelease({ store: w.store, audit: w.audit, policy }, id, { via: 'cli', id: 'ana' });
    const done = await runRelease({ ...w.deps, waitForApproval: async () => 'approved', only: new Set(['production/migrate-apply', 'production/deploy', 'production/cutover']) }, id);
    expect(done.status).toBe('succeeded');
  });

  it('without a recorded approval, nothing runs on production even if the waiter says approved (invariant 1)', async () => {
    const w = world({ approval: 'approved' });
    const id = await w.create();
    const r = await runRelease(w.deps, id);
    expect(r.status).toBe('failed');
    expect(r.reason).toMatch(/not approved for production: 0 of 1 approval/);
    expect(w.ran.filter((s) => s.startsWith('production/'))).toEqual([]);
  });

  it('a failed staging gate stops the release and no approval is requested', async () => {
    const w = world({ fail: 'staging/health' });
    const id = await w.create();
    const r = await runRelease(w.deps, id);
    expect(r).toMatchObject({ status: 'failed', reason: 'staging/health failed: health failed' });
    expect(r.digest).toBeUndefined();
    expect(w.planned()).toBe(0);
    expect(w.ran).not.toContain('production/migrate-apply');
  });

  it('a stage that throws is an error and stops the release (fail closed)', async () => {
    const w = world({ throwIn: 'staging/deploy' });
    const r = await runRelease(w.deps, await w.create());
    expect(r.status).toBe('failed');
    expect(r.stages.find((s) => s.key === 'staging/deploy')).toMatchObject({ status: 'error', result: { summary: expect.stringMatching(/deploy API unreachable/) } });
    expect(w.ran).toEqual(['staging/migrate-apply', 'staging/deploy']);
  });

  it('a stage that returns no result is a failure, not a pass (invariant 5)', async () => {
    const w = world();
    const stages = w.deps.stages.map((st) => (st.name === 'health' ? { ...st, run: async () => undefined as unknown as GateResult } : st));
    const r = await runRelease({ ...w.deps, stages }, await w.create());
    expect(r).toMatchObject({ status: 'failed', reason: 'staging/health error: health returned no result' });
    expect(r.digest).toBeUndefined();
  });

  it('an approval given before the plan changed no longer counts (invariant 2)', async () => {
    let digest = 'plan-1';
    const w = world({ planDigest: () => digest });
    const id = await w.create();
    await runRelease(w.deps, id);
    await approveRelease({ store: w.store, audit: w.audit, policy }, id, { via: 'cli', id: 'raj' });
    digest = 'plan-2-with-a-new-migration';
    const r = await runRelease({ ...w.deps, waitForApproval: async () => 'approved' }, id);
    expect(r.status).toBe('failed');
    expect(r.reason).toMatch(/changed after approval/);
    expect(w.ran.filter((s) => s.startsWith('production/'))).toEqual([]);
  });

  it('a failure after cutover that switched back ends rolled_back', async () => {
    const w = world({ fail: 'production/cutover:rollback', approval: 'approved' });
    const id = await w.create();
    await runRelease({ ...w.deps, waitForApproval: async () => 'pending' }, id);
    await approveRelease({ store: w.store, audit: w.audit, policy }, id, { via: 'cli', id: 'ana' });
    expect((await runRelease(w.deps, id)).status).toBe('rolled_back');
  });

  it('a frozen environment fails the release at once, naming the holder', async () => {
    await freezeEnvironment(t.db, 'staging', { by: 'raj', reason: 'incident 42' });
    try {
      const w = world();
      const r = await runRelease(w.deps, await w.create());
      expect(r).toMatchObject({ status: 'failed', reason: expect.stringMatching(/staging is locked by raj .*incident 42/) });
      expect(w.ran).toEqual([]);
    } finally {
      await unfreezeEnvironment(t.db, 'staging');
    }
  });

  it('resume: an interrupted stage is re-run when re-runnable, else the release fails with a reason', async () => {
    for (const rerunnable of [true, false]) {
      const w = world({ rerunnable });
      const id = await w.create();
      const r = await w.store.get(id);
      await w.store.update(r, (x) => {
        x.stages[0]!.status = 'passed';
        x.stages[1]!.status = 'running'; // the process died during staging/deploy
      });
      const out = await runRelease(w.deps, id);
      if (rerunnable) {
        expect(out.status).toBe('awaiting_approval');
        expect(w.ran).toEqual(['staging/deploy', 'staging/health']);
      } else {
        expect(out).toMatchObject({ status: 'failed', reason: expect.stringMatching(/staging\/deploy was interrupted mid-way/) });
        expect(w.ran).toEqual([]);
      }
    }
  });
});
