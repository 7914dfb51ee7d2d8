/**
 * "Is this release approved for exactly what would be promoted now?" — the one check behind the
 * runner's re-check before every protected write, the protection rule and promote.yml's first
 * step. It recomputes the target's plan digest and the release digest from what is true now and
 * counts only approvals bound to that digest and not expired (invariants 1 and 2).
 */
import { approvalState, type ApprovalPolicy } from './approvals.ts';
import { digestInputOf, releaseDigest } from './digest.ts';
import type { ApprovalRecord, ReleaseRecord, TargetPlanSummary } from './types.ts';

export interface ApprovalNowDeps {
  policy: ApprovalPolicy;
  planTarget(release: ReleaseRecord): Promise<TargetPlanSummary>;
  targetPlanDigest?(release: ReleaseRecord): Promise<string>;
  now?: () => Date;
}

export type ApprovalNow =
  | { ok: true; digest: string; approvals: ApprovalRecord[]; reason: string }
  /** final: nothing can make this release approvable any more (rejected, finished, changed). */
  | { ok: false; final: boolean; reason: string };

export async function approvalForCurrentDigest(deps: ApprovalNowDeps, release: ReleaseRecord): Promise<ApprovalNow> {
  if (release.status === 'rejected') return { ok: false, final: true, reason: release.reason ?? 'rejected' };
  if (release.status !== 'awaiting_approval' && release.status !== 'running') return { ok: false, final: true, reason: `release is ${release.status.replace('_', ' ')}` };
  if (!release.digest || !release.targetPlan) return { ok: false, final: false, reason: 'approval was never requested' };
  // Once this release applied its own migrations, the plan it was approved for is what it applied.
  const applied = release.stages.some((s) => s.env === release.target && s.name === 'migrate-apply' && s.status === 'passed');
  const planDigest = applied
    ? release.targetPlan.digest
    : deps.targetPlanDigest
      ? await deps.targetPlanDigest(release)
      : (await deps.planTarget(release)).digest;
  const digest = releaseDigest(digestInputOf(release, planDigest));
  if (digest !== release.digest) {
    return { ok: false, final: true, reason: `the release changed after approval was requested (digest ${digest.slice(0, 12)} ≠ approved ${release.digest.slice(0, 12)}): start a new release` };
  }
  const state = approvalState(release, deps.policy, digest, deps.now?.() ?? new Date());
  return state.approved ? { ok: true, digest, approvals: state.valid, reason: state.reason } : { ok: false, final: false, reason: state.reason };
}
