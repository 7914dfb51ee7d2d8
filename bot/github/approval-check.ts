/**
 * "Is this release approved for exactly what would be promoted now?" — composed from the engine's
 * own rules (digest.ts, approvals.ts) the same way the runner's re-check before a protected write
 * does: recompute the target's migration plan, recompute the digest, count only approvals bound
 * to that digest and not expired. Used by the protection rule and by promote.yml's first step.
 */
import type { ReleaseSystem } from '../../pipeline/release/factory.ts';
import { approvalState } from '../../pipeline/release/approvals.ts';
import { digestInputOf, releaseDigest } from '../../pipeline/release/digest.ts';
import type { ApprovalRecord, ReleaseRecord } from '../../pipeline/release/types.ts';

export type ApprovalSystem = Pick<ReleaseSystem, 'policy' | 'runnerDeps'>;

export type ApprovalNow =
  | { ok: true; digest: string; approvals: ApprovalRecord[]; reason: string }
  | { ok: false; final: boolean; reason: string };

export async function approvalForCurrentDigest(system: ApprovalSystem, release: ReleaseRecord, now = new Date()): Promise<ApprovalNow> {
  if (release.status === 'rejected') return { ok: false, final: true, reason: release.reason ?? 'rejected' };
  if (release.status !== 'awaiting_approval' && release.status !== 'running') return { ok: false, final: true, reason: `release is ${release.status.replace('_', ' ')}` };
  if (!release.digest || !release.targetPlan) return { ok: false, final: false, reason: 'approval was never requested (the staging job has not finished)' };
  // Once this release applied its own migrations, the plan it was approved for is what it applied.
  const applied = release.stages.some((s) => s.env === release.target && s.name === 'migrate-apply' && s.status === 'passed');
  const planDigest = applied ? release.targetPlan.digest : (await system.runnerDeps({ waitForApproval: async () => 'pending' }).planTarget(release)).digest;
  const digest = releaseDigest(digestInputOf(release, planDigest));
  if (digest !== release.digest) {
    return { ok: false, final: true, reason: `the release changed after approval was requested (digest ${digest.slice(0, 12)} ≠ approved ${release.digest.slice(0, 12)}): start a new release` };
  }
  const state = approvalState(release, system.policy, digest, now);
  return state.approved ? { ok: true, digest, approvals: state.valid, reason: state.reason } : { ok: false, final: false, reason: state.reason };
}
