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
});
