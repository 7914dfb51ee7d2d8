/**
 * Who may do what — the rules, once; the CLI, Slack and GitHub call them, whatever the entry point.
 *
 * Who may start a release (assertMayRelease), per environment of its path:
 * - An environment with `deployers` (people) or `deployerGroups` (Slack user groups): only those.
 *   Group membership only counts for a Slack identity, and the caller must have asked Slack.
 * - A protected environment without either: any person listed in `people`.
 * - Any other environment: anyone.
 *
 * Who may lock, unlock or roll back an environment (assertMayOperate): exactly who may release
 * to it — the rule above for that one environment (what Slack's /deploy enforced first). So on a
 * protected environment an identity that is not a person in `people` is always refused.
 * Who may approve a release to an environment: only a person listed in `approval.approvers`
 * (never the release's requester, and only for its current digest: checkApproval in
 * approvals.ts, which approveRelease applies on the stored record for every entry point).
 * An environment the config does not name: nobody (deny by default).
 */
import type { Identity } from './types.ts';
import { describeIdentity, personFor, type Person } from './approvals.ts';
import { releaseErrors } from './errors.ts';
import { defineErrors } from '../errors.ts';

export const authorizeErrors = defineErrors({
  SHIPGATE_NOT_A_DEPLOYER: {
    message: (d: { who: string; doing: string; allowed: string }) => `${d.who} may not ${d.doing} (allowed: ${d.allowed})`,
    hint: (d: { fix: string }) => d.fix,
    docs: 'releases.md#who-may-release',
  },
});

export interface DeployerRules {
  protected: boolean;
  deployers?: readonly string[];
  deployerGroups?: readonly string[];
}

export interface ReleaseRequestCheck {
  people: readonly Person[];
  environments: Readonly<Record<string, DeployerRules>>;
  path: readonly string[];
  identity: Identity;
  /** Slack user groups the identity belongs to (asked of Slack by the caller), if any. */
  slackGroups?: readonly string[];
}

/** Returns the requesting person (if known) or throws SHIPGATE_NOT_A_DEPLOYER for the first env refused. */
export function assertMayRelease(check: ReleaseRequestCheck): Person | undefined {
  const person = personFor(check.people, check.identity);
  for (const env of check.path) {
    const rules = check.environments[env];
    if (!rules) continue;
    assertDeployer(check, person, env, rules, `release to ${env}`);
  }
  return person;
}

export type Operation = 'lock' | 'unlock' | 'rollback' | 'approve';

export interface OperationCheck {
  action: Operation;
  env: string;
  identity: Identity;
  people: readonly Person[];
  environments: Readonly<Record<string, DeployerRules>>;
  /** `approval.approvers` (names of people): the rule for `approve`; none given, nobody may. */
  approvers?: readonly string[];
  /** Slack user groups the identity belongs to (asked of Slack by the caller), if any. */
  slackGroups?: readonly string[];
}

const DOING: Record<Operation, (env: string) => string> = {
  lock: (env) => `lock ${env}`,
  unlock: (env) => `unlock ${env}`,
  rollback: (env) => `roll back ${env}`,
  approve: (env) => `approve releases to ${env}`,
};

/** Returns the acting person (if known) or throws: SHIPGATE_NOT_A_DEPLOYER, or for `approve` SHIPGATE_NOT_A_PERSON / SHIPGATE_NOT_AN_APPROVER. */
export function assertMayOperate(check: OperationCheck): Person | undefined {
  const person = personFor(check.people, check.identity);
  const rules = Object.hasOwn(check.environments, check.env) ? check.environments[check.env] : undefined;
  if (!rules) {
    throw authorizeErrors.SHIPGATE_NOT_A_DEPLOYER({
      who: person?.name ?? describeIdentity(check.identity), doing: DOING[check.action](check.env), allowed: 'nobody: the config has no such environment',
      fix: `use one of the environments in .github/shipgate.yml: ${Object.keys(check.environments).join(', ')}`,
    });
  }
  if (check.action === 'approve') {
    if (!person) throw releaseErrors.SHIPGATE_NOT_A_PERSON({ identity: describeIdentity(check.identity) });
    const approvers = check.approvers ?? [];
    if (!approvers.includes(person.name)) throw releaseErrors.SHIPGATE_NOT_AN_APPROVER({ person: person.name, approvers: [...approvers] });
    return person;
  }
  assertDeployer(check, person, check.env, rules, DOING[check.action](check.env));
  return person;
}

/** The deployer rule of one environment (see the top of this file). */
function assertDeployer(check: { identity: Identity; slackGroups?: readonly string[] }, person: Person | undefined, env: string, rules: DeployerRules, doing: string): void {
  const listed = rules.deployers ?? [];
  const groups = rules.deployerGroups ?? [];
  const byList = listed.length > 0 || groups.length > 0;
  const inGroup = check.identity.via === 'slack' && groups.some((g) => check.slackGroups?.includes(g));
  const ok = byList ? (person !== undefined && listed.includes(person.name)) || inGroup : rules.protected ? person !== undefined : true;
  if (ok) return;
  const who = person?.name ?? describeIdentity(check.identity);
  const allowed = byList ? [...listed, ...groups.map((g) => `members of ${g}`)].join(', ') : 'people listed in people';
  const fix = byList
    ? `ask one of them, or add the person to environments.${env}.deployers in .github/shipgate.yml${person ? '' : ' (and to people, with their Slack id and GitHub login)'}`
    : `ask one of them, or add the person to people in .github/shipgate.yml (with their Slack id and GitHub login)`;
  const cliNote = !person && check.identity.via === 'cli' ? `; the CLI acted as "${check.identity.id}" (from --as, $SHIPGATE_AS or your user name): if people lists you under another name, pass --as <name>` : '';
  throw authorizeErrors.SHIPGATE_NOT_A_DEPLOYER({ who, doing, allowed, fix: fix + cliNote });
}
