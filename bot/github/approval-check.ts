/**
 * The engine's approval check (pipeline/release/approval-now.ts) for a release system: used by the
 * protection rule and by promote.yml's first step.
 */
import type { ReleaseSystem } from '../../pipeline/release/factory.ts';
import { approvalForCurrentDigest as engineCheck, type ApprovalNow } from '../../pipeline/release/approval-now.ts';
import type { ReleaseRecord } from '../../pipeline/release/types.ts';

export type { ApprovalNow };
export type ApprovalSystem = Pick<ReleaseSystem, 'policy' | 'runnerDeps'>;

export function approvalForCurrentDigest(system: ApprovalSystem, release: ReleaseRecord, now = new Date()): Promise<ApprovalNow> {
  return engineCheck({ ...system.runnerDeps({ waitForApproval: async () => 'pending' }), now: () => now }, release);
}
