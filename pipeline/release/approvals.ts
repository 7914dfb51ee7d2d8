/**
 * Who may approve, and whether a release is approved — the rules, once (safety invariants 2, 3).
 * The CLI, the Slack bot and the GitHub app all call these; none of them has rules of its own.
 *
 * - Only configured approvers may approve; an identity is matched to a person whichever side it
 *   acts from (CLI name, Slack user id, GitHub login).
 * - The requester can never approve their own release, under any of their identities.
 * - An approval is bound to the release digest and expires; a changed digest or an expired
 *   approval no longer counts.
 */
import { releaseErrors } from './errors.ts';
import type { ApprovalRecord, Identity, ReleaseRecord } from './types.ts';

export interface Person {
  name: string;
  slack?: string;
  github?: string;
}

export interface ApprovalPolicy {
  people: readonly Person[];
  approvers: readonly string[];
  minApprovals: number;
  expiresAfterMs: number;
}

export function personFor(people: readonly Person[], identity: Identity): Person | undefined {
  switch (identity.via) {
    case 'cli':
      return people.find((p) => p.name === identity.id);
    case 'slack':
      return people.find((p) => p.slack === identity.id);
    case 'github':
      return people.find((p) => p.github?.toLowerCase() === identity.id.toLowerCase());
  }
}

export function describeIdentity(identity: Identity): string {
  return identity.via === 'cli' ? identity.id : `${identity.via}:${identity.id}`;
}

/** True when `identity` is the requester of the release, whichever side either acted from. */
export function isRequester(release: ReleaseRecord, people: readonly Person[], identity: Identity): boolean {
  const r = release.requester;
  if (r.identity.via === identity.via && r.identity.id === identity.id) return true;
  const actor = personFor(people, identity);
  const requester = r.person ?? personFor(people, r.identity)?.name;
  return actor !== undefined && requester !== undefined && actor.name === requester;
}

export interface ApprovalState {
  approved: boolean;
  /** Approvals that count now: bound to this digest and not expired. */
  valid: ApprovalRecord[];
  reason: string;
}

export function approvalState(release: ReleaseRecord, policy: ApprovalPolicy, currentDigest: string | undefined, now: Date): ApprovalState {
  if (release.rejection) return { approved: false, valid: [], reason: `rejected by ${release.rejection.person}: ${release.rejection.reason}` };
  if (!currentDigest) return { approved: false, valid: [], reason: 'no digest: approval was never requested' };
  // The approver and four-eyes rules again at counting time: a record written around
  // checkApproval (forged, legacy, config changed since) must not count either.
  const requester = release.requester.person ?? personFor(policy.people, release.requester.identity)?.name;
  const valid = release.approvals.filter(
    (a) =>
      a.digest === currentDigest &&
      new Date(a.expiresAt) > now &&
      policy.approvers.includes(a.person) &&
      a.person !== requester &&
      !isRequester(release, policy.people, a.identity),
  );
  if (valid.length >= policy.minApprovals) return { approved: true, valid, reason: `approved by ${valid.map((a) => a.person).join(', ')}` };
  const stale = release.approvals.filter((a) => a.digest !== currentDigest).length;
  const expired = release.approvals.filter((a) => a.digest === currentDigest && new Date(a.expiresAt) <= now).length;
  const parts = [`${valid.length} of ${policy.minApprovals} approval(s)`];
  if (stale) parts.push(`${stale} given for a different digest (the release changed after approval)`);
  if (expired) parts.push(`${expired} expired`);
  return { approved: false, valid, reason: parts.join('; ') };
}

/** Checks that `identity` may approve `release` now; returns the approval to record, or throws. */
export function checkApproval(release: ReleaseRecord, policy: ApprovalPolicy, identity: Identity, now: Date): ApprovalRecord {
  const person = personFor(policy.people, identity);
  if (!person) throw releaseErrors.SHIPGATE_NOT_A_PERSON({ identity: describeIdentity(identity) });
  if (isRequester(release, policy.people, identity)) throw releaseErrors.SHIPGATE_SELF_APPROVAL({ person: person.name, id: release._id });
  if (!policy.approvers.includes(person.name)) throw releaseErrors.SHIPGATE_NOT_AN_APPROVER({ person: person.name, approvers: [...policy.approvers] });
  if (release.status !== 'awaiting_approval' || !release.digest) {
    throw releaseErrors.SHIPGATE_RELEASE_STATE({ id: release._id, status: release.status, wanted: 'only a release awaiting approval can be approved' });
  }
  if (release.approvals.some((a) => a.person === person.name && a.digest === release.digest && new Date(a.expiresAt) > now)) {
    throw releaseErrors.SHIPGATE_ALREADY_APPROVED({ person: person.name, id: release._id });
  }
  return {
    person: person.name,
    identity,
    at: now.toISOString(),
    expiresAt: new Date(now.getTime() + policy.expiresAfterMs).toISOString(),
    digest: release.digest,
  };
}

/** Checks that `identity` may reject: any approver (not the requester's own veto — they can cancel). */
export function checkRejection(release: ReleaseRecord, policy: ApprovalPolicy, identity: Identity): Person {
  const person = personFor(policy.people, identity);
  if (!person) throw releaseErrors.SHIPGATE_NOT_A_PERSON({ identity: describeIdentity(identity) });
  const requester = isRequester(release, policy.people, identity);
  if (!requester && !policy.approvers.includes(person.name)) {
    throw releaseErrors.SHIPGATE_NOT_AN_APPROVER({ person: person.name, approvers: [...policy.approvers] });
  }
  if (release.status !== 'awaiting_approval') {
    throw releaseErrors.SHIPGATE_RELEASE_STATE({ id: release._id, status: release.status, wanted: 'only a release awaiting approval can be rejected' });
  }
  return person;
}
