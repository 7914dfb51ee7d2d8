/**
 * One workflow step = some stages of one environment of a release (the runner's `only`). The
 * runner enforces every rule (fail closed, approval before a protected env and before each
 * protected write, locks); this step only says which stages, and reports.
 * In Actions nobody waits at a prompt: the approval wait answers 'approved' only when the engine
 * says the release is approved, else 'pending' — and a protected step that could not run fails.
 */
import * as core from '@actions/core';
import { approvalState } from '../../../pipeline/release/approvals.ts';
import { releaseErrors } from '../../../pipeline/release/errors.ts';
import { runRelease, stageKey, type ApprovalWait } from '../../../pipeline/release/runner.ts';
import type { ReleaseRecord } from '../../../pipeline/release/types.ts';
import { redactText } from '../../../pipeline/secrets/redact.ts';
import { linkRunToRelease } from '../../../bot/github/ledger.ts';
import type { ActionSession } from './session.ts';

export async function linkThisRun(s: ActionSession, releaseId: string): Promise<void> {
  const runId = Number(s.env.GITHUB_RUN_ID);
  if (s.env.GITHUB_REPOSITORY && Number.isFinite(runId) && runId > 0) {
    await linkRunToRelease(s.system.store.db, { repo: s.env.GITHUB_REPOSITORY, runId, release: releaseId, ...(s.env.GITHUB_WORKFLOW ? { workflow: s.env.GITHUB_WORKFLOW } : {}) });
  }
}

export interface StageStepResult {
  release: ReleaseRecord;
  ran: string[];
  /** Why the step failed, if it did. */
  failure?: string;
}

export async function runStageStep(s: ActionSession, opts: { releaseId: string; env: string; names: readonly string[] }): Promise<StageStepResult> {
  const before = await s.system.store.get(opts.releaseId);
  await linkThisRun(s, before._id);
  if (!before.path.includes(opts.env)) throw releaseErrors.SHIPGATE_RELEASE_STATE({ id: before._id, status: before.status, wanted: `its path is ${before.path.join(' → ')}, not ${opts.env}` });
  const wanted = opts.names.map((n) => stageKey(opts.env, n));
  const keys = wanted.filter((k) => before.stages.some((st) => st.key === k));
  if (keys.length === 0) return { release: before, ran: [] };
  core.info(`${before._id}: running ${keys.join(', ')}`);
  const deps = {
    ...s.system.runnerDeps({
    waitForApproval: async (r): Promise<ApprovalWait> => (approvalState(r, s.system.policy, r.digest, new Date()).approved ? 'approved' : 'pending'),
    onUpdate: (_r, e) => {
      if (e.type === 'stage-started') core.info(`▶ ${e.stage.key}`);
      else if (e.type === 'stage-finished') core.info(`${e.stage.status === 'passed' ? '✓' : e.stage.status === 'skipped' ? '–' : '✗'} ${e.stage.key}: ${redactText(e.stage.result?.summary ?? '')}`);
      else if (e.type === 'stage-progress') core.info(`  ${e.stage.key}: ${redactText(e.message)}`);
      else if (e.type === 'awaiting-approval') core.info('approval requested');
    },
    }),
    only: new Set(keys),
  };
  const release = await runRelease(deps, before._id);
  const notDone = release.stages.filter((st) => keys.includes(st.key) && st.status !== 'passed' && st.status !== 'skipped');
  let failure: string | undefined;
  if (['failed', 'rejected', 'rolled_back'].includes(release.status)) failure = `release ${release._id} ${release.status.replace('_', ' ')}: ${release.reason ?? 'no reason recorded'}`;
  else if (release.status === 'awaiting_approval' && notDone.length) failure = `release ${release._id} is not approved for ${opts.env}: ${approvalState(release, s.system.policy, release.digest, new Date()).reason}`;
  else if (notDone.length) failure = `${notDone.map((st) => `${st.key} ${st.status}`).join(', ')}`;
  return { release, ran: keys, ...(failure ? { failure } : {}) };
}

/** Ends the staging job: computes the target plan and digest, and leaves the release awaiting approval. */
export async function requestApproval(s: ActionSession, releaseId: string): Promise<ReleaseRecord> {
  const r = await s.system.store.get(releaseId);
  await linkThisRun(s, r._id);
  const first = r.stages.find((st) => st.env === r.target);
  if (!first) return r;
  const deps = { ...s.system.runnerDeps({ waitForApproval: async () => 'pending' }), only: new Set([first.key]) };
  return runRelease(deps, r._id);
}
