/** Errors of the Slack side (stable codes; shown in Slack with slackError from ./mrkdwn.ts, which escapes them). */
import { defineErrors } from '../../pipeline/errors.ts';

export const slackErrors = defineErrors({
  SHIPGATE_SLACK_GROUPS_UNREADABLE: {
    message: (d: { group: string; error: string }) => `could not read the members of Slack user group ${d.group} (${d.error}), so group membership cannot be checked`,
    hint: (d: { error: string }) =>
      d.error === 'missing_scope'
        ? 'add the usergroups:read bot scope to the Slack app and reinstall it (docs/slack.md#manifest); until then only deployers listed by name may release'
        : 'check the group id in environments.<env>.deployerGroups (Slack → People → User groups → copy the id)',
    docs: 'slack.md#who-may-release',
  },
  SHIPGATE_SLACK_OUTDATED: {
    message: (d: { id: string; why: string }) => `this approval request for release ${d.id} is outdated: ${d.why}`,
    hint: () => 'nothing was recorded; look for the newest approval request of this release',
    docs: 'slack.md#approvals',
  },
  SHIPGATE_SLACK_BAD_BUTTON: {
    message: (d: { problem: string }) => `this button cannot be used: ${d.problem}`,
    hint: () => 'nothing was recorded; click the buttons of the newest approval request as Slack shows them',
    docs: 'slack.md#approvals',
  },
  SHIPGATE_SLACK_NOT_THIS_MESSAGE: {
    message: (d: { id: string }) => `this button does not belong to the approval request of release ${d.id}: a click counts only on that release's own request message`,
    hint: () => 'nothing was recorded; use the Approve / Reject buttons on the release\'s approval request in the approvals channel',
    docs: 'slack.md#approvals',
  },
  SHIPGATE_SLACK_GITHUB_MODE: {
    message: () => 'slack.mode is github but the bot has no GitHub access configured',
    hint: () => 'configure the GitHub App for the bot (GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY, GITHUB_WEBHOOK_SECRET) and GITHUB_REPOSITORY (owner/name), or use slack.mode: local',
    docs: 'slack.md#modes',
  },
  SHIPGATE_SLACK_SOCKET_MODE: {
    message: (d: { reason: string }) => `Socket Mode could not connect to Slack: ${d.reason}`,
    hint: (d: { reason: string }) =>
      /not_allowed_token_type|invalid_auth|not_authed/.test(d.reason)
        ? 'SLACK_APP_TOKEN must be an app-level token (xapp-…) with the connections:write scope (Slack app → Basic Information → App-Level Tokens), and Socket Mode must be on in the app settings'
        : 'check that the bot can reach Slack (wss-primary.slack.com over HTTPS, port 443), or unset SLACK_APP_TOKEN to serve Slack over HTTP',
    docs: 'hosting.md#socket-mode',
  },
  SHIPGATE_SLACK_GITHUB_APP_REQUIRED: {
    message: (d: { missing: string }) => `slack.mode is github but the GitHub App is not configured (${d.missing} not set): a dispatch with a static token would run as that token's owner, and release.yml refuses the Slack user as requester unless the Shipgate app dispatched it`,
    hint: () => 'set GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY and GITHUB_WEBHOOK_SECRET (the Shipgate GitHub App, installed on GITHUB_REPOSITORY with Actions: Read & write); GITHUB_TOKEN is not used by the bot. Or use slack.mode: local',
    docs: 'github.md#which-token-dispatches',
  },
});
