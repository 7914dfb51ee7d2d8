/**
 * Recording approvals and rejections: the engine functions the CLI, Slack and GitHub call.
 * The check runs again on the freshly read record inside the compare-and-set, so a double click
 * or two approvers at once cannot record anything twice or approve a release that moved on.
 */
import type { AuditLog } from './audit.ts';
import { checkApproval, checkRejection, approvalState, type ApprovalPolicy } from './approvals.ts';
import type { ReleaseStore } from './store.ts';
import type { Identity, ReleaseRecord } from './types.ts';

export interface DecisionDeps {
  store: ReleaseStore;
  audit: AuditLog;
  policy: ApprovalPolicy;
  now?: () => Date;
}

export interface ApproveOutcome {
  release: ReleaseRecord;
  /** True when this approval completed the required number. */
  approved: boolean;
  state: string;
}

export async function approveRelease(deps: DecisionDeps, id: string, identity: Identity): Promise<ApproveOutcome> {
  const now = deps.now?.() ?? new Date();
  let recorded: ReturnType<typeof checkApproval> | undefined;
  const release = await deps.store.updateLatest(id, (r) => {
    recorded = checkApproval(r, deps.policy, identity, now);
    r.approvals.push(recorded);
  });
  const state = approvalState(release, deps.policy, release.digest, now);
  await deps.audit.append({
    type: 'release.approved',
    release: id,
    env: release.target,
    actor: identity,
    data: { person: recorded?.person, digest: release.digest, expiresAt: recorded?.expiresAt, complete: state.approved },
  });
  return { release, approved: state.approved, state: state.reason };
}

export async function rejectRelease(deps: DecisionDeps, id: string, identity: Identity, reason: string): Promise<ReleaseRecord> {
  const now = deps.now?.() ?? new Date();
  const text = reason.trim() || 'no reason given';
  let person = '';
  const release = await deps.store.updateLatest(id, (r) => {
    person = checkRejection(r, deps.policy, identity).name;
    r.rejection = { person, identity, at: now.toISOString(), reason: text };
    r.status = 'rejected';
    r.reason = `rejected by ${person}: ${text}`;
  });
  await deps.audit.append({ type: 'release.rejected', release: id, env: release.target, actor: identity, data: { person, reason: text } });
  return release;
}
