/** The GitHub App side's error codes (start-up configuration). */
import { defineErrors } from '../../pipeline/errors.ts';

export const githubErrors = defineErrors({
  SHIPGATE_GITHUB_APP_KEY_INVALID: {
    message: (d: { variable: string; problem: string }) => `${d.variable} is not a usable private key: ${d.problem}`,
    hint: (d: { variable: string }) =>
      `generate one in the GitHub App's settings → Private keys → "Generate a private key", and set ${d.variable} to the whole .pem file, from -----BEGIN to -----END (in a one-line env file, write its line breaks as \\n)`,
    docs: 'github.md#3-run-the-bot',
  },
  SHIPGATE_GITHUB_APP_ENV_INCOMPLETE: {
    message: (d: { missing: string[]; set: string[] }) =>
      `the GitHub App is half configured: ${d.set.join(', ')} ${d.set.length === 1 ? 'is' : 'are'} set but ${d.missing.join(', ')} ${d.missing.length === 1 ? 'is' : 'are'} not`,
    hint: () => 'set all three (App ID, private key, webhook secret: GitHub App settings), or none of them to run the bot without its GitHub side',
    docs: 'github.md#3-run-the-bot',
  },
  SHIPGATE_GITHUB_APP_ENV_CONFLICT: {
    message: (d: { variable: string; alias: string }) => `${d.variable} and ${d.alias} are both set, to different values`,
    hint: (d: { variable: string; alias: string }) => `${d.alias} is Probot's name for ${d.variable}: keep one of them`,
    docs: 'github.md#3-run-the-bot',
  },
  SHIPGATE_GITHUB_APP_TOKEN: {
    message: (d: { repository: string; step: string; status: number | string; reason: string }) => `the GitHub App could not ${d.step} for ${d.repository}: ${d.status} ${d.reason}`,
    hint: (d: { status: number | string }) =>
      d.status === 404
        ? 'install the GitHub App on this repository (App settings → Install App), and check GITHUB_REPOSITORY'
        : d.status === 401
          ? 'GitHub refused the App JWT: check GITHUB_APP_ID and that GITHUB_APP_PRIVATE_KEY is a current key of that app, and that the bot\'s clock is right (NTP)'
          : d.status === 422 || d.status === 403
            ? 'the App needs the "Actions: Read & write" permission on this repository (App settings → Permissions; then accept the new permissions on the installation)'
            : 'see GitHub\'s answer above',
    docs: 'github.md#which-token-dispatches',
  },
});
