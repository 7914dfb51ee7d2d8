/** Errors of the release engine: releases, approvals, locks, audit. */
import { defineErrors } from '../errors.ts';

export const releaseErrors = defineErrors({
  SHIPGATE_RELEASE_NOT_FOUND: {
    message: (d: { id: string }) => `no release with id ${d.id}`,
    hint: () => 'list releases with `shipgate status`; ids look like rel-20261130-091500-1a2b3c',
    docs: 'releases.md',
  },
  SHIPGATE_RELEASE_CONFLICT: {
    message: (d: { id: string; rev: number }) => `release ${d.id} was changed by someone else (revision ${d.rev} is stale)`,
    hint: () => 'read the release again (`shipgate release show <id>`) and retry',
    docs: 'releases.md',
  },
  SHIPGATE_RELEASE_STATE: {
    message: (d: { id: string; status: string; wanted: string }) => `release ${d.id} is ${d.status}; ${d.wanted}`,
    hint: () => 'see `shipgate release show <id>` for where it stands',
    docs: 'releases.md',
  },
  SHIPGATE_NOT_A_PERSON: {
    message: (d: { identity: string }) => `${d.identity} is not listed in people`,
    hint: () => 'add the person to `people` in .github/shipgate.yml with their Slack id and GitHub login',
    docs: 'configuration.md#people',
  },
  SHIPGATE_NOT_AN_APPROVER: {
    message: (d: { person: string; approvers: string[] }) => `${d.person} is not an approver (approvers: ${d.approvers.join(', ') || 'none'})`,
    hint: () => 'ask one of the approvers, or add the person to approval.approvers',
    docs: 'releases.md#approvals',
  },
  SHIPGATE_SELF_APPROVAL: {
    message: (d: { person: string; id: string }) => `${d.person} requested release ${d.id} and cannot approve it`,
    hint: () => 'four eyes: another approver must approve',
    docs: 'releases.md#approvals',
  },
  SHIPGATE_ALREADY_APPROVED: {
    message: (d: { person: string; id: string }) => `${d.person} has already approved release ${d.id}`,
    hint: () => 'nothing to do; another approver may be needed (see minApprovals)',
    docs: 'releases.md#approvals',
  },
  SHIPGATE_APPROVAL_STALE: {
    message: (d: { id: string; reason: string }) => `release ${d.id} cannot be approved: ${d.reason}`,
    hint: () => 'the release changed since approval was requested; start a new release',
    docs: 'releases.md#approvals',
  },
  SHIPGATE_NOT_APPROVED: {
    message: (d: { id: string; env: string; reason: string }) => `release ${d.id} is not approved for ${d.env}: ${d.reason}`,
    hint: () => 'nothing was written to the protected environment; get a fresh approval (`shipgate approve <id> --as <approver>`)',
    docs: 'releases.md#approvals',
  },
  SHIPGATE_LOCK_HELD: {
    message: (d: { env: string; holder: string; reason: string; since: string; expires: string }) =>
      `${d.env} is locked by ${d.holder} since ${d.since} (${d.reason}; ${d.expires})`,
    hint: (d: { env: string }) => `wait for it to finish, or if it is a freeze, \`shipgate unlock ${d.env}\``,
    docs: 'releases.md#locks',
  },
  SHIPGATE_NOT_LOCK_OWNER: {
    message: (d: { env: string; holder: string }) => `the lock on ${d.env} is held by ${d.holder}, not by you`,
    hint: () => 'only the holder can release it; a release lease frees itself when its process ends',
    docs: 'releases.md#locks',
  },
  SHIPGATE_WINDOW_CLOSED: {
    message: (d: { env: string; rule: string; next: string }) => `${d.env} is closed for releases: ${d.rule}; next open ${d.next}`,
    hint: (d: { env: string }) =>
      `wait until then, or an approver breaks the glass with a reason: shipgate release --to ${d.env} --break-glass "<reason>" (Slack: /deploy ${d.env} --break-glass <reason>); approval is still needed`,
    docs: 'releases.md#deploy-windows-and-freezes',
  },
  SHIPGATE_BREAK_GLASS_REFUSED: {
    message: (d: { who: string; problem: string }) => `break-glass by ${d.who} refused: ${d.problem}`,
    hint: (d: { fix: string }) => d.fix,
    docs: 'releases.md#deploy-windows-and-freezes',
  },
  SHIPGATE_AUDIT_BROKEN: {
    message: (d: { problem: string }) => `audit log verification failed: ${d.problem}`,
    hint: () => 'someone edited or deleted audit entries; investigate before trusting release history',
    docs: 'releases.md#audit-log',
  },
});
