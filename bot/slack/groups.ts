/**
 * Slack user-group membership for `deployerGroups` (pipeline/release/authorize.ts decides; this
 * only asks Slack). Fails closed: if Slack will not say (missing_scope, unknown group), the
 * request is refused with a message naming the group and the fix.
 */
import type { webApi } from '@slack/bolt';
import { slackErrors } from './errors.ts';

export async function slackGroupsOf(client: webApi.WebClient, user: string, groups: readonly string[]): Promise<string[] | undefined> {
  if (groups.length === 0) return undefined;
  const member: string[] = [];
  for (const group of new Set(groups)) {
    let users: string[] | undefined;
    try {
      const res = await client.usergroups.users.list({ usergroup: group });
      users = res.users;
    } catch (err) {
      const code = (err as { data?: { error?: string } }).data?.error ?? (err as Error).message;
      throw slackErrors.SHIPGATE_SLACK_GROUPS_UNREADABLE({ group, error: code }, err);
    }
    if (users?.includes(user)) member.push(group);
  }
  return member;
}
