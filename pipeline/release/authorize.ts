/**
 * Who may start a release — the rule, once; the CLI, Slack and GitHub call it.
 * - An environment with `deployers` (people) or `deployerGroups` (Slack user groups): only those.
 *   Group membership only counts for a Slack identity, and the caller must have asked Slack.
 * - A protected environment without either: any person listed in `people`.
 * - Any other environment: anyone.
 */
import type { Identity } from './types.ts';
import { describeIdentity, personFor, type Person } from './approvals.ts';
import { defineErrors } from '../errors.ts';

export const authorizeErrors = defineErrors({
  SHIPGATE_NOT_A_DEPLOYER: {
    message: (d: { who: string; env: string; allowed: string }) => `${d.who} may not release to ${d.env} (allowed: ${d.allowed})`,
    hint: (d: { env: string }) => `ask someone allowed, or add the person to environments.${d.env}.deployers in .github/shipgate.yml`,
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
    const listed = rules.deployers ?? [];
    const groups = rules.deployerGroups ?? [];
    let ok: boolean;
    if (listed.length || groups.length) {
      const inGroup = check.identity.via === 'slack' && groups.some((g) => check.slackGroups?.includes(g));
      ok = (person !== undefined && listed.includes(person.name)) || inGroup;
    } else ok = rules.protected ? person !== undefined : true;
    if (!ok) {
      const allowed = listed.length || groups.length ? [...listed, ...groups.map((g) => `members of ${g}`)].join(', ') : 'people listed in people';
      throw authorizeErrors.SHIPGATE_NOT_A_DEPLOYER({ who: person?.name ?? describeIdentity(check.identity), env, allowed });
    }
  }
  return person;
}
